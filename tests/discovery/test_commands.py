"""`manage.py scan ...` and `manage.py sync_schedules`."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_q.models import Schedule

from discovery import icmp, nmap
from discovery.models import OpenPort, RunKind, ScanRun
from ipam.models import Host, HostStatus
from netkeep.jobs import RunStatus
from tests.discovery.fakes import FakePing
from tests.factories import make_host, make_subnet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_lab")]


@pytest.fixture
def ping(ping: FakePing) -> FakePing:
    ping.alive = {"198.18.0.1": 0.5, "198.18.0.9": 0.7}
    return ping


def scan(*args: str) -> str:
    out = StringIO()
    call_command("scan", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_sweep_by_subnet_id_runs_in_the_foreground_and_reports(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    output = scan("sweep", str(subnet.pk))
    assert "Succeeded" in output
    assert "2 of 254 addresses up · 2 new hosts" in output
    assert Host.objects.filter(status=HostStatus.UP).count() == 2
    run = ScanRun.objects.get()
    assert (run.kind, run.status, run.task_id) == (RunKind.SWEEP, RunStatus.SUCCEEDED, "")


def test_a_sweep_by_network_text_works_too(ping: FakePing) -> None:
    make_subnet("198.18.0.0/24")
    scan("sweep", "198.18.0.0/24")
    assert ScanRun.objects.get().target == "198.18.0.0/24"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sweep", "10.0.0.0/24"), "outside the networks allowed"),
        (("sweep", "198.18.0.0/33"), "prefix length"),
        (("sweep", "999"), "no subnet with id 999"),
        (("sweep",), "Give a target"),
        (("ports", "198.18.0.1 -iL /etc/passwd"), "spaces"),
        (("ports", "198.18.0.1", "--profile=--script=x"), "no scan profile"),
    ],
)
def test_bad_input_and_scope_refusals_exit_2_with_the_reason(
    ping: FakePing, args: tuple[str, ...], message: str
) -> None:
    make_subnet("198.18.0.0/24")
    with pytest.raises(CommandError) as caught:
        scan(*args)
    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert ping.calls == []
    assert not ScanRun.objects.exists()


def test_a_failed_run_exits_1(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    ping.error = icmp.PingUnavailable("neither raw nor datagram ICMP sockets")
    with pytest.raises(CommandError) as caught:
        scan("sweep", str(subnet.pk))
    assert caught.value.returncode == 1
    assert "PingUnavailable" in str(caught.value)


def test_a_target_already_being_scanned_exits_1(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    ScanRun.objects.create(kind=RunKind.SWEEP, target=subnet.network, subnet=subnet, task_id="t1")
    with pytest.raises(CommandError) as caught:
        scan("sweep", str(subnet.pk))
    assert caught.value.returncode == 1
    assert "already queued" in str(caught.value)


def test_a_port_scan_of_one_host(monkeypatch: pytest.MonkeyPatch, ping: FakePing) -> None:
    make_subnet("198.18.0.0/24")
    make_host("198.18.0.10", status=HostStatus.UP)

    def fake_scan(profile: nmap.ScanProfile, targets: Any, **kw: Any) -> nmap.ScanResult:
        port = nmap.PortResult("198.18.0.10", 22, "tcp", "open", "ssh")
        return nmap.ScanResult([nmap.HostScan("198.18.0.10", "up", [port])], 0.1, [])

    monkeypatch.setattr(nmap, "run_scan", fake_scan)
    output = scan("ports", "198.18.0.10", "--profile", "quick")
    assert "1 port opened" in output
    assert OpenPort.objects.get().label == "22/ssh"


def test_status_lists_active_and_recent_runs(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    scan("sweep", str(subnet.pk))
    ScanRun.objects.create(kind=RunKind.PORTS, target="198.18.0.10")
    output = scan("status")
    assert "1 run(s) queued or running" in output
    assert "ports 198.18.0.10 queued" in output
    assert "sweep 198.18.0.0/24 succeeded" in output


def test_sync_schedules_can_run_at_every_start() -> None:
    make_subnet("198.18.0.0/24", scan_enabled=True)
    out = StringIO()
    call_command("sync_schedules", stdout=out)
    count = Schedule.objects.count()
    call_command("sync_schedules", stdout=out)
    assert Schedule.objects.count() == count
    assert "0 created, 0 updated" in out.getvalue().splitlines()[-1]


def test_scan_known_checks_the_known_hosts_of_scan_enabled_subnets(ping: FakePing) -> None:
    make_subnet("198.18.0.0/24", scan_enabled=True)
    make_host("198.18.0.1")
    output = scan("known")
    assert "Succeeded" in output
    assert ping.calls == [["198.18.0.1"]]
