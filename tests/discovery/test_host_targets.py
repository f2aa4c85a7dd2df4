"""A host target is that host: sweeps, port scans and DNS passes of a host touch it alone,
whichever door asked (the scan command, the host page's Scan now, the API)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from discovery import dns, scans, tasks
from discovery.models import RunKind, ScanRun
from ipam.models import HostStatus
from netkeep.jobs import RunStatus
from tests.discovery.fakes import FakeNmap, FakePing
from tests.factories import make_host, make_subnet, make_vrf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_lab")]


@pytest.fixture
def ping(ping: FakePing) -> FakePing:
    ping.alive = {"198.18.0.10": 0.05, "198.18.0.11": 0.05}
    return ping


@pytest.fixture
def resolved(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def lookup(addresses: Any, **kw: Any) -> dict[str, dns.PtrResult]:
        calls.append(list(addresses))
        return dict.fromkeys(addresses, dns.PtrResult(None, dns.NXDOMAIN))

    monkeypatch.setattr(dns, "ptr_outcomes", lookup)
    return calls


@pytest.fixture
def lab() -> Any:
    subnet = make_subnet("198.18.0.0/24")
    for n in (10, 11, 12):
        make_host(f"198.18.0.{n}", status=HostStatus.UP)
    return subnet


def run_in_foreground(kind: str, target: Any) -> ScanRun:
    run = scans.enqueue_scan(kind, target, queue=False)
    tasks.execute(run.pk)
    run.refresh_from_db()
    return run


def test_the_scan_command_sweeps_only_the_address_of_a_known_host(ping: FakePing, lab: Any) -> None:
    call_command("scan", "sweep", "198.18.0.10", stdout=io.StringIO())
    run = ScanRun.objects.get()
    assert ping.calls == [["198.18.0.10"]]
    assert (run.status, run.total, run.target) == (RunStatus.SUCCEEDED, 1, "198.18.0.10")
    # The run still belongs to the host and its subnet, for their histories.
    assert run.host is not None and run.host.address == "198.18.0.10"
    assert run.subnet == lab


def test_a_sweep_of_a_host_object_pings_that_host_only(ping: FakePing, lab: Any) -> None:
    host = lab.host_range().get(address="198.18.0.11")
    run = run_in_foreground(RunKind.SWEEP, host)
    assert ping.calls == [["198.18.0.11"]]
    assert run.total == 1


def test_a_sweep_of_a_host_in_a_vrf_pings_that_host_only(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/16", vrf=make_vrf("red"))
    host = make_host("198.18.3.4", subnet=subnet)
    run = run_in_foreground(RunKind.SWEEP, host)
    assert ping.calls == [["198.18.3.4"]]
    assert run.status == RunStatus.SUCCEEDED


def test_a_host_whose_row_was_deleted_is_still_swept_alone(ping: FakePing, lab: Any) -> None:
    run = scans.enqueue_scan(RunKind.SWEEP, "198.18.0.12", queue=False)
    lab.host_range().filter(address="198.18.0.12").delete()
    tasks.execute(run.pk)
    assert ping.calls == [["198.18.0.12"]]


def test_the_known_hosts_check_of_one_host_checks_that_host(ping: FakePing, lab: Any) -> None:
    run_in_foreground(RunKind.KNOWN_HOSTS, "198.18.0.10")
    assert ping.calls == [["198.18.0.10"]]


def test_scan_now_on_the_host_page_sweeps_one_address(
    ping: FakePing, lab: Any, erin: User, django_capture_on_commit_callbacks: Any
) -> None:
    host = lab.host_range().get(address="198.18.0.10")
    client = Client()
    client.force_login(erin)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/discovery/hosts/{host.pk}/scan/", {"kind": "sweep"})
    assert response.status_code == 302
    run = ScanRun.objects.get()
    tasks.execute(run.pk)
    assert ping.calls == [["198.18.0.10"]]


def test_a_port_scan_of_a_host_through_the_api_scans_that_host_only(
    scanner: FakeNmap, ping: FakePing, lab: Any, erin: User, django_capture_on_commit_callbacks: Any
) -> None:
    api = APIClient()
    api.force_authenticate(erin)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            "/api/discovery/runs/", {"kind": "ports", "target": "198.18.0.11"}, format="json"
        )
    assert response.status_code == 202, response.content
    tasks.execute(response.json()["id"])
    assert [targets for _, targets in scanner.calls] == [["198.18.0.11"]]


def test_a_dns_pass_of_a_host_looks_up_that_host_only(resolved: list[list[str]], lab: Any) -> None:
    run = run_in_foreground(RunKind.DNS, "198.18.0.12")
    assert resolved == [["198.18.0.12"]]
    assert run.status != RunStatus.QUEUED


def test_a_dns_pass_of_the_subnet_still_looks_up_all_its_alive_hosts(
    resolved: list[list[str]], lab: Any
) -> None:
    run_in_foreground(RunKind.DNS, lab)
    assert sorted(resolved[0]) == ["198.18.0.10", "198.18.0.11", "198.18.0.12"]


def test_an_address_without_a_host_row_sweeps_one_address(ping: FakePing, lab: Any) -> None:
    run = run_in_foreground(RunKind.SWEEP, "198.18.0.77")
    assert ping.calls == [["198.18.0.77"]]
    assert run.host is None
