"""Top-bar search: addresses (full or partial), CIDRs, hostnames, MACs, descriptions, tags."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import make_host, make_hosts, make_subnet, make_tag, make_vlan, make_vrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def network() -> None:
    make_subnet("198.18.0.0/16", name="campus")
    office = make_subnet("198.18.1.0/24", name="office")
    make_subnet("198.18.2.0/24", name="lab")
    printer = make_host(
        "198.18.1.10", hostname="printer-3f", description="Toner in cupboard", mac="001a.2b3c.4d5e"
    )
    printer.tags.add(make_tag("printers"))
    office.tags.add(make_tag("floor-3"))
    make_host("198.18.1.100", hostname="nas")
    make_host("198.18.2.5", hostname="bench")
    make_vlan(42, "printers-vlan", description="Printers on floor 3")
    make_vrf("guest", rd="65000:42")


def _search(client: Client, q: str) -> str:
    response = client.get("/ipam/search/", {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def _group(html: str, kind: str) -> str:
    """The HTML of one result group, or "" when the page has none of that kind."""
    match = re.search(
        rf'<section class="result-group" aria-labelledby="rg-{kind}">(.*?)</section>', html, re.S
    )
    return match.group(1) if match else ""


def test_a_full_address_finds_the_host_and_the_subnets_holding_it(
    viewer_client: Client, network: None
) -> None:
    html = _search(viewer_client, "198.18.1.10")
    hosts = _group(html, "host")
    assert ">198.18.1.10</a>" in hosts and "198.18.1.100" in hosts  # partial match too
    subnets = _group(html, "subnet")
    assert (
        "198.18.0.0/16" in subnets and "198.18.1.0/24" in subnets and "198.18.2.0/24" not in subnets
    )


def test_a_partial_address_finds_hosts_starting_with_it(
    viewer_client: Client, network: None
) -> None:
    hosts = _group(_search(viewer_client, "198.18.2."), "host")
    assert "198.18.2.5" in hosts and "198.18.1.10" not in hosts


def test_a_cidr_finds_subnets_within_and_containing_it_and_hosts_inside(
    viewer_client: Client, network: None
) -> None:
    html = _search(viewer_client, "198.18.0.0/22")
    subnets = _group(html, "subnet")
    for net in ("198.18.0.0/16", "198.18.1.0/24", "198.18.2.0/24"):
        assert net in subnets
    hosts = _group(html, "host")
    assert "198.18.1.10" in hosts and "198.18.2.5" in hosts


@pytest.mark.parametrize(
    "q", ["printer", "PRINTER-3", "00:1A:2B", "001a.2b3c.4d5e", "00-1a-2b-3c", "toner", "printers"]
)
def test_it_finds_a_host_by_name_mac_description_or_tag(
    viewer_client: Client, network: None, q: str
) -> None:
    hosts = _group(_search(viewer_client, q), "host")
    assert "198.18.1.10" in hosts and "198.18.1.100" not in hosts


def test_it_finds_vlans_vrfs_tags_and_tagged_subnets(viewer_client: Client, network: None) -> None:
    html = _search(viewer_client, "floor-3")
    assert "198.18.1.0/24" in _group(html, "subnet")
    assert "floor-3" in _group(html, "tag")
    html = _search(viewer_client, "42")
    assert "printers-vlan" in _group(html, "vlan") and "guest" in _group(html, "vrf")


def test_results_link_hosts_to_their_place_in_the_subnet_view(
    viewer_client: Client, network: None
) -> None:
    hosts = _group(_search(viewer_client, "bench"), "host")
    assert re.search(r'href="/ipam/subnets/\d+/\?jump=198\.18\.2\.5#a-\d+"', hosts)


def test_every_group_is_bounded_and_links_to_the_full_list(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.4.0/24")
    make_hosts(subnet, [f"198.18.4.{n}" for n in range(1, 60)], description="rack 7")
    html = _search(viewer_client, "rack 7")
    hosts = _group(html, "host")
    assert hosts.count('data-result href="/ipam/subnets/') == 20
    assert 'href="/ipam/hosts/?q=rack+7"' in hosts


def test_nothing_found_says_so(viewer_client: Client, network: None) -> None:
    assert "Nothing matches “zebra”." in _search(viewer_client, "zebra")


def test_the_empty_search_explains_what_it_takes(viewer_client: Client) -> None:
    assert "Type an address" in _search(viewer_client, "")


def test_htmx_gets_only_the_results(viewer_client: Client, network: None) -> None:
    response = viewer_client.get("/ipam/search/", {"q": "nas"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "198.18.1.100" in html and "<html" not in html and "data-results" in html


def test_search_needs_a_role(client: Client, noaccess_client: Client) -> None:
    assert noaccess_client.get("/ipam/search/", {"q": "x"}).status_code == 403
    response = client.get("/ipam/search/", {"q": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_search_page_loads_the_keyboard_script(viewer_client: Client) -> None:
    html = _search(viewer_client, "x")
    assert "/static/js/ipam.js" in html and "data-results" in html


def test_search_costs_the_same_queries_however_many_match(viewer_client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    subnet = make_subnet("198.18.4.0/24")
    make_hosts(subnet, [f"198.18.4.{n}" for n in range(1, 6)], description="rack 7")
    with CaptureQueriesContext(connection) as few:
        _search(viewer_client, "rack")
    make_hosts(subnet, [f"198.18.4.{n}" for n in range(6, 200)], description="rack 7")
    with CaptureQueriesContext(connection) as many:
        html = _search(viewer_client, "rack")
    assert len(few.captured_queries) == len(many.captured_queries) <= 14
    assert len(html) < 60_000


@pytest.mark.parametrize("q", ["db-01", "DB-01", "cafe.0042", "be:ef"])
def test_text_that_could_start_a_mac_finds_names_and_macs_alike(
    viewer_client: Client, q: str
) -> None:
    subnet = make_subnet("198.18.5.0/24")
    make_host("198.18.5.1", subnet, hostname="db-01", description="cafe.0042 be:ef")
    make_host("198.18.5.2", subnet, mac="db:01:ca:fe:00:42")
    make_host("198.18.5.3", subnet, mac="ca:fe:00:42:be:ef")
    make_host("198.18.5.4", subnet, mac="be:ef:00:00:00:01")
    make_host("198.18.5.9", subnet, hostname="web-9")
    hosts = _group(_search(viewer_client, q), "host")
    by_mac = {"db-01": "198.18.5.2", "DB-01": "198.18.5.2", "cafe.0042": "198.18.5.3"}
    by_mac["be:ef"] = "198.18.5.4"
    assert "198.18.5.1" in hosts and by_mac[q] in hosts and "198.18.5.9" not in hosts


def test_a_whole_mac_finds_only_that_mac(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.6.0/24")
    make_host("198.18.6.1", subnet, mac="00:1a:2b:3c:4d:5e")
    make_host("198.18.6.2", subnet, description="00-1a-2b-3c-4d-5e on a sticker")
    hosts = _group(_search(viewer_client, "00-1A-2B-3C-4D-5E"), "host")
    assert "198.18.6.1" in hosts and "198.18.6.2" not in hosts
