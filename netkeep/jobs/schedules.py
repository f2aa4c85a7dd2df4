"""The schedule sync: make django-q2's schedules match the periodic jobs apps declare.

Reconciled when a worker starts (netkeep.jobs.worker), when data that decides a
schedule changes (`resync_when_saved`), every few minutes as a safety net, and
by `manage.py sync_schedules`; so however Netkeep is run, nobody has to.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from netkeep.jobs import registry

log = logging.getLogger(__name__)


def sync_schedules(
    wanted: list[registry.ScheduleSpec], prefix: str, rng: random.Random | None = None
) -> dict[str, int]:
    """Make django-q2's schedules named `prefix`... match `wanted`; safe to run at every start.

    A schedule that already exists with the same function, arguments and
    interval keeps its next run, so restarting never shifts or fires work; a new
    or changed one gets a random next run within its jitter, so subnets do not
    fire together. Schedules under `prefix` that are no longer wanted are deleted.
    """
    from django_q.models import Schedule

    rng = rng or random.Random()
    now = timezone.now()
    created = updated = kept = 0
    names = set()
    for spec in wanted:
        jitter = float(spec.get("jitter_s", 0))
        fields: dict[str, object] = {"args": None, "minutes": None}
        fields.update((k, v) for k, v in spec.items() if k != "jitter_s")
        names.add(spec["name"])
        current = Schedule.objects.filter(name=spec["name"]).first()
        same = current is not None and all(
            getattr(current, k) == v for k, v in fields.items() if k != "name"
        )
        if same:
            kept += 1
            continue
        next_run = now + timedelta(seconds=rng.uniform(0, jitter) if jitter else 0)
        if spec.get("cron"):
            # A cron schedule first fires at its next matching time, not now.
            from croniter import croniter

            next_run = croniter(spec["cron"], timezone.localtime(now)).get_next(type(now))
        Schedule.objects.update_or_create(
            name=spec["name"], defaults={**fields, "next_run": next_run, "repeats": -1}
        )
        if current is None:
            created += 1
        else:
            updated += 1
    stale = Schedule.objects.filter(name__startswith=prefix).exclude(name__in=names)
    deleted = stale.delete()[0]
    return {"created": created, "updated": updated, "kept": kept, "deleted": deleted}


def sync_prefix(prefix: str) -> dict[str, int]:
    """Sync the periodic jobs one app declared under `prefix` ('discovery')."""
    specs = [job.spec() for job in registry.wanted(prefix)]
    return sync_schedules(specs, f"{prefix}:")


def sync_all() -> dict[str, dict[str, int]]:
    """Sync every app's periodic jobs; the result per prefix."""
    return {prefix: sync_prefix(prefix) for prefix in registry.prefixes()}


# --- reconciling when the data behind a schedule changes ------------------------------


class _PendingSync:
    """An after-commit sync of one prefix; a transaction queues at most one that has not run."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        try:
            sync_prefix(self.prefix)
        except Exception:  # the safety-net sync every few minutes will try again
            log.exception("syncing the %s schedules failed", self.prefix)


def _sync_soon(prefix: str) -> None:
    """Sync `prefix` once after the current transaction commits, however many rows changed."""
    connection = transaction.get_connection()
    # A rolled-back transaction drops its callbacks, and with them this marker.
    for _sids, pending, _robust in connection.run_on_commit:
        if isinstance(pending, _PendingSync) and pending.prefix == prefix and not pending.ran:
            return
    transaction.on_commit(_PendingSync(prefix))


def resync_when_saved(prefix: str, *senders: type[models.Model]) -> None:
    """Re-sync `prefix`'s schedules after any of these models is saved or deleted."""
    for sender in senders:

        def changed(sender: type[models.Model], **kwargs: object) -> None:
            if kwargs.get("raw"):
                return  # fixtures load rows as they are
            _sync_soon(prefix)

        uid = f"jobs-resync-{prefix}-{sender._meta.label_lower}"
        post_save.connect(changed, sender=sender, weak=False, dispatch_uid=uid)
        post_delete.connect(changed, sender=sender, weak=False, dispatch_uid=uid + "-del")
