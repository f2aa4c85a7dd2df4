"""IPAM pages: who may see and change what, forms with field errors, list pages' query counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ipam.models import VLAN, VRF, Host, Subnet, Tag
from tests.conftest import count_queries
from tests.factories import make_host, make_hosts, make_subnet, make_tag, make_vlan, make_vrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """One of everything, so that every page has an object to show."""
    vrf = make_vrf("lab")
    vlan = make_vlan(20, "servers")
    tag = make_tag("core")
    top = make_subnet("198.18.0.0/16", name="campus")
    subnet = make_subnet("198.18.1.0/24", name="servers", vlan=vlan)
    subnet.tags.add(tag)
    host = make_host("198.18.1.10", hostname="db-1")
    return {"vrf": vrf, "vlan": vlan, "tag": tag, "top": top, "subnet": subnet, "host": host}


# (URL name, the object in `world` whose pk goes in the URL or None, query string)
READS = [
    ("ipam:index", None, ""),
    ("ipam:subnet_list", None, ""),
    ("ipam:subnet_detail", "subnet", ""),
    ("ipam:subnet_children", "top", ""),
    ("ipam:subnet_free", "subnet", "?first=198.18.1.1&last=198.18.1.9"),
    ("ipam:subnet_next_free", "subnet", ""),
    ("ipam:host_list", None, ""),
    ("ipam:host_detail", "host", ""),
    ("ipam:host_inline", "host", "?show=1"),
    ("ipam:vrf_list", None, ""),
    ("ipam:vrf_detail", "vrf", ""),
    ("ipam:vlan_list", None, ""),
    ("ipam:vlan_detail", "vlan", ""),
    ("ipam:tag_list", None, ""),
    ("ipam:tag_detail", "tag", ""),
    ("ipam:search", None, "?q=198.18"),
]
WRITES = [
    ("ipam:subnet_create", None, ""),
    ("ipam:subnet_edit", "subnet", ""),
    ("ipam:subnet_delete", "subnet", ""),
    ("ipam:host_create", None, ""),
    ("ipam:host_edit", "host", ""),
    ("ipam:host_delete", "host", ""),
    ("ipam:host_inline", "host", ""),
    ("ipam:vrf_create", None, ""),
    ("ipam:vrf_edit", "vrf", ""),
    ("ipam:vrf_delete", "vrf", ""),
    ("ipam:vlan_create", None, ""),
    ("ipam:vlan_edit", "vlan", ""),
    ("ipam:vlan_delete", "vlan", ""),
    ("ipam:tag_create", None, ""),
    ("ipam:tag_edit", "tag", ""),
    ("ipam:tag_delete", "tag", ""),
]


def _url(world: dict[str, Any], name: str, key: str | None, query: str) -> str:
    args = [world[key].pk] if key else []
    return reverse(name, args=args) + query


@pytest.mark.parametrize(("name", "key", "query"), READS + WRITES)
def test_it_sends_anonymous_visitors_to_the_sign_in_page(
    client: Client, world: dict[str, Any], name: str, key: str | None, query: str
) -> None:
    response = client.get(_url(world, name, key, query))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(("name", "key", "query"), READS + WRITES)
def test_it_refuses_users_without_a_role(
    noaccess_client: Client, world: dict[str, Any], name: str, key: str | None, query: str
) -> None:
    assert noaccess_client.get(_url(world, name, key, query)).status_code == 403


@pytest.mark.parametrize(("name", "key", "query"), READS)
def test_viewers_read_every_page(
    viewer_client: Client, world: dict[str, Any], name: str, key: str | None, query: str
) -> None:
    assert viewer_client.get(_url(world, name, key, query)).status_code == 200


@pytest.mark.parametrize(("name", "key", "query"), WRITES)
def test_viewers_cannot_open_or_post_forms(
    viewer_client: Client, world: dict[str, Any], name: str, key: str | None, query: str
) -> None:
    url = _url(world, name, key, query)
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"name": "x", "hostname": "x"}).status_code == 403


@pytest.mark.parametrize(("name", "key", "query"), READS + WRITES)
def test_editors_open_every_page_and_form(
    editor_client: Client, world: dict[str, Any], name: str, key: str | None, query: str
) -> None:
    assert editor_client.get(_url(world, name, key, query)).status_code == 200


def test_viewers_cannot_allocate(viewer_client: Client, world: dict[str, Any]) -> None:
    url = reverse("ipam:subnet_allocate", args=[world["subnet"].pk])
    assert viewer_client.post(url, {"count": 1}).status_code == 403
    assert Host.objects.count() == 1


def test_viewers_see_no_edit_buttons(viewer_client: Client, world: dict[str, Any]) -> None:
    page = viewer_client.get(world["subnet"].get_absolute_url()).content.decode()
    assert reverse("ipam:subnet_edit", args=[world["subnet"].pk]) not in page
    assert reverse("ipam:host_inline", args=[world["host"].pk]) not in page
    assert "Scan now" not in page


# --- forms ---------------------------------------------------------------------------


def test_it_shows_a_bad_network_next_to_the_field(editor_client: Client, world: dict) -> None:
    response = editor_client.post(reverse("ipam:subnet_create"), {"network": "198.18.5.1/24"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_network_error"' in html
    assert "198.18.5.1/24 has host bits set: the network is 198.18.5.0/24" in html
    # Reported once, although the field and the model's clean() both find it.
    assert html.count("has host bits set") == 1
    assert not Subnet.objects.filter(network="198.18.5.0/24").exists()


def test_it_refuses_a_duplicate_subnet_in_the_same_vrf(editor_client: Client, world: dict) -> None:
    response = editor_client.post(reverse("ipam:subnet_create"), {"network": "198.18.1.0/24"})
    assert "198.18.1.0/24 already exists in the global table." in response.content.decode()


def test_it_creates_a_subnet_with_new_tags_and_finds_its_parent(
    editor_client: Client, world: dict
) -> None:
    data = {"network": "198.18.7.0/24", "name": "lab", "tags": "lab, Core", "scan_interval": 5}
    response = editor_client.post(reverse("ipam:subnet_create"), data)
    subnet = Subnet.objects.get(network="198.18.7.0/24")
    assert response.status_code == 302 and response["Location"] == subnet.get_absolute_url()
    assert subnet.parent == world["top"]
    assert sorted(t.name for t in subnet.tags.all()) == ["core", "lab"]


def test_it_explains_a_tag_name_it_cannot_use(editor_client: Client, world: dict) -> None:
    url = reverse("ipam:subnet_edit", args=[world["subnet"].pk])
    response = editor_client.post(url, {"network": "198.18.1.0/24", "tags": "two words"})
    assert "two words: a tag name may hold only letters" in response.content.decode()


def test_it_places_a_new_host_in_the_most_specific_subnet(
    editor_client: Client, world: dict
) -> None:
    data = {"address": "198.18.1.77", "hostname": "nas", "mac": "00-1A-2B-3C-4D-5E"}
    response = editor_client.post(reverse("ipam:host_create"), data)
    host = Host.objects.get(address="198.18.1.77")
    assert response.status_code == 302
    assert host.subnet == world["subnet"] and host.mac == "00:1a:2b:3c:4d:5e"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "203.0.113.5",
            "No subnet in the global table contains 203.0.113.5: add the subnet first.",
        ),
        ("198.18.1.010", "198.18.1.010 has a leading zero in an octet: write 198.18.1.10."),
        ("198.18.1.10", "198.18.1.10 is already in use in the global table."),
        ("banana", "banana is not an IPv4 or IPv6 address."),
    ],
)
def test_it_shows_host_address_errors_next_to_the_field(
    editor_client: Client, world: dict, address: str, message: str
) -> None:
    response = editor_client.post(reverse("ipam:host_create"), {"address": address})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_address_error"' in html and message in html


def test_it_prefills_the_host_form_from_add_host_here(editor_client: Client, world: dict) -> None:
    url = reverse("ipam:host_create") + f"?subnet={world['subnet'].pk}&address=198.18.1.44"
    assert 'value="198.18.1.44"' in editor_client.get(url).content.decode()


def test_it_refuses_a_vlan_id_out_of_range(editor_client: Client, world: dict) -> None:
    response = editor_client.post(reverse("ipam:vlan_create"), {"vid": 5000, "name": "x"})
    assert response.status_code == 200
    assert 'id="id_vid_error"' in response.content.decode()
    assert not VLAN.objects.filter(name="x").exists()


def test_it_saves_vrfs_and_tags_and_lands_on_their_pages(
    editor_client: Client, world: dict
) -> None:
    response = editor_client.post(reverse("ipam:vrf_create"), {"name": "red", "rd": "65000:1"})
    assert response["Location"] == VRF.objects.get(name="red").get_absolute_url()
    response = editor_client.post(reverse("ipam:tag_create"), {"name": "edge", "colour": "#112233"})
    assert response["Location"] == reverse(
        "ipam:tag_detail", args=[Tag.objects.get(name="edge").pk]
    )


def test_it_refuses_to_delete_a_subnet_whose_hosts_have_nowhere_to_go(
    editor_client: Client,
) -> None:
    lone = make_subnet("198.19.0.0/24")
    make_host("198.19.0.5")
    response = editor_client.post(reverse("ipam:subnet_delete", args=[lone.pk]))
    assert response.status_code == 409
    assert "198.19.0.0/24 still has hosts and no parent subnet" in response.content.decode()
    assert Subnet.objects.filter(pk=lone.pk).exists()


def test_deleting_a_subnet_hands_its_hosts_to_the_parent(
    editor_client: Client, world: dict
) -> None:
    response = editor_client.post(reverse("ipam:subnet_delete", args=[world["subnet"].pk]))
    assert response["Location"] == world["top"].get_absolute_url()
    assert Host.objects.get(pk=world["host"].pk).subnet == world["top"]


def test_it_refuses_to_delete_a_vrf_that_still_has_subnets(editor_client: Client) -> None:
    vrf = make_vrf("red")
    make_subnet("198.18.0.0/24", vrf=vrf)
    response = editor_client.post(reverse("ipam:vrf_delete", args=[vrf.pk]))
    assert response.status_code == 409
    assert "VRF red is still used by 1 object(s)" in response.content.decode()


def test_deleting_a_host_returns_to_its_place_in_the_subnet(
    editor_client: Client, world: dict
) -> None:
    response = editor_client.post(reverse("ipam:host_delete", args=[world["host"].pk]))
    assert response["Location"].startswith(world["subnet"].get_absolute_url() + "?jump=198.18.1.10")
    assert not Host.objects.filter(pk=world["host"].pk).exists()


# --- lists ---------------------------------------------------------------------------


def _populate(subnets: int, hosts_each: int) -> None:
    vlan = make_vlan(30, "users")
    tag = make_tag("access")
    for i in range(subnets):
        subnet = make_subnet(f"198.18.{i}.0/24", vlan=vlan, vrf=None)
        subnet.tags.add(tag)
        make_hosts(subnet, [f"198.18.{i}.{n}" for n in range(1, hosts_each + 1)], status="up")


def test_the_subnet_list_costs_the_same_queries_for_10_or_200_subnets(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    _populate(10, 3)
    urls = ["/ipam/subnets/?family=4", "/ipam/subnets/"]
    few = [count_queries(viewer_client, url) for url in urls]
    for i in range(10, 60):
        make_subnet(f"198.18.{i}.0/24")
    make_hosts(
        Subnet.objects.get(network="198.18.11.0/24"), [f"198.18.11.{n}" for n in range(1, 201)]
    )
    many = [count_queries(viewer_client, url) for url in urls]
    assert few == many
    for url in urls:
        # 7: the session, the count, the filter's VRFs, VLANs, sites and tag names, and the
        # subnets with their usage and tags.
        with django_assert_max_num_queries(7):
            viewer_client.get(url)


def test_the_subnet_list_shows_usage_and_the_top_of_the_tree(
    viewer_client: Client, world: dict
) -> None:
    make_hosts(world["subnet"], ["198.18.1.20", "198.18.1.21"], status="up")
    html = viewer_client.get("/ipam/subnets/").content.decode()
    # Only the top level; the /24 loads when its parent opens.
    assert "198.18.0.0/16" in html and "198.18.1.0/24" not in html
    assert "3 / 65,534" in html
    children = viewer_client.get(reverse("ipam:subnet_children", args=[world["top"].pk]))
    text = children.content.decode()
    assert "198.18.1.0/24" in text and "3 / 254" in text and "20 servers" in text
    assert 'href="/ipam/subnets/?tag=core"' in text


def test_a_subnet_with_children_opens_with_a_button_beside_its_links_not_around_them(
    viewer_client: Client, world: dict
) -> None:
    html = viewer_client.get("/ipam/subnets/").content.decode()
    # A <summary> is a control: links inside it are nested interactive controls (axe).
    assert "<summary" not in html.split("<main", 1)[1]
    top = world["top"].pk
    assert f'aria-controls="subnet-children-{top}"' in html
    assert f'<ul class="children" id="subnet-children-{top}" hidden>' in html
    assert f'hx-get="{reverse("ipam:subnet_children", args=[top])}"' in html


def test_the_subnet_list_filters_by_cidr_and_reports_bad_input(
    viewer_client: Client, world: dict
) -> None:
    html = viewer_client.get("/ipam/subnets/?within=198.18.1.0/25").content.decode()
    assert "0 subnets match" in html
    html = viewer_client.get("/ipam/subnets/?contains=198.18.1.10").content.decode()
    assert "2 subnets match" in html and "198.18.1.0/24" in html
    response = viewer_client.get("/ipam/subnets/?within=198.18.1.0/33")
    assert response.status_code == 200
    assert "the prefix length must be 0–32" in response.content.decode()


def test_the_subnet_list_answers_htmx_with_the_fragment(viewer_client: Client, world: dict) -> None:
    response = viewer_client.get("/ipam/subnets/?q=servers", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "198.18.1.0/24" in html and "<html" not in html


def test_the_vlan_list_puts_plain_lans_first(viewer_client: Client) -> None:
    make_vlan(300, "voice")
    make_vlan(None, "office lan")
    make_vlan(5, "mgmt")
    html = viewer_client.get("/ipam/vlans/").content.decode()
    assert html.index("office lan") < html.index("mgmt") < html.index("voice")


def test_the_host_list_filters_by_status(viewer_client: Client, world: dict) -> None:
    make_host("198.18.1.11", status="up", hostname="web-1")
    html = viewer_client.get("/ipam/hosts/?status=up").content.decode()
    assert "web-1" in html and "db-1" not in html


def test_lists_link_to_the_csv_export_with_their_filters(
    viewer_client: Client, world: dict
) -> None:
    html = viewer_client.get("/ipam/hosts/?status=up").content.decode()
    assert f"{reverse('ipam:export', args=['hosts'])}?status=up" in html
    html = viewer_client.get("/ipam/subnets/?family=4").content.decode()
    assert f"{reverse('ipam:export', args=['subnets'])}?family=4" in html
    assert (
        reverse("ipam:export", args=["vlans"]) in viewer_client.get("/ipam/vlans/").content.decode()
    )


def test_the_tag_list_counts_subnets_and_hosts(viewer_client: Client, world: dict) -> None:
    world["host"].tags.add(world["tag"])
    make_host("198.18.1.11").tags.add(world["tag"])
    html = viewer_client.get("/ipam/tags/").content.decode()
    assert re.search(
        r">core</a></td><td></td><td class=\"num\">1</td><td class=\"num\">2</td>", html
    )


def test_the_host_list_costs_the_same_queries_for_10_or_200_hosts(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.0.0/24")
    tag = make_tag("rack")
    make_hosts(subnet, [f"198.18.0.{n}" for n in range(1, 11)])
    for host in Host.objects.all():
        host.tags.add(tag)
    few = count_queries(viewer_client, "/ipam/hosts/?q=198.18")
    make_hosts(subnet, [f"198.18.0.{n}" for n in range(11, 211)])
    many = count_queries(viewer_client, "/ipam/hosts/?q=198.18")
    assert few == many
    html = viewer_client.get("/ipam/hosts/?q=198.18").content.decode()
    assert "210 hosts" in html and html.count('class="host-row"') == 100


def test_a_hostname_typed_in_the_host_form_wins_over_ptr(
    editor_client: Client, world: dict
) -> None:
    host = world["host"]
    Host.objects.filter(pk=host.pk).update(hostname_source="ptr")
    data = {"address": "198.18.1.10", "hostname": "db-primary", "tags": "core"}
    response = editor_client.post(reverse("ipam:host_edit", args=[host.pk]), data)
    assert response.status_code == 302
    host.refresh_from_db()
    assert (host.hostname, host.hostname_source) == ("db-primary", "manual")
    assert [t.name for t in host.tags.all()] == ["core"]


def test_the_subnet_list_filters_by_a_typed_tag_and_offers_the_names(
    viewer_client: Client, world: dict
) -> None:
    make_subnet("198.18.2.0/24")
    html = viewer_client.get("/ipam/subnets/?tag=core").content.decode()
    assert "1 subnet match" in html and "198.18.1.0/24" in html and "198.18.2.0/24" not in html
    assert '<option value="core">' in html and 'name="tag" list="tag-names" value="core"' in html
    html = viewer_client.get("/ipam/subnets/?tag=nope").content.decode()
    assert "Select a valid choice" in html
