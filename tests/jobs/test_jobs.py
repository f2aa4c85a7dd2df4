"""netkeep.jobs: heartbeat while a job blocks, the reaper's message, schedules reconciled by
worker start and by scan-setting changes, kinds declared by apps."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_q.models import Schedule
from django_q.signals import post_spawn

from netkeep import jobs
from netkeep.jobs import Run, RunStatus, registry, worker
from netkeep.jobs.heartbeat import Heartbeat
from tests.factories import make_subnet

SLEPT: list[float] = []


def sleep_in_one_call(run_id: int) -> str:
    """A job that blocks in a single call, as an Nmap run or an SSH session does."""
    run = jobs.claim(run_id)
    assert run is not None
    beat_before = run.heartbeat
    time.sleep(0.6)
    SLEPT.append((Run.objects.get(pk=run_id).heartbeat - beat_before).total_seconds())
    run.finish({"slept": 1})
    return run.status


@pytest.mark.django_db(transaction=True)
def test_a_job_beats_while_it_blocks_in_one_long_call(settings: Any) -> None:
    settings.NETKEEP_JOB_HEARTBEAT_S = 0.1
    jobs.kind("test_sleep", "Test sleep", run=f"{__name__}.sleep_in_one_call")
    try:
        run = jobs.enqueue("test_sleep", "nothing", queue=False)
        assert jobs.execute(run.pk) == RunStatus.SUCCEEDED
    finally:
        registry.REGISTRY.kinds.pop("test_sleep")
    assert SLEPT and SLEPT[-1] > 0.2, "the heartbeat moved while the job slept"


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_stops_once_the_run_is_no_longer_running() -> None:
    run = Run.objects.create(kind="sweep", target="x", status=RunStatus.SUCCEEDED)
    with Heartbeat(run.pk, every=0.05) as beat:
        time.sleep(0.3)
        assert not beat.thread.is_alive()
    assert Run.objects.get(pk=run.pk).heartbeat is None


@pytest.mark.django_db
def test_the_reaper_says_nothing_was_recorded_or_how_much_was() -> None:
    late = timezone.now() - timedelta(minutes=2)
    nothing = Run.objects.create(
        kind="sweep", target="a", status=RunStatus.RUNNING, heartbeat=late, done=300, total=65534
    )
    some = Run.objects.create(
        kind="sweep", target="b", status=RunStatus.RUNNING, heartbeat=late, recorded=1024
    )
    alive = Run.objects.create(
        kind="sweep", target="c", status=RunStatus.RUNNING, heartbeat=timezone.now()
    )
    assert jobs.reap_stale_runs() == 2
    nothing.refresh_from_db()
    some.refresh_from_db()
    when = timezone.localtime(late).strftime("%H:%M:%S")
    assert nothing.status == RunStatus.FAILED
    assert nothing.error_message == (
        f"The worker stopped responding at {when} (its last heartbeat) after 300 of 65,534;"
        " nothing was recorded."
    )
    assert some.status == RunStatus.PARTIAL
    assert "1,024 results were recorded, the rest were not" in some.error_message
    assert Run.objects.get(pk=alive.pk).status == RunStatus.RUNNING


@pytest.mark.django_db
def test_a_worker_start_reaps_lost_runs_and_reconciles_every_schedule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "start_watchdog", lambda: None)
    subnet = make_subnet("198.18.0.0/24", scan_enabled=True, scan_interval=7)
    lost = Run.objects.create(
        kind="sweep",
        target="198.18.1.0/24",
        status=RunStatus.RUNNING,
        heartbeat=timezone.now() - timedelta(hours=1),
    )
    Schedule.objects.all().delete()
    Schedule.objects.create(name="discovery:sweep:subnet-999", func="discovery.tasks.x")

    post_spawn.send(sender="django_q", proc_name="Process-1")

    names = set(Schedule.objects.values_list("name", flat=True))
    assert f"discovery:sweep:subnet-{subnet.pk}" in names
    assert {"netkeep:reap", "netkeep:webhook-retries", "discovery:known-hosts"} <= names
    assert "discovery:sweep:subnet-999" not in names
    assert Run.objects.get(pk=lost.pk).status == RunStatus.FAILED


@pytest.mark.django_db
def test_changing_a_subnets_scan_settings_reconciles_its_schedules_at_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        subnet = make_subnet("198.18.0.0/24", scan_enabled=True, scan_interval=10)
    sweep = Schedule.objects.get(name=f"discovery:sweep:subnet-{subnet.pk}")
    assert sweep.minutes == 10
    with django_capture_on_commit_callbacks(execute=True):
        subnet.scan_interval = 30
        subnet.save()
    assert Schedule.objects.get(pk=sweep.pk).minutes == 30
    with django_capture_on_commit_callbacks(execute=True):
        subnet.scan_enabled = False
        subnet.save()
    assert not Schedule.objects.filter(name__endswith=f"subnet-{subnet.pk}").exists()


def test_an_unknown_kind_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown run kind 'nope': choose one of .*sweep"):
        jobs.enqueue("nope", "x")


def test_a_periodic_job_needs_an_app_prefix_and_a_known_schedule() -> None:
    with pytest.raises(ValueError, match="needs a prefix"):
        jobs.periodic("nightly", "x.y")
    with pytest.raises(ValueError, match="unknown schedule"):
        jobs.periodic("x:nightly", "x.y", schedule="fortnightly")


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_writes_the_progress_a_job_hands_it() -> None:
    run = Run.objects.create(kind="sweep", target="x", status=RunStatus.RUNNING)
    assert not jobs.report_progress(run.pk, 1, 2), "no heartbeat beats for it yet"
    with Heartbeat(run.pk, every=0.05):
        assert jobs.report_progress(run.pk, 7, 10)
        deadline = time.monotonic() + 5
        while Run.objects.get(pk=run.pk).done != 7 and time.monotonic() < deadline:
            time.sleep(0.02)
    run.refresh_from_db()
    assert (run.done, run.total) == (7, 10)
    assert not jobs.report_progress(run.pk, 8, 10), "the heartbeat stopped with the job"


@pytest.mark.django_db
def test_the_reaper_spares_a_run_whose_heartbeat_arrives_while_it_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    late = timezone.now() - timedelta(minutes=2)
    run = Run.objects.create(kind="sweep", target="a", status=RunStatus.RUNNING, heartbeat=late)
    said = Run.lost_message

    def beat_meanwhile(self: Run, at: Any = None) -> str:
        # As when a long transaction commits a fresh heartbeat while the reaper waits.
        Run.objects.filter(pk=self.pk).update(heartbeat=timezone.now())
        return said(self, at)

    monkeypatch.setattr(Run, "lost_message", beat_meanwhile)
    assert jobs.reap_stale_runs() == 0
    assert Run.objects.get(pk=run.pk).status == RunStatus.RUNNING
