"""Asking for jobs and running them: enqueue with dedupe and rate limit, claim, reap, execute.

`enqueue()` is how pages, the API, commands and schedules ask for a job: it
first fails runs of the same target whose worker died, checks the caller's
rate limit, returns the run already queued or running for the same kind and
target, or creates a queued Run and sends its task after commit. A worker
calls `run(run_id)`, which executes the kind's function with a heartbeat
thread beside it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from netkeep.jobs.heartbeat import Heartbeat
from netkeep.jobs.models import Run, RunStatus, stale_after
from netkeep.jobs.registry import REGISTRY, get_kind
from netkeep.types import saved_user

if TYPE_CHECKING:
    from netkeep.types import Actor

log = logging.getLogger(__name__)

RUN_TASK = "netkeep.jobs.queue.run"
RATE_LIMIT = (10, 60)  # job requests per user and kind group, per seconds
QUEUED_TOO_LONG = timedelta(hours=1)
ORPHAN_AFTER = timedelta(minutes=2)
DEFAULT_KEEP = timedelta(days=90)


class RateLimited(Exception):
    """The user asked for too many jobs in a short time."""


# --- the reaper -------------------------------------------------------------------


def reap_stale_runs(older_than: timedelta | None = None, **where: object) -> int:
    """Fail running runs whose heartbeat is late, and queued runs no worker picked up.

    `where` narrows it (enqueue reaps only the target it is asked for). The
    message says what the lost run left behind, from its counters.
    """
    reaped = 0
    stale = Run.objects.stale(older_than).filter(**where)
    for run in stale:
        # Only runs still running and still late are failed: a run finishing meanwhile keeps
        # its result, and one whose heartbeat arrived meanwhile (a long transaction on
        # SQLite holds every other writer back until it commits) keeps running.
        reaped += stale.filter(pk=run.pk).update(
            status=RunStatus.PARTIAL if run.recorded else RunStatus.FAILED,
            finished=timezone.now(),
            error_class="WorkerLost",
            error_message=run.lost_message(),
        )
    horizon = timezone.now() - QUEUED_TOO_LONG
    reaped += (
        Run.objects.filter(status=RunStatus.QUEUED, created__lt=horizon)
        .filter(**where)
        .update(
            status=RunStatus.FAILED,
            finished=timezone.now(),
            error_class="NeverStarted",
            error_message="No worker picked this run up within an hour: is `manage.py qcluster` "
            "running?",
        )
    )
    if reaped:
        log.warning("marked %s lost run(s) failed", reaped)
    return reaped


# --- rate limit ---------------------------------------------------------------------


def check_rate(user: Actor, noun: str = "jobs", hint: str = "") -> None:
    """RateLimited when this user asked for more than RATE_LIMIT jobs of this noun lately."""
    if user is None or not getattr(user, "pk", None):
        return
    limit, window = RATE_LIMIT
    bucket = int(timezone.now().timestamp()) // window
    key = f"jobs:rate:{noun}:{user.pk}:{bucket}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window * 2)
        count = 1
    if count > limit:
        raise RateLimited(
            f"You asked for more than {limit} {noun} in the last minute: wait a minute and "
            f"try again{hint}."
        )


# --- asking for a job ------------------------------------------------------------------


def enqueue(
    kind: str,
    target: str,
    user: Actor = None,
    *,
    profile: str = "",
    by_schedule: bool = False,
    queue: bool = True,
    rate_hint: str = "",
    **refs: int | None,
) -> Run:
    """The queued or running run of this kind and target, or a new queued run.

    The task is sent after commit; `queue=False` creates the run without a task
    (a command then runs it in the foreground with `execute`). `refs` are the
    ids of the objects the run is about (`subnet=5, host=7`). Raises ValueError
    for an unknown kind and RateLimited when the user asked too often.
    """
    declared = get_kind(kind)
    text = target[:200]
    # A request for a target whose worker died must not be answered "already running".
    reap_stale_runs(kind=kind, target=text)
    check_rate(user, declared.noun, rate_hint)
    existing = Run.objects.active().filter(kind=kind, target=text).first()
    if existing is not None:
        orphaned = (
            existing.status == RunStatus.QUEUED
            and not existing.task_id
            and existing.created < timezone.now() - ORPHAN_AFTER
        )
        if queue and orphaned:
            # Created for a worker that never claimed it (it died first): queue it now;
            # claim() still lets only one worker run it.
            transaction.on_commit(lambda: send(existing.pk))
        return existing
    try:
        with transaction.atomic():
            new = Run.objects.create(
                kind=kind,
                target=text,
                refs={name: pk for name, pk in refs.items() if pk is not None},
                profile=profile,
                started_by=saved_user(user),
                by_schedule=by_schedule,
            )
            if queue:
                transaction.on_commit(lambda: send(new.pk))
    except IntegrityError:
        # Another request created it between our check and our insert.
        found = Run.objects.active().filter(kind=kind, target=text).first()
        if found is None:
            raise
        return found
    return new


def send(run_id: int) -> str:
    """Queue the task for a run and remember its task id."""
    from django_q.tasks import async_task

    run = Run.objects.filter(pk=run_id).only("kind").first()
    group = REGISTRY.kinds[run.kind].group if run and run.kind in REGISTRY.kinds else "jobs"
    task_id = async_task(RUN_TASK, run_id, group=group)
    Run.objects.filter(pk=run_id).update(task_id=str(task_id)[:64])
    return str(task_id)


def record_refusal(kind: str, target: str, error: Exception, **refs: int | None) -> None:
    """A refused scheduled job is a failed run, so it shows; once, not at every interval."""
    text = target[:200]
    last = Run.objects.filter(kind=kind, target=text).order_by("-created").first()
    if last is not None and last.status == RunStatus.FAILED and last.error_message == str(error):
        return
    now = timezone.now()
    Run.objects.create(
        kind=kind,
        target=text,
        refs={name: pk for name, pk in refs.items() if pk is not None},
        by_schedule=True,
        status=RunStatus.FAILED,
        created=now,
        finished=now,
        error_class=type(error).__name__,
        error_message=str(error)[:2000],
    )


# --- running a job ----------------------------------------------------------------------


def claim(run_id: int) -> Run | None:
    """The run, moved from queued to running; None when it is gone or another worker has it."""
    run = Run.objects.filter(pk=run_id).first()
    if run is None or not run.claim():
        return None
    return run


def execute(run_id: int) -> str:
    """Run one job in this process, with a heartbeat thread beside it; returns its outcome."""
    kind = Run.objects.filter(pk=run_id).values_list("kind", flat=True).first()
    if kind is None:
        return "skipped: no such run"
    body = import_string(get_kind(kind).run)
    with Heartbeat(run_id):
        return str(body(run_id))


def run(run_id: int) -> str:
    """The worker's entry point for a queued run."""
    reap_stale_runs()
    return execute(run_id)


def prune_runs() -> int:
    """Forget finished runs older than their kind keeps them."""
    now = timezone.now()
    deleted = 0
    by_span: dict[float, list[str]] = {}
    for declared in REGISTRY.kinds.values():
        by_span.setdefault(declared.keep_days, []).append(declared.name)
    for days, names in by_span.items():
        old = Run.objects.finished().filter(kind__in=names, created__lt=now - timedelta(days=days))
        deleted += old.delete()[0]
    # Runs of kinds no app declares any more.
    orphans = Run.objects.finished().exclude(kind__in=list(REGISTRY.kinds))
    deleted += orphans.filter(created__lt=now - DEFAULT_KEEP).delete()[0]
    return deleted


__all__ = [
    "RateLimited",
    "check_rate",
    "claim",
    "enqueue",
    "execute",
    "prune_runs",
    "reap_stale_runs",
    "record_refusal",
    "run",
    "send",
    "stale_after",
]
