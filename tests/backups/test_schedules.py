"""Backup schedules become django-q2 schedules (interval or cron); disabled ones are dropped."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_q.models import Schedule

from backups.jobs import next_runs, schedule_jobs
from backups.models import BackupSchedule
from netkeep import jobs

pytestmark = pytest.mark.django_db


def test_interval_and_cron_schedules_are_synced_and_disabled_ones_are_not() -> None:
    hourly = BackupSchedule.objects.create(name="hourly", interval_minutes=60)
    nightly = BackupSchedule.objects.create(name="nightly", cron="0 2 * * *")
    BackupSchedule.objects.create(name="off", interval_minutes=30, enabled=False)
    assert [p.name for p in schedule_jobs()] == [
        f"backups:schedule:{hourly.pk}",
        f"backups:schedule:{nightly.pk}",
    ]
    jobs.sync_prefix("backups")
    cron = Schedule.objects.get(name=f"backups:schedule:{nightly.pk}")
    assert (cron.schedule_type, cron.cron) == (Schedule.CRON, "0 2 * * *")
    assert timezone.localtime(cron.next_run).hour == 2
    interval = Schedule.objects.get(name=f"backups:schedule:{hourly.pk}")
    assert (interval.schedule_type, interval.minutes) == (Schedule.MINUTES, 60)
    assert set(next_runs([hourly, nightly])) == {hourly.pk, nightly.pk}
