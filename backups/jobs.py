"""The backups app's run kinds and periodic jobs (read by netkeep.jobs at start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from netkeep import jobs

if TYPE_CHECKING:
    from backups.models import BackupSchedule


def schedule_jobs() -> list[jobs.Periodic]:
    """One django-q2 schedule per enabled backup schedule."""
    from backups.models import BackupSchedule

    wanted = []
    for schedule in BackupSchedule.objects.filter(enabled=True):
        name, func = f"backups:schedule:{schedule.pk}", "backups.fetch.run_schedule"
        every = schedule.interval_minutes
        wanted.append(
            jobs.Periodic(
                name,
                func,
                args=(schedule.pk,),
                schedule="minutes",
                minutes=every,
                jitter_s=min(300.0, every * 6.0),
            )
            if every
            else jobs.Periodic(name, func, args=(schedule.pk,), schedule="cron", cron=schedule.cron)
        )
    return wanted


def next_runs(schedules: Sequence[BackupSchedule]) -> dict[int, datetime | None]:
    """Each schedule's next run time, from its django-q2 schedule."""
    from django_q.models import Schedule

    names = {f"backups:schedule:{s.pk}": s.pk for s in schedules}
    rows = Schedule.objects.filter(name__in=list(names)).values_list("name", "next_run")
    return {names[name]: when for name, when in rows}


jobs.kind(
    "backup",
    "Config backup",
    run="backups.fetch.run_backup",
    noun="backups",
    summary="backups.fetch.summary",
)
jobs.periodic(
    "backups:retention", "backups.retention.apply_retention", schedule="daily", jitter_s=3600
)
jobs.periodic("backups:watchdog", "backups.fetch.overdue_watchdog", schedule="hourly", jitter_s=600)
jobs.periodic_from("backups", schedule_jobs)


def _resync() -> None:
    from backups.models import BackupSchedule

    jobs.resync_when_saved("backups", BackupSchedule)


_resync()
