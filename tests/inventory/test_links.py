"""LLDP/CDP neighbours become interface links: on the device page and in the topology."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inventory.models import Interface, InterfaceLink, interface_key
from tests.factories import make_device

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("long", "short"),
    [
        ("GigabitEthernet0/1", "Gi0/1"),
        ("GigabitEthernet0/1", "Gig 0/1"),
        ("TenGigabitEthernet1/1/1", "Te1/1/1"),
        ("Ethernet1", "Et1"),
        ("Ethernet1", "Eth1"),
        ("Port-channel10", "Po10"),
        ("Management1", "Ma1"),
    ],
)
def test_an_abbreviated_interface_name_matches_the_full_one(long: str, short: str) -> None:
    assert interface_key(long) == interface_key(short)


def test_different_interfaces_do_not_match() -> None:
    assert interface_key("Gi0/1") != interface_key("Gi0/10")
    assert interface_key("Gi0/1") != interface_key("Te0/1")


def test_neighbours_link_known_interfaces_and_devices_and_replace_old_links() -> None:
    core = make_device("core-1")
    uplink = Interface.objects.create(device=core, name="GigabitEthernet0/1")
    dist = make_device("Dist-SW-02")
    seen = [
        ("Gi0/1", "dist-sw-02.corp.example.net", "GigabitEthernet1/0/24", "198.18.0.2"),
        ("Gi0/7", "ap-floor2-07", "GigabitEthernet0", ""),
    ]
    assert core.record_neighbours(seen) == 2
    first = InterfaceLink.objects.get(interface=uplink)
    assert (first.remote_device, first.remote_interface) == (dist, "GigabitEthernet1/0/24")
    created = Interface.objects.get(device=core, name="Gi0/7")  # the inventory lacked it
    assert InterfaceLink.objects.get(interface=created).remote_device is None
    # The next backup sees only the uplink: the access point's link goes.
    assert core.record_neighbours(seen[:1]) == 1
    assert list(InterfaceLink.objects.values_list("remote_name", flat=True)) == [
        "dist-sw-02.corp.example.net"
    ]
    assert InterfaceLink.objects.get().pk == first.pk  # kept, not recreated


def test_the_device_page_and_the_topology_show_the_links(admin_client: Client) -> None:
    from tests.factories import make_host, make_subnet

    subnet = make_subnet("198.18.0.0/24")
    core = make_device("core-1", management_host=make_host("198.18.0.1", subnet=subnet))
    dist = make_device("dist-2", management_host=make_host("198.18.0.2", subnet=subnet))
    core.record_neighbours([("Gi0/1", "dist-2", "Gi1/0/24", "")])
    page = admin_client.get(reverse("inventory:device_detail", args=[core.pk])).content.decode()
    assert dist.get_absolute_url() in page and "Gi1/0/24" in page
    topology = admin_client.get(reverse("inventory:topology")).content.decode()
    assert "Links to neighbours" in topology
    assert (
        f'<a href="{dist.get_absolute_url()}">dist-2</a> <span class="mono">Gi1/0/24</span>'
        in topology
    )


def test_the_topology_reads_links_in_one_query_whatever_their_number(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    from tests.factories import make_host, make_subnet

    subnet = make_subnet("198.18.0.0/24")
    for n in range(1, 12):
        device = make_device(f"sw-{n}", management_host=make_host(f"198.18.0.{n}", subnet=subnet))
        device.record_neighbours([(f"Gi0/{p}", f"sw-{p}", "Gi0/48", "") for p in range(1, 6)])
    with django_assert_max_num_queries(12):
        assert admin_client.get(reverse("inventory:topology")).status_code == 200
