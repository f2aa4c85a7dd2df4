"""DNS passes with the resolver faked: PTR names, hostnames, and the manual-hostname rule."""

from __future__ import annotations

from typing import Any

import pytest

from discovery import dns
from discovery.dnspass import run_dns
from discovery.models import ReconciliationItem, ReconKind, Run, RunKind, RunStatus
from ipam.models import Host, HostnameSource, HostStatus
from netkeep.models import Event, EventKind
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


class FakeResolver:
    def __init__(self, names: dict[str, str | None]) -> None:
        self.names = names
        self.calls: list[tuple[list[str], Any]] = []

    def __call__(self, addresses: Any, *, nameservers: Any = None, **kw: Any) -> dict:
        self.calls.append((list(addresses), nameservers))
        return {a: self.names.get(a) for a in addresses}


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    fake = FakeResolver(
        {"198.18.0.1": "gw.lab.test", "198.18.0.10": "ssh.lab.test", "198.18.0.11": "web.lab.test"}
    )
    monkeypatch.setattr(dns, "ptr_lookup", fake)
    return fake


@pytest.fixture(autouse=True)
def allowlist(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/16"]


def dns_run(subnet: Any) -> Run:
    run = Run.objects.create(kind=RunKind.DNS, target=subnet.network, subnet=subnet)
    run_dns(run.pk)
    run.refresh_from_db()
    return run


def test_it_looks_up_alive_hosts_through_the_subnets_resolver(resolver: FakeResolver) -> None:
    subnet = make_subnet("198.18.0.0/24", dns_resolver="198.18.0.53")
    make_host("198.18.0.1", status=HostStatus.UP)
    make_host("198.18.0.2", status=HostStatus.DOWN)
    run = dns_run(subnet)
    assert run.status == RunStatus.SUCCEEDED
    assert resolver.calls == [(["198.18.0.1"], ["198.18.0.53"])]


def test_without_a_subnet_resolver_the_system_resolver_is_used(resolver: FakeResolver) -> None:
    subnet = make_subnet("198.18.0.0/24")
    make_host("198.18.0.1", status=HostStatus.UP)
    dns_run(subnet)
    assert resolver.calls[0][1] is None


def test_an_empty_hostname_is_filled_from_the_ptr(resolver: FakeResolver) -> None:
    subnet = make_subnet("198.18.0.0/24")
    make_host("198.18.0.10", status=HostStatus.UP)
    run = dns_run(subnet)
    host = Host.objects.get(address="198.18.0.10")
    assert (host.ptr_name, host.hostname, host.hostname_source) == (
        "ssh.lab.test",
        "ssh.lab.test",
        HostnameSource.PTR,
    )
    assert run.counts["hostname_set"] == 1


def test_a_manual_hostname_is_never_overwritten_and_a_disagreement_is_flagged(
    resolver: FakeResolver,
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    make_host("198.18.0.11", hostname="intranet", status=HostStatus.UP)
    make_host("198.18.0.1", hostname="gw", status=HostStatus.UP)  # agrees: first label
    run = dns_run(subnet)
    web = Host.objects.get(address="198.18.0.11")
    assert (web.hostname, web.hostname_source, web.ptr_name) == (
        "intranet",
        HostnameSource.MANUAL,
        "web.lab.test",
    )
    item = ReconciliationItem.objects.get()
    assert (item.kind, item.host, item.details) == (
        ReconKind.PTR_MISMATCH,
        web,
        {"hostname": "intranet", "ptr": "web.lab.test"},
    )
    assert run.counts["mismatch"] == 1
    # A second pass does not open a second item.
    dns_run(subnet)
    assert ReconciliationItem.objects.count() == 1


def test_a_changed_ptr_updates_a_ptr_hostname_and_becomes_an_event(
    resolver: FakeResolver,
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    make_host(
        "198.18.0.10",
        hostname="old.lab.test",
        hostname_source=HostnameSource.PTR,
        ptr_name="old.lab.test",
        status=HostStatus.UP,
    )
    dns_run(subnet)
    host = Host.objects.get(address="198.18.0.10")
    assert host.hostname == "ssh.lab.test"
    event = Event.objects.get(kind=EventKind.PTR_CHANGED)
    assert event.details == {"old": "old.lab.test", "new": "ssh.lab.test"}


def test_a_missing_answer_changes_nothing(resolver: FakeResolver) -> None:
    subnet = make_subnet("198.18.0.0/24")
    make_host("198.18.0.77", ptr_name="kept.lab.test", status=HostStatus.UP)
    dns_run(subnet)
    assert Host.objects.get(address="198.18.0.77").ptr_name == "kept.lab.test"


def test_a_subnet_resolver_outside_the_allowlist_is_refused_before_any_query(
    resolver: FakeResolver,
) -> None:
    subnet = make_subnet("198.18.0.0/24", dns_resolver="203.0.113.53")
    make_host("198.18.0.1", status=HostStatus.UP)
    run = dns_run(subnet)
    assert (run.status, run.error_class) == (RunStatus.FAILED, "ScopeError")
    assert "DNS resolver 203.0.113.53" in run.error_message
    assert resolver.calls == []
