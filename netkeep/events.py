"""The one door for events: record what happened, then fan out to subscribed webhooks.

Deliveries are queued only after the surrounding transaction commits, so a
rolled-back change never notifies anyone, and a webhook task never looks for
an event row that is not there yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from netkeep.models import Event, Webhook

# Events are the history people read back ("when did this host go down?"): half a year.
RETENTION = timedelta(days=180)


def _event(
    kind: str, obj: models.Model | None, at: datetime, details: Mapping[str, object]
) -> Event:
    event = Event(kind=kind, at=at, details=details)
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(type(obj))
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:200]
    return event


def record(kind: str, obj: models.Model | None = None, **details: object) -> Event:
    """Record one event about `obj` and queue its webhook deliveries after commit."""
    event = _event(kind, obj, timezone.now(), details)
    event.save()
    fan_out([event])
    return event


def record_many(
    items: Iterable[tuple[str, models.Model | None, Mapping[str, object]]],
    at: datetime | None = None,
) -> list[Event]:
    """Record many events in one insert (a sweep's status changes) and fan them out."""
    when = at or timezone.now()
    events = [_event(kind, obj, when, details) for kind, obj, details in items]
    if not events:
        return []
    created = Event.objects.bulk_create(events, batch_size=500)
    if any(e.pk is None for e in created):
        # Backends that do not return ids from bulk inserts: read them back.
        created = list(Event.objects.filter(at=when).order_by("id"))[-len(events) :]
    fan_out(created)
    return created


def fan_out(events: Sequence[Event]) -> int:
    """Queue one delivery task per (event, subscribed webhook); returns how many."""
    hooks = [h for h in Webhook.objects.filter(enabled=True) if h.kinds]
    if not hooks:
        return 0
    from netkeep import webhooks

    queued = 0
    for event in events:
        for hook in hooks:
            if hook.subscribes_to(event.kind):
                transaction.on_commit(partial(webhooks.enqueue, hook.pk, event.pk, 1))
                queued += 1
    return queued


def prune(now: datetime | None = None) -> int:
    """Forget events older than RETENTION; returns how many were deleted."""
    horizon = (now or timezone.now()) - RETENTION
    return Event.objects.filter(at__lt=horizon).delete()[0]
