"""DNS wrapper: PTR lookups with per-address failures, caching, concurrency, forward confirm.

dnspython's resolver is replaced by a fake zone here; tests/lab/test_dns_lab.py
asks a real dnsmasq.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver
import pytest

from discovery import dns as netkeep_dns
from discovery.dns import forward_confirms, ptr_lookup, resolve_ptrs

ZONE_PTR = {
    "10.0.18.198.in-addr.arpa.": ["ssh.lab.test."],
    "11.0.18.198.in-addr.arpa.": ["web.lab.test.", "alias.lab.test."],
    "a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.2.ip6.arpa.": ["v6.lab.test."],
}
ZONE_A = {"ssh.lab.test.": ["198.18.0.10"], "v6.lab.test.": []}
ZONE_AAAA = {"v6.lab.test.": ["2001:2::a"]}
SLOW = "13.0.18.198.in-addr.arpa."


@dataclass
class Rdata:
    target: dns.name.Name | None = None
    address: str = ""


@dataclass
class RRset:
    ttl: int


class Answer(list[Rdata]):
    def __init__(self, items: list[Rdata], ttl: int) -> None:
        super().__init__(items)
        self.rrset = RRset(ttl)


@dataclass
class FakeDNS:
    queries: list[str]
    resolvers: list[dns.asyncresolver.Resolver]
    in_flight: int = 0
    most_in_flight: int = 0


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDNS]:
    state = FakeDNS(queries=[], resolvers=[])
    netkeep_dns.clear_cache()

    async def resolve(
        self: dns.asyncresolver.Resolver, qname: Any, rdtype: str = "A", *a: Any, **k: Any
    ) -> Answer:
        name = qname.to_text() if isinstance(qname, dns.name.Name) else str(qname)
        if self not in state.resolvers:
            state.resolvers.append(self)
        state.queries.append(f"{rdtype} {name}")
        state.in_flight += 1
        state.most_in_flight = max(state.most_in_flight, state.in_flight)
        try:
            await asyncio.sleep(0.01)
            if name == SLOW:
                raise dns.exception.Timeout()
            if rdtype == "PTR" and name in ZONE_PTR:
                return Answer([Rdata(target=dns.name.from_text(t)) for t in ZONE_PTR[name]], 300)
            zone = ZONE_A if rdtype == "A" else ZONE_AAAA
            if zone.get(name):
                return Answer([Rdata(address=a) for a in zone[name]], 300)
            if name in zone or name in ZONE_A or name in ZONE_AAAA:
                raise dns.resolver.NoAnswer()
            raise dns.resolver.NXDOMAIN()
        finally:
            state.in_flight -= 1

    monkeypatch.setattr(dns.asyncresolver.Resolver, "resolve", resolve)
    yield state
    netkeep_dns.clear_cache()


LAB_DNS = ["198.18.0.53"]


def test_it_returns_the_ptr_name_or_none_for_each_address(fake_dns: FakeDNS) -> None:
    names = ptr_lookup(
        ["198.18.0.10", "198.18.0.99", "198.18.0.13", "2001:2::a", "not-an-ip"], nameservers=LAB_DNS
    )
    assert names == {
        "198.18.0.10": "ssh.lab.test",
        "198.18.0.99": None,  # NXDOMAIN
        "198.18.0.13": None,  # timeout
        "2001:2::a": "v6.lab.test",
        "not-an-ip": None,
    }


def test_several_ptr_names_give_a_stable_choice(fake_dns: FakeDNS) -> None:
    assert ptr_lookup(["198.18.0.11"], nameservers=LAB_DNS) == {"198.18.0.11": "alias.lab.test"}


def test_given_nameservers_replace_the_system_configuration(fake_dns: FakeDNS) -> None:
    ptr_lookup(["198.18.0.10"], nameservers=["198.18.0.53", "2001:2::53"])
    (resolver,) = fake_dns.resolvers
    assert [str(s) for s in resolver.nameservers] == ["198.18.0.53", "2001:2::53"]


@pytest.mark.parametrize("servers", [["dns.example"], ["198.18.0.53; rm"], []])
def test_nameservers_must_be_addresses(fake_dns: FakeDNS, servers: list[str]) -> None:
    with pytest.raises(ValueError):
        ptr_lookup(["198.18.0.10"], nameservers=servers)
    assert fake_dns.queries == []


def test_answers_are_cached_but_timeouts_are_not(fake_dns: FakeDNS) -> None:
    addresses = ["198.18.0.10", "198.18.0.99", "198.18.0.13"]
    ptr_lookup(addresses, nameservers=LAB_DNS)
    first = len(fake_dns.queries)
    again = ptr_lookup(addresses, nameservers=LAB_DNS)
    assert again["198.18.0.10"] == "ssh.lab.test"
    assert fake_dns.queries[first:] == ["PTR 13.0.18.198.in-addr.arpa."]


def test_the_cache_is_per_resolver(fake_dns: FakeDNS) -> None:
    ptr_lookup(["198.18.0.10"], nameservers=LAB_DNS)
    ptr_lookup(["198.18.0.10"], nameservers=["198.18.0.54"])
    assert len(fake_dns.queries) == 2


def test_the_cache_is_bounded(fake_dns: FakeDNS, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netkeep_dns, "CACHE_SIZE", 5)
    ptr_lookup([f"198.18.1.{n}" for n in range(20)], nameservers=LAB_DNS)
    assert len(netkeep_dns._cache) == 5


def test_expired_answers_are_asked_again(
    fake_dns: FakeDNS, monkeypatch: pytest.MonkeyPatch
) -> None:
    ptr_lookup(["198.18.0.10"], nameservers=LAB_DNS)
    later = netkeep_dns._now() + 301
    monkeypatch.setattr(netkeep_dns, "_now", lambda: later)
    ptr_lookup(["198.18.0.10"], nameservers=LAB_DNS)
    assert len(fake_dns.queries) == 2


def test_concurrency_is_bounded(fake_dns: FakeDNS) -> None:
    ptr_lookup([f"198.18.2.{n}" for n in range(100)], nameservers=LAB_DNS, concurrency=8)
    assert fake_dns.most_in_flight == 8


def test_the_sync_wrapper_works_inside_a_running_event_loop(fake_dns: FakeDNS) -> None:
    async def caller() -> dict[str, str | None]:
        return ptr_lookup(["198.18.0.10"], nameservers=LAB_DNS)

    assert asyncio.run(caller()) == {"198.18.0.10": "ssh.lab.test"}


def test_the_async_api_can_be_awaited(fake_dns: FakeDNS) -> None:
    names = asyncio.run(resolve_ptrs(["198.18.0.10"], nameservers=LAB_DNS))
    assert names == {"198.18.0.10": "ssh.lab.test"}


def test_forward_confirmation(fake_dns: FakeDNS) -> None:
    assert forward_confirms("ssh.lab.test", "198.18.0.10", nameservers=LAB_DNS)
    assert not forward_confirms("ssh.lab.test", "198.18.0.11", nameservers=LAB_DNS)
    assert forward_confirms("v6.lab.test", "2001:2::a", nameservers=LAB_DNS)
    assert not forward_confirms("v6.lab.test", "198.18.0.10", nameservers=LAB_DNS)
    assert not forward_confirms("gone.lab.test", "198.18.0.10", nameservers=LAB_DNS)
    assert not forward_confirms("ssh.lab.test", "not-an-ip", nameservers=LAB_DNS)


def test_each_lookup_says_how_it_ended(fake_dns: FakeDNS) -> None:
    results = netkeep_dns.ptr_outcomes(
        ["198.18.0.10", "198.18.0.77", "198.18.0.13", "not-an-address"], nameservers=LAB_DNS
    )
    assert {a: (r.name, r.outcome) for a, r in results.items()} == {
        "198.18.0.10": ("ssh.lab.test", netkeep_dns.ANSWER),
        "198.18.0.77": (None, netkeep_dns.NXDOMAIN),
        "198.18.0.13": (None, netkeep_dns.TIMEOUT),
        "not-an-address": (None, netkeep_dns.ERROR),
    }
    assert [r.answered for r in results.values()] == [True, True, False, False]


def no_nameservers(*problems: Any) -> dns.resolver.NoNameservers:
    import dns.message

    request = dns.message.make_query("10.0.18.198.in-addr.arpa.", "PTR")
    errors = [("198.18.0.53", False, 53, problem, None) for problem in problems]
    return dns.resolver.NoNameservers(request=request, errors=errors)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (dns.resolver.LifetimeTimeout(timeout=1.0, errors=[]), netkeep_dns.TIMEOUT),
        (OSError(101, "Network is unreachable"), netkeep_dns.UNREACHABLE),
        (no_nameservers(ConnectionRefusedError(111, "refused")), netkeep_dns.UNREACHABLE),
        (no_nameservers("REFUSED"), netkeep_dns.REFUSED),
        (no_nameservers("SERVFAIL"), netkeep_dns.ERROR),
    ],
)
def test_a_failed_lookup_is_classified_by_what_the_resolver_did(
    error: Exception, outcome: str
) -> None:
    assert netkeep_dns._failure(error) == outcome
