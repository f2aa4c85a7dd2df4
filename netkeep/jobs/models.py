"""The Run: one background job of any app, with its progress, heartbeat and outcome.

A run names its kind (declared by the app that owns it, see netkeep.jobs.registry)
and the objects it is about by id in `refs` ({"subnet": 5, "host": 7}), never by
a foreign key: this module imports no app.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

# The least time between two progress writes of one run.
PROGRESS_EVERY_S = 1.0


def heartbeat_every() -> float:
    """Seconds between two heartbeats of a running job (its heartbeat thread)."""
    return float(getattr(settings, "NETKEEP_JOB_HEARTBEAT_S", 3.0))


def stalled_after() -> timedelta:
    """A running job whose heartbeat is this late is shown as stalled."""
    return timedelta(seconds=heartbeat_every() * 3 + 1)


def stale_after() -> timedelta:
    """A running job whose heartbeat is this late is lost: the reaper fails it."""
    explicit = getattr(settings, "NETKEEP_STALE_RUN_S", None)
    if explicit:
        return timedelta(seconds=float(explicit))
    return timedelta(seconds=max(30.0, heartbeat_every() * 10))


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    PARTIAL = "partial", "Partial"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class RunQuerySet(models.QuerySet["Run"]):
    def active(self) -> RunQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def finished(self) -> RunQuerySet:
        return self.exclude(status__in=ACTIVE_STATUSES)

    def stale(self, older_than: timedelta | None = None) -> RunQuerySet:
        """Running runs whose heartbeat is older than `older_than` (default: stale_after())."""
        horizon = timezone.now() - (older_than or stale_after())
        return self.filter(status=RunStatus.RUNNING, heartbeat__lt=horizon)

    def about(self, **refs: int) -> RunQuerySet:
        """Runs about these objects, e.g. `about(subnet=5)`: every given id must match."""
        runs = self
        for name, pk in refs.items():
            runs = runs.filter(**{f"refs__{name}": pk})
        return runs


class Run(models.Model):
    """One background job (a sweep, a config fetch, ...) with its progress and outcome."""

    kind = models.CharField(max_length=30, help_text="Declared by the app that runs it.")
    target = models.CharField(
        max_length=200, help_text="What the job works on, as typed or derived."
    )
    refs = models.JSONField(
        default=dict, blank=True, help_text='Ids of the objects the job is about: {"subnet": 5}.'
    )
    profile = models.CharField(max_length=50, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs_started",
    )
    by_schedule = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    recorded = models.PositiveIntegerField(
        default=0, help_text="Results written so far (what a lost run leaves behind)."
    )
    counts = models.JSONField(
        default=dict, blank=True, help_text="alive, new, went_down, came_up, ... by name."
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Last sign of life of a running run, written by its heartbeat thread; the reaper reads it.
    heartbeat = models.DateTimeField(null=True, blank=True)
    error_class = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # At most one queued or running run per kind and target: asking again
            # returns that run instead of starting a second one.
            models.UniqueConstraint(
                fields=["kind", "target"],
                condition=Q(status__in=["queued", "running"]),
                name="jobs_run_one_active_per_target",
            )
        ]
        indexes = [models.Index(fields=["kind", "target", "status"], name="jobs_run_kind_target")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:run_detail", args=[self.pk])

    # --- derived values -----------------------------------------------------
    def get_kind_display(self) -> str:
        from netkeep.jobs.registry import label

        return label(self.kind)

    @property
    def summary(self) -> str:
        """What the run found, in words ("20 of 254 addresses up · 19 new"); "" for nothing."""
        from netkeep.jobs.registry import summary_of
        from netkeep.jobs.summary import summarise

        return summarise(self, summary_of(self.kind))

    @property
    def outcome(self) -> str:
        """The error, if any, then the summary: one line for an Outcome column."""
        return " — ".join(part for part in (self.error_message, self.summary) if part)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_stalled(self) -> bool:
        """Running, but its heartbeat is late: the worker may have died (the reaper will say)."""
        return (
            self.status == RunStatus.RUNNING
            and self.heartbeat is not None
            and self.heartbeat < timezone.now() - stalled_after()
        )

    @property
    def percent(self) -> int:
        """Progress in percent (100 once finished)."""
        if not self.is_active:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def duration_s(self) -> float | None:
        if self.started is None:
            return None
        end = self.finished or timezone.now()
        return round((end - self.started).total_seconds(), 3)

    # --- state changes ------------------------------------------------------
    def claim(self) -> bool:
        """Move a queued run to running; False when another worker got it first."""
        now = timezone.now()
        claimed = Run.objects.filter(pk=self.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING,
            started=now,
            heartbeat=now,
            attempts=models.F("attempts") + 1,
        )
        if claimed == 1:
            self.refresh_from_db()
            return True
        return False

    def beat(self) -> bool:
        """Write a heartbeat; False once the run is no longer running (finished or reaped)."""
        self.heartbeat = timezone.now()
        return (
            Run.objects.filter(pk=self.pk, status=RunStatus.RUNNING).update(
                heartbeat=self.heartbeat
            )
            == 1
        )

    def progress(
        self,
        done: int,
        total: int | None = None,
        *,
        recorded: int | None = None,
        force: bool = False,
    ) -> bool:
        """Record progress, at most once per PROGRESS_EVERY_S unless forced; True if written.

        `recorded` counts results already written for good: when the worker dies,
        the reaper's message says how many (or that nothing was recorded).
        """
        now_mono = time.monotonic()
        last = getattr(self, "_last_progress", 0.0)
        self.done = done
        if total is not None:
            self.total = total
        if recorded is not None:
            self.recorded = recorded
        if not force and now_mono - last < PROGRESS_EVERY_S:
            return False
        self._last_progress = now_mono
        self.heartbeat = timezone.now()
        # Guarded by status so a run the reaper already failed is not revived.
        Run.objects.filter(pk=self.pk, status=RunStatus.RUNNING).update(
            done=self.done, total=self.total, recorded=self.recorded, heartbeat=self.heartbeat
        )
        return True

    def finish(
        self, counts: Mapping[str, object] | None = None, status: str = RunStatus.SUCCEEDED
    ) -> None:
        """Mark the run succeeded (or partial) with its counts."""
        self.status = status
        if counts is not None:
            self.counts = counts
        self.finished = timezone.now()
        if status == RunStatus.SUCCEEDED:
            self.done = max(self.done, self.total)
        self._write_outcome(heartbeat=self.finished)

    def fail(
        self,
        error: BaseException | str,
        *,
        partial: bool = False,
        counts: Mapping[str, object] | None = None,
    ) -> None:
        """Mark the run failed (or partial when some results were kept), saying why."""
        if isinstance(error, BaseException):
            self.error_class = type(error).__name__
            self.error_message = str(error) or type(error).__name__
        else:
            self.error_class = self.error_class or "Error"
            self.error_message = error
        self.error_message = self.error_message[:2000]
        self.status = RunStatus.PARTIAL if partial else RunStatus.FAILED
        if counts is not None:
            self.counts = counts
        self.finished = timezone.now()
        self._write_outcome(error_class=self.error_class, error_message=self.error_message)

    def _write_outcome(self, **extra: object) -> None:
        Run.objects.filter(pk=self.pk).update(
            status=self.status,
            counts=self.counts,
            finished=self.finished,
            done=self.done,
            total=self.total,
            recorded=self.recorded,
            **extra,
        )

    def lost_message(self, at: datetime | None = None) -> str:
        """What a run whose worker died left behind, from its counters."""
        when = timezone.localtime(at or self.heartbeat or timezone.now()).strftime("%H:%M:%S")
        said = f"The worker stopped responding at {when} (its last heartbeat)"
        if self.total:
            said += f" after {self.done:,} of {self.total:,}"
        if self.recorded:
            return f"{said}; {self.recorded:,} results were recorded, the rest were not."
        return f"{said}; nothing was recorded."
