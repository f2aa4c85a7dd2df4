"""Subnet view and subnet form details a user trips over: the order toggle, single free
addresses, network/gateway/broadcast marks, sorting by a column, allocating in place,
and the subnet form's scan settings."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ipam.flow import FLOW_PAGE
from ipam.models import Host, Subnet
from tests.factories import make_host, make_hosts, make_subnet, make_tag

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def lan() -> Subnet:
    subnet = make_subnet("198.18.0.0/24", name="lan", gateway="198.18.0.1")
    now = timezone.now()
    make_host("198.18.0.2", hostname="zulu", status="up", latency_ms=9.0, last_seen=now)
    make_host("198.18.0.4", hostname="alpha", status="down", last_seen=now - timedelta(days=1))
    make_host("198.18.0.5", hostname="mike", status="up", latency_ms=1.0, last_seen=now)
    return subnet


def _flow(html: str) -> str:
    return html[html.index('id="flow-rows"') :]


def _current(html: str) -> list[str]:
    nav = html[html.index('id="flow-order"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'aria-current="true">([^<]+)<', nav)


def test_alive_first_moves_the_highlight_with_the_swapped_list(
    viewer_client: Client, lan: Subnet
) -> None:
    fragment = viewer_client.get(lan.get_absolute_url() + "?order=alive", headers=HX)
    html = fragment.content.decode()
    # The order buttons live outside #flow: htmx replaces them out of band.
    assert 'id="flow-order" aria-label="Order" hx-swap-oob="true"' in html
    assert _current(html) == ["Alive first"]
    back = viewer_client.get(lan.get_absolute_url(), headers=HX).content.decode()
    assert _current(back) == ["Address order"]
    page = viewer_client.get(lan.get_absolute_url() + "?order=alive").content.decode()
    assert _current(page) == ["Alive first"] and "hx-swap-oob" not in page


def test_a_single_free_address_is_a_row_of_its_own(editor_client: Client, lan: Subnet) -> None:
    flow = _flow(editor_client.get(lan.get_absolute_url()).content.decode())
    # 198.18.0.3 sits alone between two hosts: no "show ▾" to click.
    assert '<td class="addr mono">198.18.0.3</td>' in flow
    assert f'href="/ipam/hosts/new/?subnet={lan.pk}&amp;address=198.18.0.3">Add host here' in flow
    assert "198.18.0.3 · 1 free" not in re.sub(r"<[^>]+>|\s+", " ", flow).replace("  ", " ")
    assert flow.count("show ▾") == 1  # only the long run after .5


def test_network_gateway_and_broadcast_are_marked(editor_client: Client, lan: Subnet) -> None:
    flow = _flow(editor_client.get(lan.get_absolute_url()).content.decode())
    roles = re.findall(r'<tr class="mark-row" data-role="(\w+)">.*?mono">([^<]+)<', flow)
    assert roles == [
        ("network", "198.18.0.0"),
        ("gateway", "198.18.0.1"),
        ("broadcast", "198.18.0.255"),
    ]
    # In address order: network first, broadcast last, the gateway between them.
    assert flow.index("198.18.0.0<") < flow.index("198.18.0.1<") < flow.index(">198.18.0.2<")
    assert flow.index("198.18.0.6 – 198.18.0.254") < flow.index("198.18.0.255<")


def test_a_gateway_that_is_a_host_is_marked_on_its_row(viewer_client: Client, lan: Subnet) -> None:
    make_host("198.18.0.1", hostname="router")
    flow = _flow(viewer_client.get(lan.get_absolute_url()).content.decode())
    assert '>198.18.0.1</a> <span class="pill pill-role">gateway</span>' in flow
    assert 'data-role="gateway"' not in flow


def test_a_gateway_outside_the_usable_range_is_refused(editor_client: Client) -> None:
    data = {"network": "198.18.1.0/24", "gateway": "198.18.1.255", "scan_interval": 5}
    response = editor_client.post(reverse("ipam:subnet_create"), data)
    assert response.status_code == 200 and not Subnet.objects.exists()
    assert "198.18.1.255 is not a usable address of 198.18.1.0/24" in response.content.decode()


def test_the_api_reads_and_checks_the_gateway(api_client: Any, alice: Any) -> None:
    api_client.force_authenticate(alice)
    bad = api_client.post("/api/ipam/subnets/", {"network": "198.18.2.0/24", "gateway": "10.0.0.1"})
    assert bad.status_code == 400 and "gateway" in bad.json()
    good = api_client.post(
        "/api/ipam/subnets/", {"network": "198.18.2.0/24", "gateway": "198.18.2.1"}
    )
    assert good.status_code == 201 and good.json()["gateway"] == "198.18.2.1"


def _hostnames(html: str) -> list[str]:
    return re.findall(r'<td class="hostname">([a-z]+)', _flow(html))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("hostname", ["alpha", "mike", "zulu"]),
        ("-hostname", ["zulu", "mike", "alpha"]),
        ("latency", ["mike", "zulu", "alpha"]),  # no latency: last
        ("-last_seen", ["zulu", "mike", "alpha"]),
        ("status", ["alpha", "zulu", "mike"]),  # down before up; address breaks the tie
    ],
)
def test_clicking_a_column_header_sorts_by_it(
    viewer_client: Client, lan: Subnet, sort: str, expected: list[str]
) -> None:
    if sort == "-last_seen":
        Host.objects.filter(hostname="mike").update(last_seen=timezone.now() - timedelta(hours=1))
    html = viewer_client.get(lan.get_absolute_url() + f"?sort={sort}").content.decode()
    assert _hostnames(html) == expected
    name = sort.lstrip("-")
    direction = "descending" if sort.startswith("-") else "ascending"
    header = re.search(r'<th scope="col" aria-sort="(\w+)"><a class="sort" href="([^"]+)"', html)
    assert header is not None and header.group(1) == direction
    flip = name if sort.startswith("-") else f"-{name}"
    assert header.group(2).endswith(f"?sort={flip}")
    assert 'class="free-run"' not in _flow(html)


def test_the_address_header_returns_to_the_flow(viewer_client: Client, lan: Subnet) -> None:
    html = viewer_client.get(lan.get_absolute_url()).content.decode()
    assert (
        f'<th scope="col" aria-sort="ascending"><a class="sort" href="{lan.get_absolute_url()}"'
        in html
    )
    assert f'href="{lan.get_absolute_url()}?sort=hostname"' in html


def test_a_sorted_page_pages_and_costs_the_same_queries_for_more_hosts(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    subnet = make_subnet("198.18.0.0/16")
    tag = make_tag("dc")
    make_hosts(subnet, [f"198.18.0.{n}" for n in range(1, 11)], status="up")
    for host in Host.objects.all():
        host.tags.add(tag)
    url = subnet.get_absolute_url() + "?sort=-hostname"
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(url)
    make_hosts(subnet, [f"198.18.1.{n}" for n in range(1, 256)], status="up")
    with CaptureQueriesContext(connection) as many:
        html = viewer_client.get(url).content.decode()
    assert len(few.captured_queries) == len(many.captured_queries)
    assert html.count('<tr class="host-row"') == FLOW_PAGE
    assert "sort=-hostname&amp;page=2" in html
    shown = FLOW_PAGE
    for number in range(2, 10):
        page = viewer_client.get(url + f"&page={number}", headers=HX).content.decode()
        shown += page.count('<tr class="host-row"')
        if f"page={number + 1}" not in page:
            break
    assert shown == 265
    with django_assert_max_num_queries(16):
        viewer_client.get(url)


def test_a_bad_sort_or_page_falls_back_quietly(viewer_client: Client, lan: Subnet) -> None:
    for query in ("?sort=password", "?sort=hostname&page=zz", "?sort=hostname&page=-3"):
        assert viewer_client.get(lan.get_absolute_url() + query).status_code == 200


# --- allocate N ------------------------------------------------------------------------------


def test_the_several_addresses_rule_shows_before_any_failure(
    editor_client: Client, lan: Subnet
) -> None:
    html = editor_client.get(reverse("ipam:subnet_next_free", args=[lan.pk]), headers=HX)
    assert "leave it empty when allocating several" in html.content.decode()


def test_allocation_errors_come_back_in_place_for_htmx(editor_client: Client, lan: Subnet) -> None:
    url = reverse("ipam:subnet_allocate", args=[lan.pk])
    html = editor_client.get(reverse("ipam:subnet_next_free", args=[lan.pk]), headers=HX)
    assert f'hx-post="{url}" hx-target="closest .next-free"' in html.content.decode()
    response = editor_client.post(url, {"count": 2, "hostname": "web"}, headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith('<div class="next-free">')
    assert "Leave the hostname empty when allocating several addresses." in body
    assert Host.objects.count() == 3


def test_allocation_errors_without_script_show_the_whole_subnet_page(
    editor_client: Client, lan: Subnet
) -> None:
    url = reverse("ipam:subnet_allocate", args=[lan.pk])
    response = editor_client.post(url, {"count": 2, "hostname": "web"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Leave the hostname empty when allocating several addresses." in body
    assert 'class="tabs"' in body or 'aria-label="IPAM"' in body
    assert 'id="flow-rows"' in body and ">198.18.0.2<" in body


def test_allocating_by_htmx_goes_to_the_new_addresses_never_the_gateway(
    editor_client: Client, lan: Subnet
) -> None:
    url = reverse("ipam:subnet_allocate", args=[lan.pk])
    response = editor_client.post(url, {"count": 1, "hostname": "web"}, headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(lan.get_absolute_url() + "?jump=198.18.0.3")
    assert Host.objects.get(hostname="web").address == "198.18.0.3"


# --- subnet form ---------------------------------------------------------------------------


def test_the_subnet_form_offers_scan_profiles_as_a_choice(admin_client: Client) -> None:
    from discovery.models import ScanProfileDef

    ScanProfileDef.objects.create(name="web", label="Web ports", ports="list", port_list="80,443")
    html = admin_client.get(reverse("ipam:subnet_create")).content.decode()
    select = html[html.index('<select name="nmap_profile"') :]
    select = select[: select.index("</select>")]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "quick", "standard", "web"]
    data = {"network": "198.18.3.0/24", "scan_interval": 5, "nmap_profile": "no-such-profile"}
    response = admin_client.post(reverse("ipam:subnet_create"), data)
    assert "Select a valid choice" in response.content.decode()
    assert not Subnet.objects.exists()


def test_the_subnet_form_says_vrf_and_vlan_and_marks_the_scan_settings(
    admin_client: Client,
) -> None:
    html = admin_client.get(reverse("ipam:subnet_create")).content.decode()
    assert '<label for="id_vrf">VRF</label>' in html
    assert '<label for="id_vlan">VLAN</label>' in html
    for name in ("scan_interval", "nmap_profile", "dns_resolver"):
        tag = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*>', html)
        assert tag is not None and "data-scan-setting" in tag.group(0)
    # ipam.css hides them while the box is unticked: no script involved.
    from django.contrib.staticfiles import finders

    with open(finders.find("css/ipam.css")) as stylesheet:
        css = stylesheet.read()
    assert (
        "form:has(#id_scan_enabled:not(:checked)) .field:has([data-scan-setting]) "
        "{ display: none; }" in css
    )


def test_a_subnet_without_scanning_says_scanning_off(viewer_client: Client, lan: Subnet) -> None:
    html = viewer_client.get(lan.get_absolute_url()).content.decode()
    assert "<span>Scanning off</span>" in html and "Not scanned" not in html
