"""Search shows the VRF, address order and columns; the top bar suggests while typing;
the hosts list filters by the global table and ticks statuses in line."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_host, make_subnet, make_vrf

pytestmark = pytest.mark.django_db
TYPEAHEAD = {"HX-Request": "true", "HX-Target": "typeahead"}


def _host_rows(html: str) -> list[list[str]]:
    table = html[html.index('data-kind="host"') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody>") :]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_the_same_address_in_two_vrfs_shows_each_vrf(viewer_client: Client) -> None:
    from ipam.models import Subnet

    make_subnet("198.18.7.0/24", name="plain")
    red = make_subnet("198.18.7.0/24", name="coloured", vrf=make_vrf("red"))
    make_host("198.18.7.5", Subnet.objects.get(vrf=None), hostname="one")
    make_host("198.18.7.5", red, hostname="two")
    html = viewer_client.get(reverse("ipam:search"), {"q": "198.18.7.5"}).content.decode()
    rows = _host_rows(html)
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("198.18.7.5", "global", "one"),
        ("198.18.7.5", "red", "two"),
    ]


def test_results_come_in_address_order_as_columns(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.8.0/24")
    for address in ("198.18.8.108", "198.18.8.100", "198.18.8.9", "198.18.8.10"):
        make_host(address, subnet, hostname="web")
    html = viewer_client.get(reverse("ipam:search"), {"q": "web"}).content.decode()
    assert '<th scope="col">Address</th><th scope="col">VRF</th>' in html
    rows = _host_rows(html)
    assert [r[0] for r in rows] == ["198.18.8.9", "198.18.8.10", "198.18.8.100", "198.18.8.108"]
    # Every row has the same cells: columns, not a ragged list.
    assert {len(r) for r in rows} == {8}


def test_the_top_bar_suggests_while_typing(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.8.0/24", name="office")
    make_host("198.18.8.20", subnet, hostname="printer")
    page = viewer_client.get(reverse("ipam:subnet_list")).content.decode()
    form = re.search(r'<form class="topsearch"[^>]*>', page)
    assert form is not None
    assert 'hx-get="/ipam/search/"' in form.group(0) and 'hx-target="#typeahead"' in form.group(0)
    assert "delay:250ms" in form.group(0)
    assert 'src="/static/js/typeahead.js"' in page
    html = viewer_client.get(reverse("ipam:search"), {"q": "print"}, headers=TYPEAHEAD)
    body = html.content.decode()
    assert body.startswith('<div class="typeahead-panel" data-results>')
    assert 'href="/ipam/subnets/' in body and ">198.18.8.20</span> printer" in body
    assert 'href="/ipam/search/?q=print">All results for “print” →' in body
    assert "<html" not in body


def test_suggestions_are_short_and_say_when_nothing_matches(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.8.0/24")
    for n in range(1, 12):
        make_host(f"198.18.8.{n}", subnet, hostname=f"node{n}")
    body = viewer_client.get(reverse("ipam:search"), {"q": "node"}, headers=TYPEAHEAD)
    assert body.content.decode().count("<li>") == 5
    empty = viewer_client.get(reverse("ipam:search"), {"q": "zzz"}, headers=TYPEAHEAD)
    assert "Nothing matches “zzz”" in empty.content.decode()


def test_suggestions_refuse_someone_without_a_role(noaccess_client: Client) -> None:
    response = noaccess_client.get(reverse("ipam:search"), {"q": "x"}, headers=TYPEAHEAD)
    assert response.status_code == 403


def test_the_hosts_list_filters_the_global_table(viewer_client: Client) -> None:
    from ipam.models import Subnet

    make_subnet("198.18.7.0/24")
    red = make_subnet("198.18.7.0/24", vrf=make_vrf("red"))
    make_host("198.18.7.5", Subnet.objects.get(vrf=None), hostname="plain")
    make_host("198.18.7.6", red, hostname="coloured")
    html = viewer_client.get(reverse("ipam:host_list")).content.decode()
    select = html[html.index('name="vrf"') :]
    select = select[: select.index("</select>")]
    assert '<option value="null">Global</option>' in select
    listed = viewer_client.get(reverse("ipam:host_list"), {"vrf": "null"}).content.decode()
    assert "plain" in listed and "coloured" not in listed
    api = viewer_client.get("/api/ipam/hosts/", {"vrf": "null"}).json()
    assert [h["hostname"] for h in api["results"]] == ["plain"]


def test_the_status_filter_is_a_row_of_ticks(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.7.0/24")
    make_host("198.18.7.5", subnet, hostname="alive", status="up")
    make_host("198.18.7.6", subnet, hostname="dead", status="down")
    html = viewer_client.get(reverse("ipam:host_list")).content.decode()
    start = html.index('<fieldset class="inline-checks"><legend>Status</legend>')
    status = html[start : html.index("</fieldset>", start)]
    assert "<select" not in status
    ticks = re.findall(r'<input type="checkbox" name="status" value="(\w+)"', status)
    assert ticks == ["up", "down", "unknown"]
    listed = viewer_client.get(reverse("ipam:host_list"), {"status": ["down"]}).content.decode()
    assert "dead" in listed and "alive" not in listed
