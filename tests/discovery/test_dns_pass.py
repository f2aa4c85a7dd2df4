"""DNS passes with the resolver faked: PTR names, hostnames, and the manual-hostname rule."""

from __future__ import annotations

from typing import Any

import pytest

from discovery import dns
from discovery.dnspass import run_dns
from discovery.models import ReconciliationItem, ReconKind, RunKind, ScanRun
from ipam.models import Host, HostnameSource, HostStatus, Subnet
from netkeep.jobs import RunStatus
from netkeep.models import Event, EventKind
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


class FakeResolver:
    """Stands in for dns.ptr_outcomes: `names` answer, `failures` map address -> outcome."""

    def __init__(self, names: dict[str, str | None]) -> None:
        self.names = names
        self.failures: dict[str, str] = {}
        self.calls: list[tuple[list[str], Any]] = []

    def __call__(self, addresses: Any, *, nameservers: Any = None, **kw: Any) -> dict:
        self.calls.append((list(addresses), nameservers))
        return {a: self.result(a) for a in addresses}

    def result(self, address: str) -> dns.PtrResult:
        if address in self.failures:
            return dns.PtrResult(None, self.failures[address])
        name = self.names.get(address)
        return dns.PtrResult(name, dns.ANSWER if name else dns.NXDOMAIN)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> FakeResolver:
    fake = FakeResolver(
        {"198.18.0.1": "gw.lab.test", "198.18.0.10": "ssh.lab.test", "198.18.0.11": "web.lab.test"}
    )
    monkeypatch.setattr(dns, "ptr_outcomes", fake)
    return fake


@pytest.fixture(autouse=True)
def allowlist(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/16"]


def dns_run(subnet: Any) -> ScanRun:
    run = ScanRun.objects.create(kind=RunKind.DNS, target=subnet.network, subnet=subnet)
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
    subnet = make_subnet("198.18.0.0/24")
    # Saved when the allowlist still held it (a save now refuses it): the run checks again.
    Subnet.objects.filter(pk=subnet.pk).update(dns_resolver="203.0.113.53")
    subnet.refresh_from_db()
    make_host("198.18.0.1", status=HostStatus.UP)
    run = dns_run(subnet)
    assert (run.status, run.error_class) == (RunStatus.FAILED, "ScopeError")
    assert "DNS resolver 203.0.113.53" in run.error_message
    assert resolver.calls == []


# --- outcomes ----------------------------------------------------------------------------


def alive_hosts(*numbers: int) -> Any:
    subnet = make_subnet("198.18.0.0/24", dns_resolver="198.18.0.53")
    for n in numbers:
        make_host(f"198.18.0.{n}", status=HostStatus.UP)
    return subnet


def test_nxdomain_is_an_answer_and_the_pass_succeeds(resolver: FakeResolver) -> None:
    subnet = alive_hosts(1, 10, 77, 78)
    run = dns_run(subnet)
    assert run.status == RunStatus.SUCCEEDED
    assert (run.counts["answer"], run.counts["nxdomain"], run.counts["resolved"]) == (2, 2, 2)
    assert run.counts["timeout"] == run.counts["unreachable"] == 0


@pytest.mark.parametrize(
    ("outcome", "words"),
    [(dns.TIMEOUT, "timed out"), (dns.UNREACHABLE, "unreachable"), (dns.REFUSED, "refused")],
)
def test_a_resolver_that_never_answered_fails_the_run_with_the_reason(
    resolver: FakeResolver, outcome: str, words: str
) -> None:
    subnet = alive_hosts(1, 10, 77)
    resolver.failures = dict.fromkeys(["198.18.0.1", "198.18.0.10", "198.18.0.77"], outcome)
    run = dns_run(subnet)
    assert run.status == RunStatus.FAILED
    assert run.error_class == "ResolverSilent"
    assert f"198.18.0.53 never answered (3 {words} of 3 lookups)" in run.error_message
    assert run.counts[outcome] == 3
    assert run.counts["resolved"] == 0


def test_some_failed_lookups_make_the_run_partial_and_keep_the_answers(
    resolver: FakeResolver,
) -> None:
    subnet = alive_hosts(1, 10, 11)
    make_host("198.18.0.12", ptr_name="kept.lab.test", status=HostStatus.UP)
    resolver.failures = {"198.18.0.11": dns.TIMEOUT, "198.18.0.12": dns.UNREACHABLE}
    run = dns_run(subnet)
    assert run.status == RunStatus.PARTIAL
    assert "2 of 4 lookups got no answer (1 timed out, 1 unreachable)" in run.error_message
    assert (run.counts["answer"], run.counts["timeout"], run.counts["unreachable"]) == (2, 1, 1)
    assert Host.objects.get(address="198.18.0.10").ptr_name == "ssh.lab.test"
    assert Host.objects.get(address="198.18.0.12").ptr_name == "kept.lab.test"
