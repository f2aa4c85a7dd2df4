"""The topology page: one card per network, plain LANs first, devices in each of their networks."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory import topology
from inventory.addressing import host_for
from inventory.models import Device, Interface
from ipam.models import Host
from tests.factories import make_device, make_subnet, make_vlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def net() -> dict[str, Any]:
    servers = make_vlan(20, "servers")
    lan = make_subnet("198.18.0.0/24", name="home")
    make_subnet("198.18.1.0/24", name="servers", vlan=servers)
    router = make_device("router", is_gateway=True, management_host=host_for("198.18.0.1"))
    Interface.objects.create(device=router, name="wan", host=None, is_upstream=True, vlan=servers)
    Interface.objects.create(device=router, name="lan", host=host_for("198.18.0.1"))
    Interface.objects.create(device=router, name="srv", host=host_for("198.18.1.1"))
    nas = make_device("nas", management_host=host_for("198.18.1.10"))
    Host.objects.filter(address="198.18.1.10").update(status="down")
    return {"servers": servers, "lan": lan, "router": router, "nas": nas}


def test_plain_lans_come_first_and_a_device_appears_in_each_of_its_networks(
    net: dict[str, Any],
) -> None:
    cards = topology.build()
    assert [c.title for c in cards] == ["Plain LAN", "VLAN 20"]
    lan, vlan = cards
    assert [m.device.name for m in lan.devices] == ["router"]
    assert [m.device.name for m in vlan.devices] == ["router", "nas"]
    router_in_vlan = vlan.members[net["router"].pk]
    assert router_in_vlan.upstream and router_in_vlan.elsewhere == [lan]
    assert vlan.members[net["nas"].pk].status == "down"


def test_a_failing_service_check_shows_the_device_unavailable(net: dict[str, Any]) -> None:
    Device.objects.filter(pk=net["nas"].pk).update(unavailable_reason="ui is down: timeout")
    vlan = topology.build()[1]
    assert vlan.members[net["nas"].pk].status == "unavailable"


def test_the_page_shows_cards_with_a_fixed_number_of_queries(
    viewer_client: Client, noaccess_client: Client, net: dict[str, Any]
) -> None:
    with CaptureQueriesContext(connection) as few:
        page = viewer_client.get(reverse("inventory:topology"))
    body = page.content.decode()
    assert "VLAN 20" in body and 'href="#net-' in body and "↑ upstream" in body
    for i in range(20, 40):
        d = make_device(f"srv{i}")
        Interface.objects.create(device=d, name="eth0", host=host_for(f"198.18.1.{i}"))
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(reverse("inventory:topology"))
    assert len(many) == len(few)
    assert noaccess_client.get(reverse("inventory:topology")).status_code == 403
