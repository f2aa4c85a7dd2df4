"""The backups app's run kinds and periodic jobs (read by netkeep.jobs at start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netkeep import jobs


def schedule_jobs() -> list[jobs.Periodic]:
    """One django-q2 schedule per enabled backup schedule."""
    from backups.models import BackupSchedule

    wanted = []
    for schedule in BackupSchedule.objects.filter(enabled=True):
        every = schedule.interval_minutes
        when: dict[str, Any] = (
            {"schedule": "minutes", "minutes": every, "jitter_s": min(300.0, every * 6.0)}
            if every
            else {"schedule": "cron", "cron": schedule.cron}
        )
        wanted.append(
            jobs.Periodic(
                f"backups:schedule:{schedule.pk}",
                "backups.fetch.run_schedule",
                args=(schedule.pk,),
                **when,
            )
        )
    return wanted


def next_runs(schedules: Sequence[Any]) -> dict[int, Any]:
    """Each schedule's next run time, from its django-q2 schedule."""
    from django_q.models import Schedule

    names = {f"backups:schedule:{s.pk}": s.pk for s in schedules}
    rows = Schedule.objects.filter(name__in=list(names)).values_list("name", "next_run")
    return {names[name]: when for name, when in rows}


jobs.kind("backup", "Config backup", run="backups.fetch.run_backup", noun="backups")
jobs.periodic(
    "backups:retention", "backups.retention.apply_retention", schedule="daily", jitter_s=3600
)
jobs.periodic("backups:watchdog", "backups.fetch.overdue_watchdog", schedule="hourly", jitter_s=600)
jobs.periodic_from("backups", schedule_jobs)


def _resync() -> None:
    from backups.models import BackupSchedule

    jobs.resync_when_saved("backups", BackupSchedule)


_resync()
