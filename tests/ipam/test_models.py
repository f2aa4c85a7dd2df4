"""Model correctness: strict validation, hierarchy changes, free runs at subnet edges."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEntry
from ipam.addresses import parse_address, parse_network, to_key, usable_count
from ipam.allocation import SubnetFull, allocate
from ipam.flow import FreeRun, HostItem
from ipam.models import Host, Subnet
from tests.factories import make_host, make_subnet, make_vrf


# --- validation: networks ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("::/0", "::/0"),
        ("192.0.2.0/31", "192.0.2.0/31"),
        ("192.0.2.7/32", "192.0.2.7/32"),
        ("2001:db8::/127", "2001:db8::/127"),
        ("2001:db8::1/128", "2001:db8::1/128"),
        ("2001:0DB8:0000::/48", "2001:db8::/48"),  # IPv6 leading zeros and case are fine
        (" 192.0.2.0/24\t", "192.0.2.0/24"),  # surrounding whitespace is dropped at every door
    ],
)
def test_valid_networks_are_stored_canonically(text, canonical):
    assert str(parse_network(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "192.0.2.1/24",
            "192.0.2.1/24 has host bits set: the network is 192.0.2.0/24 (or use a longer prefix).",
        ),
        (
            "2001:db8::1/64",
            "2001:db8::1/64 has host bits set: the network is 2001:db8::/64 "
            "(or use a longer prefix).",
        ),
        ("10.0.0.0/33", "10.0.0.0/33 is not a network: the prefix length must be 0–32 for IPv4."),
        (
            "2001:db8::/129",
            "2001:db8::/129 is not a network: the prefix length must be 0–128 for IPv6.",
        ),
        ("192.0.2.0/x", "192.0.2.0/x is not a network: the prefix length must be 0–32 for IPv4."),
        ("010.0.0.0/8", "010.0.0.0/8 has a leading zero in an octet: write 10.0.0.0/8."),
        (
            "192.0.2.0/024",
            "192.0.2.0/024 has a leading zero in the prefix length: write 192.0.2.0/24.",
        ),
        ("192.0.2.0 /24", "“192.0.2.0 /24” has spaces in it: write the network without spaces."),
        (
            "192.0.2.0",
            "192.0.2.0 has no prefix length: write it as a network such as 192.0.2.0/24 "
            "(or /32 for a single IPv4 address, /128 for IPv6).",
        ),
        (
            "::ffff:192.0.2.0/120",
            "::ffff:192.0.2.0/120 is an IPv4-mapped IPv6 network: enter the IPv4 network "
            "192.0.2.0/24 instead.",
        ),
        (
            "fe80::%eth0/64",
            "fe80::%eth0/64 has a zone index (%eth0): leave it out, addresses are stored "
            "without one.",
        ),
        ("1.2.3/8", "1.2.3 is not an IPv4 or IPv6 address."),
        ("", "Enter a network such as 192.0.2.0/24 or 2001:db8::/48."),
    ],
)
def test_invalid_networks_say_what_to_fix(text, message):
    with pytest.raises(ValidationError) as raised:
        parse_network(text)
    assert raised.value.messages == [message]


# --- validation: addresses -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("192.0.2.1/32", "192.0.2.1"),
        ("2001:DB8::0001", "2001:db8::1"),
        ("2001:db8::1/128", "2001:db8::1"),
        ("192.0.2.1 ", "192.0.2.1"),
    ],
)
def test_valid_addresses(text, canonical):
    assert str(parse_address(text)) == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("192.0.2.01", "192.0.2.01 has a leading zero in an octet: write 192.0.2.1."),
        (
            "192.0.2.1/24",
            "192.0.2.1/24 is a network, not an address: enter a single address such as 192.0.2.1.",
        ),
        (
            "192.0.2.1/128",
            "192.0.2.1/128 is a network, not an address: enter a single address such as 192.0.2.1.",
        ),
        (
            "2001:db8::1/32",
            "2001:db8::1/32 is a network, not an address: enter a single address such as "
            "2001:db8::1.",
        ),
        (
            "::ffff:192.0.2.1",
            "::ffff:192.0.2.1 is an IPv4-mapped IPv6 address: enter 192.0.2.1 instead.",
        ),
        ("192.0.2. 1", "“192.0.2. 1” has spaces in it: write the address without spaces."),
        ("192.0.2.256", "192.0.2.256 is not an IPv4 or IPv6 address."),
    ],
)
def test_invalid_addresses_say_what_to_fix(text, message):
    with pytest.raises(ValidationError) as raised:
        parse_address(text)
    assert raised.value.messages == [message]


@pytest.mark.django_db
def test_full_clean_reports_a_bad_network_once_on_its_field():
    with pytest.raises(ValidationError) as raised:
        Subnet(network="192.0.2.1/24").full_clean()
    assert raised.value.message_dict == {
        "network": [
            "192.0.2.1/24 has host bits set: the network is 192.0.2.0/24 (or use a longer prefix)."
        ]
    }


@pytest.mark.django_db
def test_subnets_are_unique_per_vrf():
    make_subnet("198.51.100.0/24")
    make_subnet("198.51.100.0/24", vrf=make_vrf("red"))
    with pytest.raises(ValidationError) as raised:
        make_subnet("198.51.100.0/24")
    assert raised.value.message_dict["network"] == [
        "198.51.100.0/24 already exists in the global table."
    ]


@pytest.mark.django_db
def test_hosts_are_unique_per_vrf_and_must_lie_in_their_subnet():
    net = make_subnet("198.51.100.0/24")
    red = make_subnet("198.51.100.0/24", vrf=make_vrf("red"))
    make_host("198.51.100.5", subnet=net)
    make_host("198.51.100.5", subnet=red)
    with pytest.raises(ValidationError) as raised:
        make_host("198.51.100.5", subnet=net)
    assert raised.value.message_dict["address"] == [
        "198.51.100.5 is already in use in the global table."
    ]
    with pytest.raises(ValidationError) as raised:
        make_host("203.0.113.5", subnet=net)
    assert raised.value.message_dict["address"] == [
        "203.0.113.5 is not inside 198.51.100.0/24: pick an address in it or another subnet."
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "which"), [("198.51.100.0", "network"), ("198.51.100.255", "broadcast")]
)
def test_ipv4_network_and_broadcast_addresses_are_not_hosts(address, which):
    net = make_subnet("198.51.100.0/24")
    with pytest.raises(ValidationError) as raised:
        make_host(address, subnet=net)
    assert raised.value.message_dict["address"] == [
        f"{address} is the {which} address of 198.51.100.0/24: hosts use "
        "198.51.100.1–198.51.100.254."
    ]


@pytest.mark.django_db
def test_the_check_uses_the_most_specific_subnet():
    top = make_subnet("198.51.100.0/24")
    make_subnet("198.51.100.16/28")
    with pytest.raises(ValidationError, match=r"broadcast address of 198\.51\.100\.16/28"):
        make_host("198.51.100.31", subnet=top)


@pytest.mark.django_db
def test_point_to_point_and_single_address_subnets_accept_every_address():
    p2p = make_subnet("198.51.100.0/31")
    make_host("198.51.100.0", subnet=p2p)
    make_host("198.51.100.1", subnet=p2p)
    single = make_subnet("198.51.100.9/32")
    make_host("198.51.100.9", subnet=single)
    assert Host.objects.count() == 3


@pytest.mark.django_db
def test_a_mac_is_normalised():
    host = make_host("198.51.100.5", subnet=make_subnet(), mac="00-1A-2B-3C-4D-5E")
    assert host.mac == "00:1a:2b:3c:4d:5e"


# --- hierarchy -------------------------------------------------------------------------
def _parent(network: str, vrf_key: int = 0) -> str | None:
    subnet = Subnet.objects.get(network=network, vrf_key=vrf_key)
    return subnet.parent.network if subnet.parent else None


def _home(address: str) -> str:
    return Host.objects.get(address=address).subnet.network


@pytest.mark.django_db
def test_inserting_a_subnet_in_between_takes_children_and_hosts():
    make_subnet("198.18.0.0/15")
    make_subnet("198.18.1.0/24")
    make_subnet("198.19.0.0/24")
    make_host("198.18.1.10")
    make_host("198.18.2.10")
    make_host("198.19.0.10")
    make_subnet("198.18.0.0/16")
    assert _parent("198.18.0.0/16") == "198.18.0.0/15"
    assert _parent("198.18.1.0/24") == "198.18.0.0/16"
    assert _parent("198.19.0.0/24") == "198.18.0.0/15"
    assert _home("198.18.1.10") == "198.18.1.0/24"
    assert _home("198.18.2.10") == "198.18.0.0/16"
    assert _home("198.19.0.10") == "198.19.0.0/24"


@pytest.mark.django_db
def test_removing_a_subnet_in_between_gives_children_and_hosts_to_its_parent():
    make_subnet("198.18.0.0/15")
    middle = make_subnet("198.18.0.0/16")
    make_subnet("198.18.1.0/24")
    make_host("198.18.2.10")
    middle.delete()
    assert _parent("198.18.1.0/24") == "198.18.0.0/15"
    assert _home("198.18.2.10") == "198.18.0.0/15"


@pytest.mark.django_db
def test_deleting_a_top_level_subnet_with_hosts_is_refused():
    top = make_subnet("198.18.0.0/24")
    make_host("198.18.0.10")
    with pytest.raises(ValidationError, match="still has hosts and no parent subnet"):
        top.delete()
    assert Subnet.objects.count() == 1


@pytest.mark.django_db
def test_growing_a_subnet_adopts_its_new_children_and_hosts():
    make_subnet("198.18.0.0/16")
    a = make_subnet("198.18.0.0/24")
    make_subnet("198.18.1.0/25")
    make_host("198.18.1.200")
    a.network = "198.18.0.0/23"
    a.full_clean()
    a.save()
    assert _parent("198.18.1.0/25") == "198.18.0.0/23"
    assert _home("198.18.1.200") == "198.18.0.0/23"
    assert _parent("198.18.0.0/23") == "198.18.0.0/16"


@pytest.mark.django_db
def test_shrinking_or_moving_a_subnet_releases_children_to_the_old_parent():
    make_subnet("198.18.0.0/16")
    a = make_subnet("198.18.0.0/23")
    make_subnet("198.18.0.0/25")
    make_subnet("198.18.1.0/25")
    a.network = "198.18.0.0/24"
    a.full_clean()
    a.save()
    assert _parent("198.18.0.0/25") == "198.18.0.0/24"
    assert _parent("198.18.1.0/25") == "198.18.0.0/16"
    a.network = "198.18.8.0/24"
    a.full_clean()
    a.save()
    assert _parent("198.18.0.0/25") == "198.18.0.0/16"


@pytest.mark.django_db
def test_a_subnet_cannot_be_edited_away_from_its_hosts():
    a = make_subnet("198.18.0.0/24")
    make_host("198.18.0.10")
    a.network = "198.18.5.0/24"
    with pytest.raises(ValidationError, match="1 host"):
        a.full_clean()


@pytest.mark.django_db
def test_hierarchy_is_per_vrf():
    make_subnet("198.18.0.0/16")
    vrf = make_vrf("red")
    make_subnet("198.18.1.0/24", vrf=vrf)
    assert _parent("198.18.1.0/24", vrf.pk) is None


# --- free runs at the edges ----------------------------------------------------------------
def _runs(subnet):
    return [
        (str(i.first), str(i.last), i.count) if isinstance(i, FreeRun) else i.host.address
        for i in subnet.flow().items
    ]


@pytest.mark.django_db
def test_ipv4_free_runs_exclude_network_and_broadcast():
    net = make_subnet("198.51.100.0/24")
    assert _runs(net) == [("198.51.100.1", "198.51.100.254", 254)]
    make_host("198.51.100.1", subnet=net)
    make_host("198.51.100.254", subnet=net)
    assert _runs(net) == ["198.51.100.1", ("198.51.100.2", "198.51.100.253", 252), "198.51.100.254"]


@pytest.mark.django_db
def test_slash_30_31_and_32_free_runs():
    assert _runs(make_subnet("198.51.100.0/30")) == [("198.51.100.1", "198.51.100.2", 2)]
    assert _runs(make_subnet("198.51.100.4/31")) == [("198.51.100.4", "198.51.100.5", 2)]
    single = make_subnet("198.51.100.9/32")
    assert _runs(single) == [("198.51.100.9", "198.51.100.9", 1)]
    make_host("198.51.100.9", subnet=single)
    assert _runs(single) == ["198.51.100.9"]
    assert single.next_free() == []


@pytest.mark.django_db
def test_ipv6_free_runs_keep_back_the_subnet_router_anycast_address():
    net = make_subnet("2001:db8::/64")
    [run] = net.flow().items
    assert (str(run.first), str(run.last), run.count) == (
        "2001:db8::1",
        "2001:db8::ffff:ffff:ffff:ffff",
        2**64 - 1,
    )
    assert _runs(make_subnet("2001:db8:1::/127")) == [("2001:db8:1::", "2001:db8:1::1", 2)]
    assert _runs(make_subnet("2001:db8:2::5/128")) == [("2001:db8:2::5", "2001:db8:2::5", 1)]
    assert usable_count(net.ip_network) == 2**64 - 1


@pytest.mark.django_db
def test_a_child_at_the_end_of_a_subnet_leaves_no_trailing_run():
    net = make_subnet("198.51.100.0/24")
    make_subnet("198.51.100.128/25")
    items = net.flow().items
    assert [i.kind for i in items] == ["free", "child"]
    assert (str(items[0].first), str(items[0].last)) == ("198.51.100.1", "198.51.100.127")


@pytest.mark.django_db
def test_hosts_in_children_are_not_shown_in_the_parent_flow():
    net = make_subnet("198.51.100.0/24")
    child = make_subnet("198.51.100.0/28")
    make_host("198.51.100.5", subnet=child)
    make_host("198.51.100.20", subnet=net)
    kinds = [i.kind for i in net.flow().items]
    assert kinds == ["child", "free", "host", "free"]
    assert isinstance(net.flow().items[2], HostItem)


@pytest.mark.django_db
def test_next_free_skips_a_long_used_run_and_children():
    net = make_subnet("198.51.100.0/24")
    make_subnet("198.51.100.0/29")
    for i in range(8, 100):
        make_host(f"198.51.100.{i}", subnet=net)
    assert [str(a) for a in net.next_free(2)] == ["198.51.100.100", "198.51.100.101"]


@pytest.mark.django_db
def test_allocating_more_than_is_free_raises_and_writes_nothing():
    net = make_subnet("198.51.100.0/30")
    with pytest.raises(SubnetFull, match="has 2 free address"):
        allocate(net, 3)
    assert not Host.objects.exists()
    assert [h.address for h in allocate(net, 2)] == ["198.51.100.1", "198.51.100.2"]
    with pytest.raises(SubnetFull):
        allocate(net, 1)


@pytest.mark.django_db
def test_ipv6_allocation_starts_after_the_anycast_address():
    net = make_subnet("2001:db8::/64")
    assert [h.address for h in allocate(net, 2)] == ["2001:db8::1", "2001:db8::2"]


# --- audit ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_changes_are_audited_without_discovery_fields_or_keys():
    host = make_host("198.51.100.5", subnet=make_subnet())
    created = AuditEntry.objects.get(action="create", object_repr="198.51.100.5")
    assert "key" not in created.changes and "next_key" not in created.changes
    host.status = "up"
    host.latency_ms = 1.5
    host.save()
    assert not AuditEntry.objects.filter(action="update").exists()
    host.hostname = "web1"
    host.save()
    entry = AuditEntry.objects.get(action="update")
    assert entry.changes == {"hostname": ["", "web1"]}


@pytest.mark.django_db
def test_next_free_takes_whole_free_runs_with_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    net = make_subnet("198.51.100.0/24")
    make_subnet("198.51.100.32/28")
    make_host("198.51.100.20", subnet=net)
    with django_assert_max_num_queries(20):
        free = [str(a) for a in net.next_free(200)]
    expected = [f"198.51.100.{i}" for i in range(1, 255) if i != 20 and not 32 <= i < 48]
    assert free == expected[:200]
    assert [
        str(a) for a in net.next_free(3, after=to_key(int(parse_address("198.51.100.30"))))
    ] == [
        "198.51.100.31",
        "198.51.100.48",
        "198.51.100.49",
    ]


@pytest.mark.django_db
def test_default_routes_are_the_roots_of_their_family_only():
    v4 = make_subnet("0.0.0.0/0")
    v6 = make_subnet("::/0")
    lan = make_subnet("198.51.100.0/24")
    lan6 = make_subnet("2001:db8::/32")
    assert lan.parent == v4 and lan6.parent == v6
    assert v4.usable == 2**32 - 2 and v6.usable == 2**128 - 1
    host = make_host("203.0.113.9", subnet=v4)
    assert host.subnet == v4
    assert [str(a) for a in v4.next_free(2)] == ["0.0.0.1", "0.0.0.2"]


# --- status transitions ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("was", "alive", "now", "write", "came_up", "came_back", "went_down"),
    [
        ("unknown", True, "up", True, True, False, False),
        ("down", True, "up", True, True, True, False),
        ("up", True, "up", True, False, False, False),
        ("up", False, "down", True, False, False, True),
        ("unknown", False, "down", True, False, False, False),
        ("down", False, "down", False, False, False, False),
    ],
)
def test_a_host_observed_says_what_changed(was, alive, now, write, came_up, came_back, went_down):
    at = timezone.now()
    host = Host(address="192.0.2.5", status=was, latency_ms=9.0)
    change = host.observe(alive=alive, rtt_ms=1.5 if alive else None, at=at)
    assert host.status == now
    assert (change.write, change.came_up, change.came_back, change.went_down) == (
        write,
        came_up,
        came_back,
        went_down,
    )
    assert host.status_changed_at == (at if was != now else None)
    assert host.latency_ms == (1.5 if alive else 9.0 if was == "down" else None)
    assert host.last_seen == (at if alive else None)
