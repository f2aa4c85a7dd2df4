"""Scan requests, the stale-run reaper and the schedules."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_q.models import Schedule

from discovery import icmp, scans, scope, tasks
from discovery.models import RunKind, ScanRun
from netkeep import jobs
from netkeep.jobs import RunStatus, registry
from netkeep.jobs import queue as jobs_queue
from tests.discovery.fakes import FakePing
from tests.factories import make_host, make_subnet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_lab")]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def fake_async_task(func: str, run_id: int, **kw: Any) -> str:
        assert func == "netkeep.jobs.queue.run"
        calls.append(run_id)
        return f"task-{run_id}"

    monkeypatch.setattr("django_q.tasks.async_task", fake_async_task)
    return calls


def test_a_scan_request_queues_one_run_after_commit(
    sent: list[int], erin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    with django_capture_on_commit_callbacks(execute=True):
        run = scans.enqueue_scan(RunKind.SWEEP, subnet, erin)
    assert sent == [run.pk]
    run.refresh_from_db()
    assert (run.status, run.subnet, run.started_by, run.target) == (
        RunStatus.QUEUED,
        subnet,
        erin,
        "198.18.0.0/24",
    )
    assert run.task_id == f"task-{run.pk}"


def test_asking_again_returns_the_run_already_queued_or_running(sent: list[int], erin: Any) -> None:
    subnet = make_subnet("198.18.0.0/24")
    first = scans.enqueue_scan(RunKind.SWEEP, subnet, erin)
    again = scans.enqueue_scan(RunKind.SWEEP, "198.18.0.0/24", erin)
    assert again.pk == first.pk
    first.claim()
    assert scans.enqueue_scan(RunKind.SWEEP, subnet, erin).pk == first.pk
    first.finish({})
    assert scans.enqueue_scan(RunKind.SWEEP, subnet, erin).pk != first.pk


def test_a_target_outside_the_allowlist_is_refused_with_the_reason(
    sent: list[int], settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    with pytest.raises(scope.ScopeError, match="allowlist is empty"):
        scans.enqueue_scan(RunKind.SWEEP, "198.18.0.0/24")
    assert not ScanRun.objects.exists()


@pytest.mark.parametrize(
    "text", ["10.0.0.1 -iL /etc/passwd", "--script=vuln", "-oN /tmp/x", ";id", "127.0.0.1/32"]
)
def test_injection_attempts_are_refused_before_anything_runs(sent: list[int], text: str) -> None:
    with pytest.raises(scope.ScopeError):
        scans.enqueue_scan(RunKind.PORTS, text)
    assert not ScanRun.objects.exists()


def test_an_unknown_port_scan_profile_is_refused_before_a_run_exists(sent: list[int]) -> None:
    from discovery.nmap import UnknownProfile

    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.10")
    with pytest.raises(UnknownProfile):
        scans.enqueue_scan(RunKind.PORTS, host, profile="-sS --script=x")
    assert not ScanRun.objects.exists()


def test_each_user_is_rate_limited(sent: list[int], erin: Any, alice: Any) -> None:
    for n in range(jobs_queue.RATE_LIMIT[0]):
        scans.enqueue_scan(RunKind.SWEEP, f"198.18.{n}.0/24", erin)
    with pytest.raises(scans.RateLimited, match=r"more than 10 scans.*wait a minute"):
        scans.enqueue_scan(RunKind.SWEEP, "198.18.100.0/24", erin)
    # Someone else is not affected.
    scans.enqueue_scan(RunKind.SWEEP, "198.18.100.0/24", alice)


def test_a_run_whose_worker_died_is_marked_failed_and_the_next_one_works(
    sent: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    lost = scans.enqueue_scan(RunKind.SWEEP, subnet)
    lost.claim()
    ScanRun.objects.filter(pk=lost.pk).update(heartbeat=timezone.now() - timedelta(hours=1))

    assert jobs.reap_stale_runs() == 1
    lost.refresh_from_db()
    assert lost.status == RunStatus.FAILED
    assert lost.error_class == "WorkerLost"
    assert "worker stopped responding" in lost.error_message
    assert "nothing was recorded" in lost.error_message

    monkeypatch.setattr(icmp, "sweep", FakePing({"198.18.0.1": 1.0}))
    fresh = scans.enqueue_scan(RunKind.SWEEP, subnet)
    assert fresh.pk != lost.pk
    assert tasks.run(fresh.pk) == RunStatus.SUCCEEDED


def test_asking_again_for_a_target_whose_worker_died_starts_a_new_run_at_once(
    sent: list[int],
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    lost = scans.enqueue_scan(RunKind.SWEEP, subnet)
    lost.claim()
    ScanRun.objects.filter(pk=lost.pk).update(heartbeat=timezone.now() - timedelta(minutes=5))
    fresh = scans.enqueue_scan(RunKind.SWEEP, subnet)
    assert fresh.pk != lost.pk and fresh.status == RunStatus.QUEUED
    assert ScanRun.objects.get(pk=lost.pk).status == RunStatus.FAILED


def test_a_running_run_with_recent_progress_is_left_alone(sent: list[int]) -> None:
    run = scans.enqueue_scan(RunKind.SWEEP, "198.18.0.0/24")
    run.claim()
    assert jobs.reap_stale_runs() == 0
    assert ScanRun.objects.get(pk=run.pk).status == RunStatus.RUNNING


def test_a_scheduled_sweep_runs_in_the_worker_and_is_marked_as_scheduled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subnet = make_subnet("198.18.0.0/24", scan_enabled=True)
    monkeypatch.setattr(icmp, "sweep", FakePing({"198.18.0.1": 1.0}))
    assert tasks.scheduled_sweep(subnet.pk) == RunStatus.SUCCEEDED
    run = ScanRun.objects.get()
    assert run.by_schedule is True
    assert run.counts["new"] == 1


def test_a_scheduled_sweep_of_a_subnet_switched_off_does_nothing() -> None:
    subnet = make_subnet("198.18.0.0/24", scan_enabled=False)
    assert tasks.scheduled_sweep(subnet.pk).startswith("skipped")
    assert not ScanRun.objects.exists()


def test_sync_schedules_is_idempotent_and_follows_subnets() -> None:
    first_net = make_subnet("198.18.0.0/24", scan_enabled=True, scan_interval=5)
    second_net = make_subnet("198.18.1.0/24", scan_enabled=True, scan_interval=15)
    make_subnet("198.18.2.0/24", scan_enabled=False)
    result = jobs.sync_prefix("discovery")
    names = set(Schedule.objects.values_list("name", flat=True))
    assert f"discovery:sweep:subnet-{first_net.pk}" in names
    assert f"discovery:ports:subnet-{second_net.pk}" in names
    assert "discovery:known-hosts" in names
    assert "discovery:rollup" in names and "discovery:prune" in names
    assert len([n for n in names if n.startswith("discovery:sweep:")]) == 2
    assert result["created"] == len(names)
    sweep = Schedule.objects.get(name=f"discovery:sweep:subnet-{second_net.pk}")
    assert (sweep.schedule_type, sweep.minutes, sweep.func) == (
        Schedule.MINUTES,
        15,
        "discovery.tasks.scheduled_sweep",
    )
    next_run = sweep.next_run

    again = jobs.sync_prefix("discovery")
    assert again == {"created": 0, "updated": 0, "kept": len(names), "deleted": 0}
    assert Schedule.objects.get(pk=sweep.pk).next_run == next_run

    second_net.scan_enabled = False
    second_net.save()
    third = jobs.sync_prefix("discovery")
    assert third["deleted"] == 2
    assert not Schedule.objects.filter(name__endswith=f"subnet-{second_net.pk}").exists()


def test_subnets_get_spread_out_first_runs() -> None:
    for n in range(6):
        make_subnet(f"198.18.{n}.0/24", scan_enabled=True, scan_interval=10)
    specs = [job.spec() for job in registry.wanted("discovery")]
    jobs.sync_schedules(specs, "discovery:", rng=random.Random(4))
    runs = list(
        Schedule.objects.filter(name__startswith="discovery:sweep:").values_list(
            "next_run", flat=True
        )
    )
    assert len(set(runs)) == 6
    now = timezone.now()
    assert all(now - timedelta(seconds=5) <= r <= now + timedelta(minutes=10) for r in runs)


def test_schedules_not_from_discovery_are_left_alone() -> None:
    Schedule.objects.create(name="backups:nightly", func="backups.tasks.x")
    jobs.sync_prefix("discovery")
    assert Schedule.objects.filter(name="backups:nightly").exists()


def test_the_scheduled_known_hosts_check_runs_over_scan_enabled_subnets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    subnet = make_subnet("198.18.0.0/24", scan_enabled=True)
    make_host("198.18.0.5", subnet=subnet)
    fake = FakePing({"198.18.0.5": 1.0})
    monkeypatch.setattr(icmp, "sweep", fake)
    assert tasks.scheduled_known_hosts() == RunStatus.SUCCEEDED
    run = ScanRun.objects.get()
    assert (run.kind, run.target, run.by_schedule) == (RunKind.KNOWN_HOSTS, "known hosts", True)
    assert fake.calls == [["198.18.0.5"]]


def test_the_minutely_known_hosts_check_leaves_no_run_when_nothing_is_scan_enabled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_host("198.18.0.5", subnet=make_subnet("198.18.0.0/24"))
    monkeypatch.setattr(icmp, "sweep", lambda *a, **k: pytest.fail("nothing may be pinged"))
    assert tasks.scheduled_known_hosts().startswith("skipped")
    assert not ScanRun.objects.exists()


def test_a_refused_scheduled_sweep_shows_as_one_failed_run(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    subnet = make_subnet("198.18.0.0/24", scan_enabled=True)
    tasks.scheduled_sweep(subnet.pk)
    tasks.scheduled_sweep(subnet.pk)
    run = ScanRun.objects.get()
    assert (run.status, run.error_class, run.by_schedule) == (RunStatus.FAILED, "ScopeError", True)
    assert "allowlist is empty" in run.error_message


def test_a_queued_run_no_worker_claimed_is_queued_again_when_asked_for(
    sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    orphan = ScanRun.objects.create(
        kind=RunKind.SWEEP,
        target=subnet.network,
        subnet=subnet,
        created=timezone.now() - timedelta(minutes=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = scans.enqueue_scan(RunKind.SWEEP, subnet)
    assert again.pk == orphan.pk
    assert sent == [orphan.pk]


def test_prune_forgets_old_runs_by_kind_and_old_events() -> None:
    from netkeep.models import Event, EventKind

    old = timezone.now() - timedelta(days=200)
    ScanRun.objects.create(kind=RunKind.SWEEP, target="x", status=RunStatus.SUCCEEDED, created=old)
    ScanRun.objects.create(
        kind=RunKind.KNOWN_HOSTS,
        target="known hosts",
        status=RunStatus.SUCCEEDED,
        created=timezone.now() - timedelta(days=3),
    )
    recent = ScanRun.objects.create(kind=RunKind.SWEEP, target="y", status=RunStatus.SUCCEEDED)
    Event.objects.create(kind=EventKind.HOST_UP, at=old)
    kept = Event.objects.create(kind=EventKind.HOST_UP)
    assert jobs.prune_runs() == 2
    result = tasks.prune()
    assert list(ScanRun.objects.all()) == [recent]
    assert list(Event.objects.all()) == [kept]
    assert result["events"] == 1
