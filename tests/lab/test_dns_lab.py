"""PTR lookups and forward confirmation against the lab's dnsmasq."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from discovery import dns as netkeep_dns
from discovery.dns import forward_confirms, ptr_lookup
from tests.lab.netns import Lab

pytestmark = pytest.mark.lab


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    netkeep_dns.clear_cache()
    yield
    netkeep_dns.clear_cache()


def test_ptr_names_come_from_the_lab_resolver(lab: Lab) -> None:
    without_ptr = [a for a in sorted(lab.alive_in(lab.net24)) if a not in lab.ptr][:5]
    with lab.enter():
        names = ptr_lookup([*lab.ptr, *without_ptr], nameservers=[lab.dns_server], timeout=2.0)
    assert names == {**lab.ptr, **dict.fromkeys(without_ptr)}


def test_a_silent_resolver_gives_none_within_the_timeout(lab: Lab) -> None:
    # A dead lab address: queries go into the blackhole and time out.
    with lab.enter():
        names = ptr_lookup(["198.18.0.10"], nameservers=[lab.dead[0]], timeout=0.5)
    assert names == {"198.18.0.10": None}


def test_forward_confirmation_against_the_lab(lab: Lab) -> None:
    with lab.enter():
        confirmed = {
            a: forward_confirms(n, a, nameservers=[lab.dns_server]) for a, n in lab.ptr.items()
        }
    assert confirmed == {a: a not in lab.unconfirmed_ptr for a in lab.ptr}
    assert not all(confirmed.values())


def test_many_lookups_at_once(lab: Lab) -> None:
    addresses = sorted(lab.alive_in(lab.net16))[:256]
    with lab.enter():
        names = ptr_lookup(addresses, nameservers=[lab.dns_server], concurrency=256)
    assert names == {a: lab.ptr.get(a) for a in addresses}
