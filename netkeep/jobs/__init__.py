"""Background jobs for every app: the Run, enqueue with dedupe and rate limit, claim,
heartbeat, progress, the reaper and the schedule sync.

Apps declare their run kinds and periodic jobs in their own `jobs.py`
(see netkeep.jobs.registry and docs/contributing.md, "Adding a background job"):

    from netkeep import jobs

    run = jobs.enqueue("backup", target=device.name, user=request.user, device=device.pk)

    def run_backup(run_id: int) -> str:          # the kind's function, called by a worker
        run = jobs.claim(run_id)
        if run is None:
            return "skipped"
        run.progress(0, 1, force=True)
        ...                                      # I/O with no transaction open
        run.progress(1, recorded=1)
        run.finish({"fetched": 1})
        return run.status

Import this package only once apps are loaded (models.py onwards).
"""

from netkeep.jobs.heartbeat import report as report_progress
from netkeep.jobs.models import ACTIVE_STATUSES, Run, RunQuerySet, RunStatus, stale_after
from netkeep.jobs.queue import (
    RateLimited,
    check_rate,
    claim,
    enqueue,
    execute,
    prune_runs,
    reap_stale_runs,
    record_refusal,
    send,
)
from netkeep.jobs.registry import Kind, Periodic, get_kind, kind, periodic, periodic_from
from netkeep.jobs.schedules import resync_when_saved, sync_all, sync_prefix, sync_schedules

__all__ = [
    "ACTIVE_STATUSES",
    "Kind",
    "Periodic",
    "RateLimited",
    "Run",
    "RunQuerySet",
    "RunStatus",
    "check_rate",
    "claim",
    "enqueue",
    "execute",
    "get_kind",
    "kind",
    "periodic",
    "periodic_from",
    "prune_runs",
    "reap_stale_runs",
    "record_refusal",
    "report_progress",
    "resync_when_saved",
    "send",
    "stale_after",
    "sync_all",
    "sync_prefix",
    "sync_schedules",
]
