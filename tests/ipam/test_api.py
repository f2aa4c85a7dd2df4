"""The IPAM API: CRUD, field errors, filters, allocation, permissions, JWT, query counts."""

from __future__ import annotations

import pytest
from django.db import connection

from ipam.models import Host, Subnet
from tests.conftest import bearer, count_queries, token_for
from tests.factories import make_host, make_hosts, make_subnet, make_tag, make_vlan, make_vrf

pytestmark = pytest.mark.django_db

BASE = "/api/ipam"


@pytest.fixture
def editor_api(api_client, erin):
    api_client.force_authenticate(erin)
    return api_client


@pytest.fixture
def viewer_api(api_client, victor):
    api_client.force_authenticate(victor)
    return api_client


# --- CRUD and field errors ------------------------------------------------------
def test_it_creates_reads_updates_and_deletes_a_subnet(editor_api):
    vlan = make_vlan(20, "servers")
    make_tag("dmz")
    created = editor_api.post(
        f"{BASE}/subnets/",
        {"network": "198.51.100.0/24", "name": "servers", "vlan": vlan.pk, "tags": ["dmz"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["network"] == "198.51.100.0/24" and body["family"] == 4
    assert body["tags"] == ["dmz"] and body["prefix_length"] == 24
    assert body["utilisation"] == {"used": 0, "usable": 254, "alive": 0, "free": 254}
    pk = body["id"]
    changed = editor_api.patch(f"{BASE}/subnets/{pk}/", {"name": "srv"}, format="json")
    assert changed.status_code == 200 and changed.json()["name"] == "srv"
    assert editor_api.get(f"{BASE}/subnets/{pk}/").json()["name"] == "srv"
    assert editor_api.delete(f"{BASE}/subnets/{pk}/").status_code == 204
    assert not Subnet.objects.exists()


def test_subnet_errors_are_field_errors_with_the_models_messages(editor_api):
    response = editor_api.post(f"{BASE}/subnets/", {"network": "198.51.100.7/24"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "network": [
            "198.51.100.7/24 has host bits set: the network is 198.51.100.0/24 "
            "(or use a longer prefix)."
        ]
    }
    make_subnet("198.51.100.0/24")
    dup = editor_api.post(f"{BASE}/subnets/", {"network": "198.51.100.0/24"}, format="json")
    assert dup.status_code == 400
    assert dup.json()["network"] == ["198.51.100.0/24 already exists in the global table."]
    bad = editor_api.post(f"{BASE}/subnets/", {"network": "10.0.0.0/33"}, format="json")
    assert bad.json()["network"] == [
        "10.0.0.0/33 is not a network: the prefix length must be 0–32 for IPv4."
    ]


def test_host_outside_its_subnet_is_a_field_error_not_a_500(editor_api):
    net = make_subnet("198.51.100.0/24")
    response = editor_api.post(
        f"{BASE}/hosts/", {"address": "203.0.113.5", "subnet": net.pk}, format="json"
    )
    assert response.status_code == 400
    assert "is not inside 198.51.100.0/24" in response.json()["address"][0]
    bad_mac = editor_api.post(
        f"{BASE}/hosts/", {"address": "198.51.100.5", "mac": "zz"}, format="json"
    )
    assert bad_mac.status_code == 400 and "mac" in bad_mac.json()


def test_a_host_without_subnet_goes_to_the_most_specific_one(editor_api):
    make_subnet("198.51.100.0/24")
    inner = make_subnet("198.51.100.0/26")
    vrf = make_vrf("red")
    red = make_subnet("198.51.100.0/24", vrf=vrf)
    response = editor_api.post(
        f"{BASE}/hosts/", {"address": "198.51.100.9", "hostname": "db1"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["subnet"] == inner.pk and response.json()["vrf"] is None
    in_red = editor_api.post(
        f"{BASE}/hosts/", {"address": "198.51.100.9", "vrf": vrf.pk}, format="json"
    )
    assert in_red.status_code == 201 and in_red.json()["subnet"] == red.pk
    nowhere = editor_api.post(f"{BASE}/hosts/", {"address": "203.0.113.1"}, format="json")
    assert nowhere.status_code == 400
    assert nowhere.json()["subnet"] == [
        "No subnet in the global table contains 203.0.113.1: create it first."
    ]
    duplicate = editor_api.post(f"{BASE}/hosts/", {"address": "198.51.100.9"}, format="json")
    assert duplicate.json()["address"] == ["198.51.100.9 is already in use in the global table."]


def test_status_fields_are_read_only(editor_api):
    host = make_host("198.51.100.5", subnet=make_subnet())
    editor_api.patch(f"{BASE}/hosts/{host.pk}/", {"status": "up", "hostname": "a"}, format="json")
    host.refresh_from_db()
    assert host.status == "unknown" and host.hostname == "a"


def test_deleting_a_subnet_whose_hosts_have_nowhere_to_go_is_a_conflict(editor_api):
    net = make_subnet()
    make_host("198.51.100.5", subnet=net)
    response = editor_api.delete(f"{BASE}/subnets/{net.pk}/")
    assert response.status_code == 409
    assert "still has hosts" in response.json()["detail"]
    vrf = make_vrf("red")
    make_subnet("203.0.113.0/24", vrf=vrf)
    assert editor_api.delete(f"{BASE}/vrfs/{vrf.pk}/").status_code == 409


def test_vlans_list_plain_lans_first(editor_api):
    make_vlan(30, "b")
    make_vlan(None, "plain")
    make_vlan(10, "a")
    names = [v["name"] for v in editor_api.get(f"{BASE}/vlans/").json()["results"]]
    assert names == ["plain", "a", "b"]


def test_vrf_and_tag_crud(editor_api):
    vrf = editor_api.post(f"{BASE}/vrfs/", {"name": "blue", "rd": "65000:1"}, format="json")
    assert vrf.status_code == 201
    again = editor_api.post(f"{BASE}/vrfs/", {"name": "green", "rd": "65000:1"}, format="json")
    assert again.status_code == 400
    tag = editor_api.post(f"{BASE}/tags/", {"name": "core", "colour": "red"}, format="json")
    assert tag.status_code == 400 and "colour" in tag.json()


# --- filters --------------------------------------------------------------------
def _addresses(response):
    assert response.status_code == 200, response.content
    return [h["address"] for h in response.json()["results"]]


def _networks(response):
    assert response.status_code == 200, response.content
    return [s["network"] for s in response.json()["results"]]


def test_subnet_filters(viewer_api):
    vrf = make_vrf("red")
    vlan = make_vlan(10, "users")
    tag = make_tag("dmz")
    big = make_subnet("198.18.0.0/15")
    small = make_subnet("198.18.4.0/24", vlan=vlan)
    small.tags.add(tag)
    make_subnet("2001:db8::/48", vrf=vrf)
    assert _networks(viewer_api.get(f"{BASE}/subnets/?within=198.18.0.0/16")) == ["198.18.4.0/24"]
    assert _networks(viewer_api.get(f"{BASE}/subnets/?contains=198.18.4.7")) == [
        "198.18.0.0/15",
        "198.18.4.0/24",
    ]
    assert _networks(viewer_api.get(f"{BASE}/subnets/?tag=dmz")) == ["198.18.4.0/24"]
    assert _networks(viewer_api.get(f"{BASE}/subnets/?vlan={vlan.pk}")) == ["198.18.4.0/24"]
    assert _networks(viewer_api.get(f"{BASE}/subnets/?vrf={vrf.pk}")) == ["2001:db8::/48"]
    assert _networks(viewer_api.get(f"{BASE}/subnets/?family=6")) == ["2001:db8::/48"]
    assert _networks(viewer_api.get(f"{BASE}/subnets/?q=198.18.4")) == ["198.18.4.0/24"]
    assert _networks(viewer_api.get(f"{BASE}/subnets/?q=198.18.4.9")) == [
        "198.18.0.0/15",
        "198.18.4.0/24",
    ]
    bad = viewer_api.get(f"{BASE}/subnets/?within=198.18.0.1/16")
    assert bad.status_code == 400 and "host bits set" in str(bad.json())
    assert big.pk


def test_host_filters(viewer_api):
    net = make_subnet("198.51.100.0/24")
    vrf = make_vrf("red")
    red = make_subnet("203.0.113.0/24", vrf=vrf)
    tag = make_tag("printer")
    up = make_host("198.51.100.10", subnet=net, status="up", hostname="web1")
    make_host("198.51.100.20", subnet=net, status="down", description="old printer")
    make_host("198.51.100.200", subnet=net, mac="00:1a:2b:3c:4d:5e")
    make_host("203.0.113.1", subnet=red)
    up.tags.add(tag)
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?status=up")) == ["198.51.100.10"]
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?status=up&status=down")) == [
        "198.51.100.10",
        "198.51.100.20",
    ]
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?tag=printer")) == ["198.51.100.10"]
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?q=printer")) == [
        "198.51.100.10",
        "198.51.100.20",
    ]
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?within=198.51.100.0/25")) == [
        "198.51.100.10",
        "198.51.100.20",
    ]
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?vrf={vrf.pk}")) == ["203.0.113.1"]
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?mac=4d:5e")) == ["198.51.100.200"]
    vlan = make_vlan(30, "voice")
    red.vlan = vlan
    red.save()
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?vlan={vlan.pk}")) == ["203.0.113.1"]
    assert _addresses(viewer_api.get(f"{BASE}/hosts/?family=6")) == []


def test_hosts_page_with_a_cursor_in_vrf_and_address_order(viewer_api):
    vrf = make_vrf("red")
    net = make_subnet("198.51.100.0/24")
    red = make_subnet("198.51.100.0/24", vrf=vrf)
    v6 = make_subnet("2001:db8::/64")
    expected = []
    for i in (2, 10, 100):  # 10 sorts before 100 and after 2: numeric, not text order
        make_host(f"198.51.100.{i}", subnet=net)
        expected.append(f"198.51.100.{i}")
    make_host("2001:db8::1", subnet=v6)
    expected.append("2001:db8::1")
    make_host("198.51.100.1", subnet=red)
    expected.append("198.51.100.1")
    seen = []
    url = f"{BASE}/hosts/?page_size=2"
    while url:
        body = viewer_api.get(url).json()
        seen += [h["address"] for h in body["results"]]
        url = body["next"]
    assert seen == expected
    last = viewer_api.get(f"{BASE}/hosts/?page_size=2").json()
    second = viewer_api.get(last["next"]).json()
    back = viewer_api.get(second["previous"]).json()
    assert [h["address"] for h in back["results"]] == expected[:2]


# --- allocation -----------------------------------------------------------------
def test_allocate_creates_hosts_on_the_first_free_addresses(editor_api):
    net = make_subnet("198.51.100.0/29")
    make_host("198.51.100.1", subnet=net)
    make_tag("vm")
    response = editor_api.post(
        f"{BASE}/subnets/{net.pk}/allocate",
        {"count": 2, "hostname": "vm", "description": "new VMs", "tags": ["vm"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [h["address"] for h in body] == ["198.51.100.2", "198.51.100.3"]
    assert body[0]["hostname"] == "vm" and body[0]["tags"] == ["vm"]
    assert Host.objects.count() == 3


def test_allocate_in_a_full_subnet_is_a_409_with_a_clear_message(editor_api):
    net = make_subnet("198.51.100.0/30")
    make_host("198.51.100.1", subnet=net)
    response = editor_api.post(f"{BASE}/subnets/{net.pk}/allocate", {"count": 2}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "198.51.100.0/30 has 1 free address(es); 2 were asked for."
    )
    assert Host.objects.count() == 1


def test_free_lists_the_next_free_addresses_without_reserving(viewer_api):
    net = make_subnet("198.51.100.0/24")
    make_host("198.51.100.1", subnet=net)
    response = viewer_api.get(f"{BASE}/subnets/{net.pk}/free?count=3")
    assert response.json() == {
        "subnet": "198.51.100.0/24",
        "addresses": ["198.51.100.2", "198.51.100.3", "198.51.100.4"],
    }
    after = viewer_api.get(f"{BASE}/subnets/{net.pk}/free?count=1&after=198.51.100.200")
    assert after.json()["addresses"] == ["198.51.100.201"]
    assert viewer_api.get(f"{BASE}/subnets/{net.pk}/free?count=0").status_code == 400
    assert Host.objects.count() == 1


def test_subnet_utilisation_counts_used_alive_and_free(viewer_api):
    net = make_subnet("198.51.100.0/24")
    make_host("198.51.100.1", subnet=net, status="up")
    make_host("198.51.100.2", subnet=net)
    body = viewer_api.get(f"{BASE}/subnets/{net.pk}/").json()
    assert body["utilisation"] == {"used": 2, "usable": 254, "alive": 1, "free": 252}


# --- permissions ----------------------------------------------------------------
ENDPOINTS = ["vrfs", "vlans", "tags", "subnets", "hosts"]


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_anonymous_gets_401_everywhere(api_client, kind):
    assert api_client.get(f"{BASE}/{kind}/").status_code == 401
    assert api_client.post(f"{BASE}/{kind}/", {}, format="json").status_code == 401


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_no_access_gets_403_even_for_reads(api_client, nora, kind):
    api_client.force_authenticate(nora)
    assert api_client.get(f"{BASE}/{kind}/").status_code == 403
    assert api_client.post(f"{BASE}/{kind}/", {}, format="json").status_code == 403


@pytest.mark.parametrize("kind", ENDPOINTS)
def test_viewer_reads_but_cannot_write(viewer_api, kind):
    assert viewer_api.get(f"{BASE}/{kind}/").status_code == 200
    assert viewer_api.post(f"{BASE}/{kind}/", {}, format="json").status_code == 403


def test_the_action_endpoints_follow_the_permission_matrix(api_client, nora, victor, erin):
    net = make_subnet("198.51.100.0/24")
    allocate_url = f"{BASE}/subnets/{net.pk}/allocate"
    free_url = f"{BASE}/subnets/{net.pk}/free"
    csv = {"kind": "vlans", "csv": "vid,name\n5,x\n"}
    assert api_client.post(allocate_url, {}, format="json").status_code == 401
    assert api_client.get(free_url).status_code == 401
    assert api_client.post(f"{BASE}/import", csv, format="json").status_code == 401
    api_client.force_authenticate(nora)
    assert api_client.post(allocate_url, {}, format="json").status_code == 403
    assert api_client.get(free_url).status_code == 403
    assert api_client.post(f"{BASE}/import", csv, format="json").status_code == 403
    api_client.force_authenticate(victor)
    assert api_client.post(allocate_url, {}, format="json").status_code == 403
    assert api_client.get(free_url).status_code == 200
    assert api_client.post(f"{BASE}/import", csv, format="json").status_code == 403
    api_client.force_authenticate(erin)
    assert api_client.post(allocate_url, {}, format="json").status_code == 201
    assert api_client.post(f"{BASE}/import", csv, format="json").status_code == 200
    assert not Host.objects.exclude(address="198.51.100.1").exists()


def test_a_viewer_cannot_update_or_delete(viewer_api):
    net = make_subnet()
    assert viewer_api.patch(f"{BASE}/subnets/{net.pk}/", {"name": "x"}).status_code == 403
    assert viewer_api.delete(f"{BASE}/subnets/{net.pk}/").status_code == 403
    assert Subnet.objects.get().name == ""


def test_jwt_access_tokens_work(api_client, erin):
    make_subnet()
    tokens = token_for(api_client, "erin")
    bearer(api_client, tokens["access"])
    assert api_client.get(f"{BASE}/subnets/").json()["count"] == 1
    created = api_client.post(f"{BASE}/vrfs/", {"name": "jwt"}, format="json")
    assert created.status_code == 201
    bearer(api_client, "not-a-token")
    assert api_client.get(f"{BASE}/subnets/").status_code == 401


# --- bounded queries ---------------------------------------------------------------
def test_list_queries_do_not_grow_with_rows(viewer_api):
    make_vrf("red")
    vlan = make_vlan()
    tag = make_tag()
    for i in range(3):
        s = make_subnet(f"198.18.{i}.0/24", vlan=vlan)
        s.tags.add(tag)
        h = make_host(f"198.18.{i}.1", subnet=s)
        h.tags.add(tag)
    viewer_api.get(f"{BASE}/vrfs/")  # loads the user's permissions once
    few = {k: count_queries(viewer_api, f"{BASE}/{k}/") for k in ENDPOINTS}
    for i in range(3, 30):
        make_vrf(f"vrf{i}")
        s = make_subnet(f"198.18.{i}.0/24", vlan=make_vlan(100 + i, f"v{i}"))
        s.tags.add(tag)
        h = make_host(f"198.18.{i}.1", subnet=s)
        h.tags.add(tag)
    many = {k: count_queries(viewer_api, f"{BASE}/{k}/") for k in ENDPOINTS}
    assert many == few
    assert max(many.values()) <= 8


def test_every_ipam_endpoint_is_in_the_openapi_schema_without_warnings():
    from django.conf import settings
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = set(schema["paths"])
    for path in (
        "/api/ipam/vrfs/",
        "/api/ipam/vlans/{id}/",
        "/api/ipam/tags/",
        "/api/ipam/subnets/{id}/allocate/",
        "/api/ipam/subnets/{id}/free/",
        "/api/ipam/hosts/",
        "/api/ipam/import",
    ):
        assert path in paths
    # Relative to the checkout: its own folder name may contain "ipam".
    root = str(settings.BASE_DIR)
    warnings = [str(w).replace(root, "") for w in GENERATOR_STATS._warn_cache]
    ipam_warnings = [w for w in warnings if "ipam" in w.lower()]
    assert ipam_warnings == []
    utilisation = schema["components"]["schemas"]["Utilisation"]["properties"]
    assert set(utilisation) == {"used", "usable", "alive", "free"}


def _hosts_of_every_shape() -> None:
    """Hosts with tags, a MAC, empty and null fields, IPv6, whole and fractional seconds."""
    from datetime import UTC, datetime

    red = make_subnet("198.51.100.0/24", vrf=make_vrf("red"))
    plain = make_subnet("203.0.113.0/24")
    six = make_subnet("2001:db8::/64")
    tagged = make_host("198.51.100.7", subnet=red, hostname="web", mac="00:1a:2b:3c:4d:5e")
    tagged.tags.set([make_tag("web"), make_tag("core")])
    whole = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
    fraction = datetime(2026, 3, 1, 12, 0, 5, 500000, tzinfo=UTC)
    make_host("203.0.113.9", subnet=plain, last_seen=whole, first_seen=fraction, latency_ms=1.5)
    v6 = make_host("2001:db8::1:0:0:ff", subnet=six, description="six", status_changed_at=whole)
    v6.tags.set([make_tag("zeta")])
    Host.objects.filter(pk=v6.pk).update(first_seen=datetime(2026, 3, 1, 0, 0, 0, 1, tzinfo=UTC))


def test_a_host_list_row_is_the_same_as_the_hosts_detail(viewer_api):
    _hosts_of_every_shape()
    red = Subnet.objects.get(network="198.51.100.0/24")
    body = viewer_api.get(f"{BASE}/hosts/")
    rows = body.json()["results"]
    assert [r["vrf"] for r in rows] == [None, None, red.vrf_id]
    for row in rows:
        detail = viewer_api.get(f"{BASE}/hosts/{row['id']}/")
        assert row == detail.json()
        # Byte for byte: the same keys in the same order, the same text of every time.
        assert f'"id":{row["id"]},' in body.content.decode()
        assert detail.content.decode()[1:-1] in body.content.decode()
    assert rows[0]["tags"] == [] and rows[0]["last_seen"] == "2026-03-01T12:00:05Z"
    assert rows[0]["first_seen"] == "2026-03-01T12:00:05.500000Z"
    assert rows[1]["first_seen"] == "2026-03-01T00:00:00.000001Z" and rows[1]["last_seen"] is None
    assert rows[1]["address"] == "2001:db8::1:0:0:ff" and rows[1]["tags"] == ["zeta"]
    assert rows[2]["tags"] == ["core", "web"] and rows[2]["mac"] == "00:1a:2b:3c:4d:5e"


def test_a_host_list_row_is_the_same_as_the_detail_in_another_time_zone(viewer_api, settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    _hosts_of_every_shape()
    rows = viewer_api.get(f"{BASE}/hosts/").json()["results"]
    assert rows[0]["last_seen"] == "2026-03-01T17:30:05+05:30"
    for row in rows:
        assert row == viewer_api.get(f"{BASE}/hosts/{row['id']}/").json()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="counts SQLite's steps")
def test_a_deep_page_of_a_within_walk_costs_what_the_second_page_costs(viewer_api):
    subnet = make_subnet("10.20.0.0/16")
    make_hosts(subnet, [f"10.20.{i // 200}.{i % 200 + 1}" for i in range(2000)])
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0

    url, cost = f"{BASE}/hosts/?within=10.20.0.0/16&page_size=100", []
    connection.ensure_connection()
    connection.connection.set_progress_handler(step, 10)
    try:
        while url:
            steps[0] = 0
            body = viewer_api.get(url).json()
            cost.append(steps[0])
            url = body["next"]
    finally:
        connection.connection.set_progress_handler(None, 0)
    assert len(cost) == 20
    # Reading again the rows before the cursor made page 19 cost three times page 2.
    assert max(cost[1:]) < 1.3 * cost[1], cost
