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


# --- events in words ------------------------------------------------------------------


def _when(value: object) -> str:
    """An ISO time from the details as the local date and time ("2026-11-29 12:01")."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _value(value: object) -> str:
    """A detail's value as text: lists joined, mappings as "key value", never a Python repr."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, list | tuple):
        return "; ".join(_value(v) for v in value if v not in (None, ""))
    return str(value)


def _plural(n: object, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _port(details: Mapping[str, object]) -> str:
    label = details.get("label") or f"{details.get('port')}/{details.get('protocol', 'tcp')}"
    service = details.get("service")
    return f"{label} ({service})" if service and f"/{service}" not in str(label) else str(label)


def _config_changed(details: Mapping[str, object]) -> str:
    if details.get("version") is None:
        return ""
    version, previous = details["version"], details.get("previous")
    head = f"version {version}" + (f" (was {previous})" if previous else "")
    if "added" in details or "removed" in details:
        added, removed = details.get("added", 0), details.get("removed", 0)
        head += f": {_plural(added, 'line')} added, {removed} removed"
    return head


def _test(details: Mapping[str, object]) -> str:
    text = "test delivery"
    if details.get("webhook"):
        text += f" to {details['webhook']}"
    return text + (f", sent by {details['by']}" if details.get("by") else "")


# What each kind's details say, in a sentence; a kind not listed gets "key: value" pairs.
_SUMMARIES = {
    "host_up": lambda d: f"answered in {d['rtt_ms']:g} ms" if d.get("rtt_ms") is not None else "",
    "host_down": lambda d: f"last seen {_when(d['last_seen'])}" if d.get("last_seen") else "",
    "host_new": lambda d: f"found in {d['subnet']}" if d.get("subnet") else "",
    "port_opened": _port,
    "port_closed": _port,
    "ptr_changed": lambda d: f"{d.get('old') or 'no name'} → {d.get('new') or 'no name'}",
    "config_changed": _config_changed,
    "backup_failed": lambda d: _value(d.get("reason") or d.get("error") or ""),
    "backup_overdue": lambda d: (
        f"no successful backup within twice the interval of schedule {d['schedule']}"
        if d.get("schedule")
        else ""
    ),
    "service_down": lambda d: ": ".join(str(x) for x in (d.get("check"), d.get("message")) if x),
    "service_up": lambda d: ": ".join(str(x) for x in (d.get("check"), d.get("message")) if x),
    "service_degraded": lambda d: ": ".join(
        str(x) for x in (d.get("check"), d.get("message")) if x
    ),
}
# Details a kind's sentence already says or that only machines read.
_SAID = {
    "config_changed": {"version", "previous", "added", "removed", "summary"},
    "backup_failed": {"reason", "error", "run"},
    "port_opened": {"port", "protocol", "service", "label"},
    "port_closed": {"port", "protocol", "service", "label"},
    "service_down": {"message", "check"},
    "service_up": {"message", "check"},
    "service_degraded": {"message", "check"},
}


def summary(event: Event) -> str:
    """The event's details in words, for pages and chat messages (the API keeps the JSON).

    "version 3 (was 2): 1 line added, 0 removed", "22/ssh", "answered in 0.4 ms";
    the lines of a config change are `diff_lines()`.
    """
    details = event.details if isinstance(event.details, Mapping) else {}
    if details.get("test"):
        return _test(details)
    said: set[str] = set()
    parts: list[str] = []
    describe = _SUMMARIES.get(event.kind)
    if describe is not None:
        try:
            parts.append(describe(details))
            said = _SAID.get(event.kind, set(details))
        except (KeyError, TypeError, ValueError):
            said = set()  # details of an older shape: say them one by one
    parts += [
        f"{key.replace('_', ' ')}: {_value(value)}"
        for key, value in details.items()
        if key not in said and value not in (None, "", [], {})
    ]
    return "; ".join(part for part in parts if part)


def diff_lines(event: Event) -> list[str]:
    """The changed lines a config change carries ("- old line", "+ new line"), if any."""
    details = event.details if isinstance(event.details, Mapping) else {}
    lines = details.get("summary") if event.kind == "config_changed" else None
    return [str(line) for line in lines] if isinstance(lines, list) else []
