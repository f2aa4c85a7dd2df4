"""seed_demo: a believable network in documentation ranges, consistent with what save() builds."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.management import call_command

from ipam.addresses import address_key, to_key
from ipam.models import VLAN, VRF, Host, Subnet

pytestmark = pytest.mark.django_db

ALLOWED = [
    ipaddress.ip_network(n)
    for n in (
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "198.18.0.0/15",
        "2001:db8::/32",
        "2001:2::/48",
    )
]


def _allowed(network: str, vrf: VRF | None) -> bool:
    net = ipaddress.ip_network(network)
    if vrf is not None and vrf.name == "lab-large":
        return net.subnet_of(ipaddress.ip_network("10.0.0.0/8"))  # type: ignore[arg-type]
    return any(net.version == a.version and net.subnet_of(a) for a in ALLOWED)  # type: ignore[arg-type]


def test_it_builds_a_network_in_documentation_ranges_only():
    call_command("seed_demo", "--hosts", "3000", "--seed", "7")
    assert all(_allowed(s.network, s.vrf) for s in Subnet.objects.select_related("vrf"))
    assert Host.objects.count() == 3000
    assert VLAN.objects.filter(vid__isnull=True).exists()
    assert VRF.objects.filter(name="lab-large").exists()
    lengths = set(Subnet.objects.filter(family=4).values_list("prefix_length", flat=True))
    assert set(range(8, 33)) <= lengths
    assert Subnet.objects.filter(family=6).count() >= 4
    statuses = set(Host.objects.values_list("status", flat=True))
    assert statuses == {"up", "down", "unknown"}
    assert not Host.objects.filter(status="up", last_seen__isnull=True).exists()
    assert not Subnet.objects.filter(scan_enabled=True).exists()


def test_bulk_inserted_hosts_look_exactly_like_saved_ones():
    call_command("seed_demo", "--hosts", "2000")
    for host in Host.objects.select_related("subnet").order_by("?")[:300]:
        address = ipaddress.ip_address(host.address)
        assert host.key == address_key(address)
        assert host.next_key == to_key(int(address) + 1)
        assert host.family == address.version and host.vrf_key == host.subnet.vrf_key
        best = Subnet.objects.best_match(host.vrf_key, address)
        assert best == host.subnet, f"{host.address} is in {host.subnet}, belongs in {best}"
        host.full_clean()  # valid as if typed in the form


def test_large_runs_fill_the_slash_16_and_the_slash_8():
    call_command("seed_demo", "--hosts", "12000")
    big16 = Subnet.objects.get(network="198.18.0.0/16").host_range().count()
    big8 = Subnet.objects.get(network="10.0.0.0/8").host_range().count()
    assert big16 > 900 and big8 > 9 * big16 * 0.8


def test_if_empty_leaves_existing_data_alone(capsys):
    call_command("seed_demo", "--hosts", "50")
    call_command("seed_demo", "--hosts", "50", "--if-empty")
    assert Host.objects.count() == 50
    assert "demo data not loaded" in capsys.readouterr().out


def test_the_same_seed_gives_the_same_network():
    call_command("seed_demo", "--hosts", "300", "--seed", "3")
    first = list(Host.objects.order_by("key", "vrf_key").values_list("address", "hostname"))
    Host.objects.all().delete()
    Subnet.objects.all().delete()
    call_command("seed_demo", "--hosts", "300", "--seed", "3")
    assert list(Host.objects.order_by("key", "vrf_key").values_list("address", "hostname")) == first


def test_demo_subnets_have_names_a_network_would_have():
    call_command("seed_demo", "--hosts", "0")
    names = list(Subnet.objects.values_list("name", flat=True))
    descriptions = list(Subnet.objects.values_list("description", flat=True))
    assert not [n for n in names if n.startswith("Size /")]
    assert not [d for d in descriptions if d.count("(") > 1]
    assert Subnet.objects.get(network="10.0.0.0/8").description == "Large lab (demo data)"
    assert Subnet.objects.get(network="198.19.0.0/24").name == "Rack 1 hypervisors"
    assert len(set(names)) == len(names)


def test_seeded_hosts_are_counted_in_every_subnet_and_tile_as_a_recount_finds_them():
    from tests.ipam.test_usage import _counted, _shown

    call_command("seed_demo", "--hosts", "2000")
    subnets = list(Subnet.objects.all())
    assert sum(_shown(s)[0] for s in subnets) > 2000  # children's hosts count in parents too
    for subnet in subnets:
        assert _shown(subnet) == _counted(subnet), subnet.network
