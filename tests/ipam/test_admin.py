"""Django admin for IPAM: lists, search, bulk actions, permissions."""

from __future__ import annotations

import pytest

from accounts.models import AuditEntry
from ipam.models import Host, Subnet
from tests.factories import make_host, make_subnet, make_tag, make_vlan, make_vrf

pytestmark = pytest.mark.django_db

MODELS = ["vrf", "vlan", "tag", "subnet", "host"]


@pytest.fixture
def data():
    vrf = make_vrf("red")
    vlan = make_vlan(10, "users")
    tag = make_tag("printer")
    net = make_subnet("198.51.100.0/24", vlan=vlan)
    make_subnet("203.0.113.0/24", vrf=vrf)
    host = make_host("198.51.100.7", subnet=net, hostname="prn1", origin="discovered")
    host.tags.add(tag)
    return {"vrf": vrf, "vlan": vlan, "tag": tag, "net": net, "host": host}


@pytest.mark.parametrize("model", MODELS)
def test_every_list_and_form_opens_for_an_admin(admin_client, data, model):
    assert admin_client.get(f"/admin/ipam/{model}/").status_code == 200
    assert admin_client.get(f"/admin/ipam/{model}/add/").status_code == 200
    obj = {"vrf": data["vrf"], "vlan": data["vlan"], "tag": data["tag"], "subnet": data["net"]}
    obj["host"] = data["host"]
    assert admin_client.get(f"/admin/ipam/{model}/{obj[model].pk}/change/").status_code == 200


def test_editors_use_the_admin_and_viewers_do_not(editor_client, viewer_client, data):
    assert editor_client.get("/admin/ipam/host/").status_code == 200
    assert viewer_client.get("/admin/ipam/host/").status_code == 302


def test_subnet_search_by_address_finds_the_containing_subnets(admin_client, data):
    make_subnet("198.51.100.0/25")
    response = admin_client.get("/admin/ipam/subnet/", {"q": "198.51.100.7"})
    assert list(response.context["cl"].result_list.values_list("network", flat=True)) == [
        "198.51.100.0/24",
        "198.51.100.0/25",
    ]
    by_name = admin_client.get("/admin/ipam/host/", {"q": "prn1"})
    assert [h.address for h in by_name.context["cl"].result_list] == ["198.51.100.7"]


def test_filters_narrow_the_lists(admin_client, data):
    response = admin_client.get("/admin/ipam/subnet/", {"vrf__id__exact": data["vrf"].pk})
    assert [s.network for s in response.context["cl"].result_list] == ["203.0.113.0/24"]
    hosts = admin_client.get("/admin/ipam/host/", {"tags__id__exact": data["tag"].pk})
    assert [h.address for h in hosts.context["cl"].result_list] == ["198.51.100.7"]


def test_bulk_enable_and_disable_scanning_is_audited(admin_client, data):
    pks = [data["net"].pk]
    admin_client.post("/admin/ipam/subnet/", {"action": "enable_scanning", "_selected_action": pks})
    assert Subnet.objects.get(pk=data["net"].pk).scan_enabled
    assert AuditEntry.objects.filter(
        door="admin", action="update", changes__has_key="scan_enabled"
    ).exists()
    admin_client.post(
        "/admin/ipam/subnet/", {"action": "disable_scanning", "_selected_action": pks}
    )
    assert not Subnet.objects.get(pk=data["net"].pk).scan_enabled


def test_bulk_set_vlan_asks_then_applies(admin_client, data):
    other = make_vlan(20, "servers")
    pks = [s.pk for s in Subnet.objects.all()]
    ask = admin_client.post("/admin/ipam/subnet/", {"action": "set_vlan", "_selected_action": pks})
    assert ask.status_code == 200 and b"Set VLAN" in ask.content
    assert Subnet.objects.filter(vlan=other).count() == 0
    admin_client.post(
        "/admin/ipam/subnet/",
        {"action": "set_vlan", "_selected_action": pks, "apply": "1", "vlan": other.pk},
    )
    assert Subnet.objects.filter(vlan=other).count() == 2


def test_bulk_tagging_and_marking_hosts_documented(admin_client, data):
    web = make_tag("web")
    pks = [data["host"].pk]
    admin_client.post(
        "/admin/ipam/host/",
        {"action": "add_tags", "_selected_action": pks, "apply": "1", "tags": [web.pk]},
    )
    assert set(data["host"].tags.values_list("name", flat=True)) == {"printer", "web"}
    admin_client.post(
        "/admin/ipam/host/",
        {"action": "remove_tags", "_selected_action": pks, "apply": "1", "tags": [web.pk]},
    )
    assert set(data["host"].tags.values_list("name", flat=True)) == {"printer"}
    admin_client.post("/admin/ipam/host/", {"action": "mark_documented", "_selected_action": pks})
    assert Host.objects.get().origin == "documented"


def test_bulk_delete_hands_children_and_hosts_to_the_parent(admin_client, data):
    middle = make_subnet("198.51.100.0/25")
    make_subnet("198.51.100.0/26")
    make_host("198.51.100.100", subnet=middle)
    admin_client.post(
        "/admin/ipam/subnet/",
        {"action": "delete_selected", "_selected_action": [middle.pk], "post": "yes"},
    )
    assert Subnet.objects.get(network="198.51.100.0/26").parent == data["net"]
    assert Host.objects.get(address="198.51.100.100").subnet == data["net"]


def test_a_top_level_subnet_with_hosts_cannot_be_deleted_in_the_admin(admin_client, data):
    page = admin_client.post(f"/admin/ipam/subnet/{data['net'].pk}/delete/")
    assert b"still has hosts and no parent subnet" in page.content
    admin_client.post(f"/admin/ipam/subnet/{data['net'].pk}/delete/", {"post": "yes"})
    assert Subnet.objects.filter(pk=data["net"].pk).exists()


def test_adding_a_host_in_the_admin_validates_and_places_it(admin_client, data):
    inner = make_subnet("198.51.100.64/26")
    form = {
        "address": "198.51.100.70",
        "subnet": data["net"].pk,
        "hostname": "admin-made",
        "hostname_source": "manual",
        "origin": "documented",
    }
    response = admin_client.post("/admin/ipam/host/add/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Host.objects.get(hostname="admin-made").subnet == inner
    bad = admin_client.post("/admin/ipam/host/add/", {**form, "address": "198.51.100.127"})
    assert "broadcast address of 198.51.100.64/26" in str(bad.context["adminform"].form.errors)
