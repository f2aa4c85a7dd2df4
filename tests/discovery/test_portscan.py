"""Port scans with recorded Nmap output in place of the nmap binary."""

from __future__ import annotations

from typing import Any

import pytest

from discovery import nmap
from discovery.models import OpenPort, RunKind, ScanProfileDef, ScanRun
from discovery.portscan import run_port_scan
from ipam.models import HostStatus
from netkeep.jobs import RunStatus
from netkeep.models import Event, EventKind
from tests.discovery.fakes import FakeNmap, FakePing
from tests.factories import make_host, make_subnet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_lab")]


@pytest.fixture
def ping(ping: FakePing) -> FakePing:
    ping.alive = {"198.18.0.4": 1.0}
    return ping


@pytest.fixture
def lab_hosts():  # type: ignore[no-untyped-def]
    subnet = make_subnet("198.18.0.0/24")
    for n in (4, 10, 11, 12):
        make_host(f"198.18.0.{n}", status=HostStatus.UP)
    make_host("198.18.0.99", status=HostStatus.DOWN)
    return subnet


def port_run(subnet: Any = None, host: Any = None, profile: str = "quick") -> ScanRun:
    target = host.address if host else subnet.network
    run = ScanRun.objects.create(
        kind=RunKind.PORTS, target=target, subnet=subnet, host=host, profile=profile
    )
    run_port_scan(run.pk)
    run.refresh_from_db()
    return run


def test_it_scans_alive_hosts_and_stores_open_ports(scanner: FakeNmap, ping, lab_hosts) -> None:  # type: ignore[no-untyped-def]
    run = port_run(lab_hosts)
    assert run.status == RunStatus.SUCCEEDED
    assert sorted(scanner.calls[0][1]) == [
        "198.18.0.10",
        "198.18.0.11",
        "198.18.0.12",
        "198.18.0.4",
    ]
    chips = sorted(p.label for p in OpenPort.objects.filter(host__address="198.18.0.10"))
    assert chips == ["22/ssh", "80/http"]
    assert run.counts["opened"] == 5
    assert Event.objects.filter(kind=EventKind.PORT_OPENED).count() == 5


def scanning_empty_hosts(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    """Nmap reports these hosts up with no open port (as -Pn does for any target)."""

    def scan(profile: nmap.ScanProfile, targets: Any, **kw: Any) -> nmap.ScanResult:
        hosts = [nmap.HostScan(a, "up", []) for a in addresses]
        return nmap.ScanResult(hosts, 0.1, [], scanned={"tcp": frozenset(range(1, 65536))})

    monkeypatch.setattr(nmap, "run_scan", scan)


def test_a_port_that_closes_becomes_an_event_and_is_no_longer_current(
    monkeypatch: pytest.MonkeyPatch, ping: FakePing, lab_hosts: Any
) -> None:
    host = make_host("198.18.0.13", status=HostStatus.UP)
    OpenPort.objects.create(host=host, port=3389, protocol="tcp", service="ms-wbt-server")
    ping.alive = {"198.18.0.13": 1.0}  # it still answers: the port really closed
    scanning_empty_hosts(monkeypatch, "198.18.0.13")
    run = port_run(host=host)
    port = OpenPort.objects.get(host=host, port=3389)
    assert port.current is False
    assert run.counts["closed"] == 1
    closed = Event.objects.get(kind=EventKind.PORT_CLOSED)
    assert closed.details["label"] == "3389/ms-wbt-server"


def test_a_host_that_stopped_answering_keeps_its_ports(
    monkeypatch: pytest.MonkeyPatch, ping: FakePing, lab_hosts: Any
) -> None:
    host = make_host("198.18.0.13", status=HostStatus.UP)
    OpenPort.objects.create(host=host, port=3389, protocol="tcp")
    ping.alive = {}
    scanning_empty_hosts(monkeypatch, "198.18.0.13")
    run = port_run(host=host)
    assert OpenPort.objects.get(host=host).current is True
    assert run.counts["unconfirmed"] == 1
    assert not Event.objects.filter(kind=EventKind.PORT_CLOSED).exists()


def test_a_rescan_changes_nothing_and_adds_no_events(scanner: FakeNmap, ping, lab_hosts) -> None:  # type: ignore[no-untyped-def]
    port_run(lab_hosts)
    before = Event.objects.count()
    run = port_run(lab_hosts)
    assert run.counts["opened"] == 0
    assert Event.objects.count() == before
    assert OpenPort.objects.count() == 5


def test_service_detection_fills_product_and_version(scanner: FakeNmap, ping, lab_hosts) -> None:  # type: ignore[no-untyped-def]
    scanner.recording = "standard-lab.xml"
    port_run(lab_hosts, profile="standard")
    ssh = OpenPort.objects.get(host__address="198.18.0.10", port=22)
    assert (ssh.product, ssh.version) == ("OpenSSH", "9.2p1 Debian 2+deb12u3")
    assert "-sV" in scanner.calls[0][0].args


def test_a_missing_nmap_fails_the_run_with_that_message(ping, lab_hosts, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(
        nmap, "run_scan", FakeNmap(error=nmap.NmapNotFound("nmap is not installed"))
    )
    run = port_run(lab_hosts)
    assert run.status == RunStatus.FAILED
    assert run.error_class == "NmapNotFound"
    assert "not installed" in run.error_message


def test_an_unknown_profile_fails_before_nmap_starts(scanner: FakeNmap, ping, lab_hosts) -> None:  # type: ignore[no-untyped-def]
    run = port_run(lab_hosts, profile="--script=evil")
    assert run.status == RunStatus.FAILED
    assert "no scan profile called" in run.error_message
    assert scanner.calls == []


def test_an_admin_defined_profile_is_used_by_name(scanner: FakeNmap, ping, lab_hosts) -> None:  # type: ignore[no-untyped-def]
    ScanProfileDef.objects.create(name="web", ports="list", port_list="80,443,8080", timing=3)
    port_run(lab_hosts, profile="web")
    profile = scanner.calls[0][0]
    assert profile.name == "web"
    assert "80,443,8080" in profile.args


def test_a_host_outside_the_allowlist_is_refused(scanner: FakeNmap, ping, settings) -> None:  # type: ignore[no-untyped-def]
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.10")
    settings.SCAN_ALLOWED_NETWORKS = ["198.19.0.0/16"]
    run = port_run(host=host)
    assert run.status == RunStatus.FAILED
    assert "outside the networks allowed" in run.error_message
    assert scanner.calls == []


def test_an_nmap_run_is_stopped_before_the_task_queue_would_kill_it(settings: Any) -> None:
    from discovery.portscan import chunk_timeout

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 300}
    assert chunk_timeout(nmap.get_profile("standard")) == 240
    assert chunk_timeout(nmap.get_profile("quick")) == 180


# --- a scan keeps what it did not look at ------------------------------------------------


def test_a_quick_scan_after_a_standard_one_keeps_service_product_and_version(
    scanner: FakeNmap, ping: FakePing, lab_hosts: Any
) -> None:
    scanner.recording = "standard-lab.xml"
    port_run(lab_hosts, profile="standard")
    before = {
        (p.host.address, p.port): (p.service, p.product, p.version)
        for p in OpenPort.objects.select_related("host")
    }
    assert before[("198.18.0.10", 22)] == ("ssh", "OpenSSH", "9.2p1 Debian 2+deb12u3")
    scanner.recording = "quick-lab.xml"  # no -sV: 8080 is "http-proxy" from Nmap's table
    run = port_run(lab_hosts, profile="quick")
    after = {
        (p.host.address, p.port): (p.service, p.product, p.version)
        for p in OpenPort.objects.select_related("host")
    }
    assert after == before
    assert run.counts["closed"] == 0


def test_a_scan_with_service_detection_updates_what_the_last_one_found(
    scanner: FakeNmap, ping: FakePing, lab_hosts: Any
) -> None:
    port_run(lab_hosts, profile="quick")
    assert OpenPort.objects.get(host__address="198.18.0.10", port=22).product == ""
    scanner.recording = "standard-lab.xml"
    port_run(lab_hosts, profile="standard")
    ssh = OpenPort.objects.get(host__address="198.18.0.10", port=22)
    assert (ssh.product, ssh.version) == ("OpenSSH", "9.2p1 Debian 2+deb12u3")


def test_a_port_outside_the_scans_port_set_is_not_closed(
    scanner: FakeNmap, ping: FakePing, lab_hosts: Any
) -> None:
    host = lab_hosts.host_range().get(address="198.18.0.10")
    # 12345 is not among Nmap's top 100 ports; 21 (ftp) is, and the scan saw it closed.
    OpenPort.objects.create(host=host, port=12345, protocol="tcp", service="netbus")
    OpenPort.objects.create(host=host, port=21, protocol="tcp", service="ftp")
    run = port_run(lab_hosts, profile="quick")
    assert OpenPort.objects.get(host=host, port=12345).current is True
    assert OpenPort.objects.get(host=host, port=21).current is False
    assert run.counts["closed"] == 1
    assert [e.details["port"] for e in Event.objects.filter(kind=EventKind.PORT_CLOSED)] == [21]


def test_without_the_scans_port_set_nothing_is_closed(
    monkeypatch: pytest.MonkeyPatch, ping: FakePing, lab_hosts: Any
) -> None:
    host = make_host("198.18.0.13", status=HostStatus.UP)
    OpenPort.objects.create(host=host, port=3389, protocol="tcp")
    ping.alive = {"198.18.0.13": 1.0}

    def scan(profile: nmap.ScanProfile, targets: Any, **kw: Any) -> nmap.ScanResult:
        return nmap.ScanResult([nmap.HostScan("198.18.0.13", "up", [])], 0.1, [])

    monkeypatch.setattr(nmap, "run_scan", scan)
    port_run(host=host)
    assert OpenPort.objects.get(host=host).current is True
