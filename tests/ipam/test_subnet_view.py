"""The subnet view: address flow, free runs expanding in place, paging, alive-first, jump,
heatmap, next free and allocation, inline host edit; bounded by what it shows."""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from ipam.flow import FLOW_PAGE
from ipam.models import Host, Subnet
from tests.conftest import count_queries
from tests.factories import make_host, make_hosts, make_subnet, make_tag, make_vrf

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _rows(html: str, kind: str) -> int:
    return len(re.findall(rf'<tr class="{kind}"', html))


@pytest.fixture
def office() -> Subnet:
    subnet = make_subnet("198.18.0.0/24", name="office")
    now = timezone.now()
    make_host(
        "198.18.0.10",
        hostname="printer",
        description="3rd floor",
        status="up",
        latency_ms=2.34,
        last_seen=now - timedelta(minutes=12),
    )
    make_host("198.18.0.11", hostname="nas", status="down")
    make_subnet("198.18.0.128/28", name="cameras")
    make_host("198.18.0.130", status="up")
    return subnet


def test_it_shows_hosts_children_and_collapsed_free_runs_in_order(
    viewer_client: Client, office: Subnet
) -> None:
    html = viewer_client.get(office.get_absolute_url()).content.decode()
    flow = html[html.index('id="flow-rows"') :]
    order = [
        flow.index("198.18.0.1 – 198.18.0.9"),
        flow.index(">198.18.0.10<"),
        flow.index(">198.18.0.11<"),
        flow.index("198.18.0.12 – 198.18.0.127"),
        flow.index("198.18.0.128/28"),
        flow.index("198.18.0.144 – 198.18.0.254"),
    ]
    assert order == sorted(order)
    assert "· 116 free" in flow and "· 111 free" in flow
    # The host inside the child shows in the child's block, not as a row here.
    assert ">198.18.0.130<" not in flow
    assert "1 / 14" in flow  # the child block's own usage
    assert 'class="pill pill-up"' in flow and 'class="pill pill-down"' in flow
    assert ">12 min ago</time>" in flow and "2.3 ms" in flow


def test_the_header_counts_every_host_in_range(viewer_client: Client, office: Subnet) -> None:
    html = viewer_client.get(office.get_absolute_url()).content.decode()
    head = html[: html.index('id="flow-rows"')]
    assert "3 / 254" in head and "2 alive" in head


def test_host_rows_open_the_discovery_drawer(viewer_client: Client, office: Subnet) -> None:
    host = Host.objects.get(address="198.18.0.10")
    html = viewer_client.get(office.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("discovery:host_drawer", args=[host.pk])}"' in html
    assert 'id="drawer"' in html


def test_scan_now_needs_the_run_scans_permission(
    viewer_client: Client, victor: User, office: Subnet
) -> None:
    action = reverse("discovery:scan_subnet", args=[office.pk])
    assert action not in viewer_client.get(office.get_absolute_url()).content.decode()
    perm, _ = Permission.objects.get_or_create(
        content_type__app_label="discovery",
        codename="run_scans",
        defaults={
            "name": "Can run scans",
            "content_type": _content_type("discovery", "scanrun"),
        },
    )
    victor.user_permissions.add(perm)
    html = Client()
    html.force_login(User.objects.get(pk=victor.pk))
    assert f'action="{action}"' in html.get(office.get_absolute_url()).content.decode()


def _content_type(app: str, model: str) -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_or_create(app_label=app, model=model)[0]


# --- free runs expand in place --------------------------------------------------------


def test_a_free_run_expands_into_64_addresses_and_the_rest(
    editor_client: Client, office: Subnet
) -> None:
    url = reverse("ipam:subnet_free", args=[office.pk]) + "?first=198.18.0.12&last=198.18.0.127"
    html = editor_client.get(url, headers=HX).content.decode()
    assert _rows(html, "free-addr") == 64
    assert ">198.18.0.12<" in html and ">198.18.0.75<" in html and ">198.18.0.76<" not in html
    assert f"?subnet={office.pk}&amp;address=198.18.0.12" in html
    assert "198.18.0.76 – 198.18.0.127" in html and "· 52 free" in html
    # A header to collapse the run again; every row knows which run it came from.
    assert _rows(html, "free-head") == 1 and "hide ▴" in html
    assert html.count('data-run="198.18.0.12"') == 64 + 3
    assert "&amp;run=198.18.0.12" in html


def test_expanding_the_rest_of_a_run_adds_no_second_header(
    editor_client: Client, office: Subnet
) -> None:
    url = reverse("ipam:subnet_free", args=[office.pk])
    html = editor_client.get(url + "?first=198.18.0.76&last=198.18.0.127&run=198.18.0.12").content
    text = html.decode()
    assert _rows(text, "free-head") == 0 and _rows(text, "free-addr") == 52
    assert text.count('data-run="198.18.0.12"') == 52


def test_an_expanded_run_skips_addresses_taken_since_the_page_loaded(
    editor_client: Client, office: Subnet
) -> None:
    make_host("198.18.0.3")
    url = reverse("ipam:subnet_free", args=[office.pk]) + "?first=198.18.0.1&last=198.18.0.9"
    html = editor_client.get(url).content.decode()
    assert _rows(html, "free-addr") == 8 and ">198.18.0.3<" not in html
    assert 'class="free-run"' not in html


def test_a_free_run_keeps_to_usable_addresses(viewer_client: Client, office: Subnet) -> None:
    url = reverse("ipam:subnet_free", args=[office.pk]) + "?first=198.18.0.250&last=198.18.0.255"
    html = viewer_client.get(url).content.decode()
    assert _rows(html, "free-addr") == 5 and ">198.18.0.255<" not in html
    # Viewers see the free addresses but not the link to add a host.
    assert "Add host here" not in html


@pytest.mark.parametrize(
    "query",
    ["?first=198.18.1.1&last=198.18.1.9", "?first=x&last=y", "?first=198.18.0.9&last=198.18.0.1"],
)
def test_a_free_run_outside_the_subnet_is_a_clear_400(
    viewer_client: Client, office: Subnet, query: str
) -> None:
    response = viewer_client.get(reverse("ipam:subnet_free", args=[office.pk]) + query)
    assert response.status_code == 400


def test_an_ipv6_free_run_expands_without_enumerating_it(viewer_client: Client) -> None:
    subnet = make_subnet("2001:2::/64")
    make_host("2001:2::10")
    html = viewer_client.get(subnet.get_absolute_url()).content.decode()
    assert "2001:2::11 – 2001:2::ffff:ffff:ffff:ffff" in html
    url = (
        reverse("ipam:subnet_free", args=[subnet.pk])
        + "?first=2001:2::11&last=2001:2::ffff:ffff:ffff:ffff"
    )
    html = viewer_client.get(url).content.decode()
    assert _rows(html, "free-addr") == 64 and "2001:2::51 – 2001:2::ffff:ffff:ffff:ffff" in html


# --- paging, alive first, jump, range ------------------------------------------------------


def _pages(client: Client, url: str, pattern: str) -> list[str]:
    """The page at `url`, then each page its "Load more" link (matching `pattern`) loads."""
    pages = [client.get(url).content.decode()]
    while more := re.search(pattern, pages[-1].split('class="more-row"')[-1]):
        pages.append(client.get(more.group(1).replace("&amp;", "&"), headers=HX).content.decode())
        assert "<table" not in pages[-1]
    return pages


def _addresses(html: str) -> list[str]:
    return re.findall(r'<tr class="host-row" id="a-\d+" data-address="([^"]+)"', html)


def test_load_more_continues_where_the_page_ended(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.0.0/22")
    hosts = [f"198.18.{n // 256}.{n % 256}" for n in range(1, 301)]
    make_hosts(subnet, hosts)
    pages = _pages(
        viewer_client, subnet.get_absolute_url(), r'hx-get="([^"]*after=[0-9a-f]{32}[^"]*)"'
    )
    assert _rows(pages[0], "host-row") == FLOW_PAGE
    # Every host once, in address order, each page starting after the last one's end.
    assert [a for page in pages for a in _addresses(page)] == hosts
    assert "198.18.1.45 – 198.18.3.254" in pages[-1] and "Load more" not in pages[-1]


def test_alive_first_lists_up_hosts_before_the_others(
    viewer_client: Client, office: Subnet
) -> None:
    html = viewer_client.get(office.get_absolute_url() + "?order=alive").content.decode()
    flow = html[html.index('id="flow-rows"') :]
    assert flow.index(">198.18.0.10<") < flow.index(">198.18.0.130<") < flow.index(">198.18.0.11<")
    # Hosts only: no free runs and no child blocks in this order.
    assert _rows(flow, "free-run") == 0 and _rows(flow, "child-row") == 0


def test_alive_first_pages_across_the_up_and_other_hosts(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.0.0/22")
    up = [f"198.18.1.{n}" for n in range(1, 201)]
    down = [f"198.18.2.{n}" for n in range(1, 201)]
    make_hosts(subnet, up, status="up")
    make_hosts(subnet, down, status="down")
    url = subnet.get_absolute_url() + "?order=alive"
    pages = _pages(viewer_client, url, r'hx-get="([^"]*order=alive[^"]*after=[^"]*)"')
    assert _rows(pages[0], "host-row") == FLOW_PAGE == pages[0].count("pill pill-up")
    # The up hosts, then the others, each once: a page may hold the end of one and the start
    # of the other.
    assert [a for page in pages for a in _addresses(page)] == up + down
    assert len(pages) == -(-400 // FLOW_PAGE)


def test_jump_starts_the_flow_at_the_address(viewer_client: Client, office: Subnet) -> None:
    html = viewer_client.get(office.get_absolute_url() + "?jump=198.18.0.11").content.decode()
    flow = html[html.index('id="flow-rows"') :]
    assert ">198.18.0.10<" not in flow and ">198.18.0.11<" in flow
    assert 'data-jump="198.18.0.11"' in html


def test_jump_reports_an_address_outside_the_subnet(viewer_client: Client, office: Subnet) -> None:
    response = viewer_client.get(office.get_absolute_url() + "?jump=192.0.2.1", headers=HX)
    assert response.status_code == 200
    assert "192.0.2.1 is not inside 198.18.0.0/24." in response.content.decode()


def test_a_range_shows_only_that_block(viewer_client: Client) -> None:
    top = make_subnet("198.18.0.0/16")
    make_hosts(top, ["198.18.5.7", "198.18.6.1"])
    html = viewer_client.get(top.get_absolute_url() + "?range=198.18.5.0/24").content.decode()
    flow = html[html.index('id="flow-rows"') :]
    assert "198.18.5.0 – 198.18.5.6" in flow and "198.18.5.8 – 198.18.5.255" in flow
    assert ">198.18.6.1<" not in flow and "Load more" not in flow


# --- heatmap ----------------------------------------------------------------------------


def test_a_16_gets_a_heatmap_of_256_tiles_linking_to_ranges_or_children(
    viewer_client: Client,
) -> None:
    top = make_subnet("198.18.0.0/16")
    child = make_subnet("198.18.3.0/24")
    big = make_subnet("198.18.16.0/20")
    make_hosts(top, [f"198.18.2.{n}" for n in range(1, 129)], status="up")
    html = viewer_client.get(top.get_absolute_url()).content.decode()
    tiles = re.findall(
        r'<a role="listitem" class="tile([^"]*)" href="([^"]*)" data-var-level="([0-9.]+)"', html
    )
    assert len(tiles) == 256
    assert tiles[2][0] == " alive" and tiles[2][2] == "0.5"
    assert tiles[3][1] == child.get_absolute_url() and "held" in tiles[3][0]
    assert tiles[17][1] == big.get_absolute_url() + "?range=198.18.17.0/24#flow"
    assert tiles[200][1] == top.get_absolute_url() + "?range=198.18.200.0/24#flow"


def test_the_heatmap_finds_its_holders_beyond_the_children_the_flow_shows(
    viewer_client: Client,
) -> None:
    # 130 children: more than the flow reads, so the holders are read apart.
    top = make_subnet("198.18.0.0/16")
    for n in range(130):
        make_subnet(f"198.18.{n}.0/24")
    make_hosts(top, ["198.18.200.1", "198.18.200.2"])
    html = viewer_client.get(top.get_absolute_url()).content.decode()
    hrefs = re.findall(r'<a role="listitem" class="tile[^"]*" href="([^"]*)"', html)
    last = Subnet.objects.get(network="198.18.129.0/24")
    assert hrefs[129] == last.get_absolute_url()
    assert hrefs[130] == top.get_absolute_url() + "?range=198.18.130.0/24#flow"
    assert "198.18.200.0/24: 2 used, 0 alive" in html


def test_a_24_has_no_heatmap(viewer_client: Client, office: Subnet) -> None:
    assert 'class="heatmap"' not in viewer_client.get(office.get_absolute_url()).content.decode()


def test_an_ipv6_48_heatmap_does_not_enumerate(viewer_client: Client) -> None:
    top = make_subnet("2001:2::/48")
    make_host("2001:2:0:500::1")
    html = viewer_client.get(top.get_absolute_url()).content.decode()
    assert html.count('role="listitem" class="tile') == 256
    assert "?range=2001:2:0:500::/56#flow" in html


# --- bounded work ------------------------------------------------------------------------


def test_the_subnet_view_costs_the_same_queries_for_10_or_200_hosts(
    viewer_client: Client, django_assert_max_num_queries: Any
) -> None:
    subnet = make_subnet("198.18.0.0/16")
    make_subnet("198.18.0.128/25")  # on the first page with 10 hosts or with 200
    tag = make_tag("dc")
    make_hosts(subnet, [f"198.18.0.{n}" for n in range(1, 11)], status="up")
    for host in Host.objects.all():
        host.tags.add(tag)
    # Once per process, not per request: the names of the permissions (accounts.backends).
    viewer_client.get(subnet.get_absolute_url())
    few = count_queries(viewer_client, subnet.get_absolute_url())
    make_hosts(subnet, [f"198.18.1.{n}" for n in range(1, 191)], status="up")
    for host in Host.objects.filter(address__startswith="198.18.1."):
        host.tags.add(tag)
    many = count_queries(viewer_client, subnet.get_absolute_url())
    assert few == many
    # 4: the session with the user and their permissions (accounts.sessions); the subnet
    # with its usage, tags, ancestors, Watch state and heatmap counters; the hosts' rows
    # with their tags and the devices using them; the children with their usage (read
    # from the start: the free prefixes' keys and the heatmap's holders too).
    with django_assert_max_num_queries(4):
        viewer_client.get(subnet.get_absolute_url())


def test_a_big_subnet_with_many_hosts_costs_the_queries_of_a_small_one_with_few(
    viewer_client: Client,
) -> None:
    tag = make_tag("dc")
    small = make_subnet("192.0.2.0/23")
    make_subnet("192.0.3.0/25")
    make_hosts(small, ["192.0.2.1", "192.0.2.9"], status="up")
    big = make_subnet("198.18.0.0/15")
    make_subnet("198.18.0.0/17")
    make_subnet("198.19.128.0/24")
    # 3,000 hosts spread outside the children (a free run before each), some tagged.
    first = int(ipaddress.ip_address("198.18.128.1"))
    spread = [str(ipaddress.ip_address(first + n * 21)) for n in range(3000)]
    make_hosts(big, spread)
    for host in Host.objects.filter(address__in=["192.0.2.1", spread[0], spread[5]]):
        host.tags.add(tag)
    assert count_queries(viewer_client, big.get_absolute_url()) == count_queries(
        viewer_client, small.get_absolute_url()
    )


@pytest.mark.parametrize(
    ("network", "address"),
    [
        # The largest IPv4 block test data may use (benchmarking range, RFC 2544).
        ("198.18.0.0/15", lambda n: f"198.{18 + (n >> 16)}.{n >> 8 & 255}.{n & 255}"),
        ("2001:2::/48", lambda n: f"2001:2::{n >> 16:x}:{n & 0xFFFF:x}"),
    ],
)
def test_a_huge_subnet_with_many_hosts_sends_a_page_the_size_of_a_24(
    viewer_client: Client, network: str, address: Any
) -> None:
    small = make_subnet("192.0.2.0/24")
    make_hosts(small, [f"192.0.2.{n}" for n in range(1, 255, 2)])
    big = make_subnet(network)
    # Every other address, as in the /24: the same shape of page, a far larger subnet.
    make_hosts(big, [address(n) for n in range(1, 40001, 2)])
    small_size = len(viewer_client.get(small.get_absolute_url()).content)
    big_page = viewer_client.get(big.get_absolute_url()).content.decode()
    # FLOW_PAGE rows a page (hosts and the free address after each), whatever the subnet holds.
    assert _rows(big_page, "host-row") == FLOW_PAGE // 2
    assert _rows(big_page, "host-row") + _rows(big_page, "free-addr") == FLOW_PAGE
    assert len(big_page) < 350_000
    assert len(big_page) < 3 * small_size


# --- next free and allocation ---------------------------------------------------------------


def test_next_free_shows_the_first_free_address(editor_client: Client, office: Subnet) -> None:
    make_hosts(office, [f"198.18.0.{n}" for n in range(1, 10)])
    url = reverse("ipam:subnet_next_free", args=[office.pk])
    html = editor_client.get(url, headers=HX).content.decode()
    assert '<strong class="mono">198.18.0.12</strong>' in html
    assert f"?subnet={office.pk}&amp;address=198.18.0.12" in html and "<html" not in html


def test_next_free_says_when_the_subnet_is_full(viewer_client: Client) -> None:
    tiny = make_subnet("198.18.9.0/30")
    make_hosts(tiny, ["198.18.9.1", "198.18.9.2"])
    html = viewer_client.get(reverse("ipam:subnet_next_free", args=[tiny.pk])).content.decode()
    assert "198.18.9.0/30 is full" in html


def test_allocating_creates_hosts_on_the_first_free_addresses(
    editor_client: Client, office: Subnet
) -> None:
    url = reverse("ipam:subnet_allocate", args=[office.pk])
    response = editor_client.post(url, {"count": 3, "description": "lab VMs"})
    assert response.status_code == 302
    hosts = list(Host.objects.filter(description="lab VMs").order_by("key"))
    assert [h.address for h in hosts] == ["198.18.0.1", "198.18.0.2", "198.18.0.3"]
    assert "?jump=198.18.0.1" in response["Location"]
    page = editor_client.get(response["Location"]).content.decode()
    assert "Allocated 3 address(es): 198.18.0.1 – 198.18.0.3." in page


def test_allocating_more_than_is_free_changes_nothing(editor_client: Client) -> None:
    tiny = make_subnet("198.18.9.0/30")
    make_host("198.18.9.1")
    response = editor_client.post(
        reverse("ipam:subnet_allocate", args=[tiny.pk]), {"count": 2}, follow=True
    )
    assert "198.18.9.0/30 has 1 free address(es); 2 were asked for. Nothing was allocated." in (
        response.content.decode()
    )
    assert Host.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": 0}, "Ensure this value is greater than or equal to 1."),
        ({"count": 2, "hostname": "web"}, "Leave the hostname empty when allocating several"),
    ],
)
def test_allocation_form_errors_are_shown(
    editor_client: Client, office: Subnet, data: dict, message: str
) -> None:
    response = editor_client.post(reverse("ipam:subnet_allocate", args=[office.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert Host.objects.count() == 3


# --- inline edit ----------------------------------------------------------------------------


def test_inline_edit_gives_a_form_then_the_updated_row(
    editor_client: Client, office: Subnet
) -> None:
    host = Host.objects.get(address="198.18.0.10")
    url = reverse("ipam:host_inline", args=[host.pk]) + "?context=row"
    form = editor_client.get(url, headers=HX).content.decode()
    assert form.startswith('<tr class="inline-row"') and f'id="h{host.pk}-hostname"' in form
    data = {
        "hostname": "printer-2",
        "description": "2nd floor",
        "tags": "printers",
        "notes": "toner",
    }
    row = editor_client.post(url, data, headers=HX).content.decode()
    assert row.startswith('<tr class="host-row"') and "printer-2" in row and "printers" in row
    host.refresh_from_db()
    assert (host.hostname, host.description, host.notes) == ("printer-2", "2nd floor", "toner")
    assert host.hostname_source == "manual"


def test_inline_edit_returns_the_form_with_errors(editor_client: Client, office: Subnet) -> None:
    host = Host.objects.get(address="198.18.0.10")
    url = reverse("ipam:host_inline", args=[host.pk]) + "?context=row"
    html = editor_client.post(url, {"hostname": "x" * 300}, headers=HX).content.decode()
    assert 'class="field invalid"' in html and "at most 253 characters" in html
    host.refresh_from_db()
    assert host.hostname == "printer"


def test_inline_block_without_a_row_serves_the_drawer(
    editor_client: Client, office: Subnet
) -> None:
    host = Host.objects.get(address="198.18.0.10")
    url = reverse("ipam:host_inline", args=[host.pk])
    html = editor_client.post(url, {"hostname": "printer-3"}, headers=HX).content.decode()
    assert f'<div class="host-inline" id="host-inline-{host.pk}">' in html
    assert "printer-3" in html and "<form" not in html


def test_viewers_may_read_but_not_edit_inline(viewer_client: Client, office: Subnet) -> None:
    host = Host.objects.get(address="198.18.0.10")
    url = reverse("ipam:host_inline", args=[host.pk])
    shown = viewer_client.get(url + "?show=1").content.decode()
    assert "printer" in shown and "Edit" not in shown
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"hostname": "pwned"}).status_code == 403
    host.refresh_from_db()
    assert host.hostname == "printer"


def test_jump_to_an_address_in_a_child_opens_the_child(
    viewer_client: Client, office: Subnet
) -> None:
    cameras = Subnet.objects.get(network="198.18.0.128/28")
    url = office.get_absolute_url() + "?jump=198.18.0.130"
    response = viewer_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == cameras.get_absolute_url() + "?jump=198.18.0.130"
    response = viewer_client.get(url, headers=HX)
    assert response["HX-Redirect"] == cameras.get_absolute_url() + "?jump=198.18.0.130"


def test_the_breadcrumbs_show_every_ancestor(viewer_client: Client) -> None:
    make_subnet("198.18.0.0/15")
    make_subnet("198.18.0.0/16")
    leaf = make_subnet("198.18.4.0/24")
    make_subnet("198.18.4.0/24", vrf=make_vrf("other"))
    html = viewer_client.get(leaf.get_absolute_url()).content.decode()
    crumbs = html[html.index('class="crumbs"') : html.index("</nav>", html.index('class="crumbs"'))]
    assert (
        crumbs.index("198.18.0.0/15")
        < crumbs.index("198.18.0.0/16")
        < crumbs.index("198.18.4.0/24")
    )
    assert crumbs.count("<a ") == 3


@pytest.mark.parametrize(
    ("network", "hosts", "free"),
    [
        ("198.18.9.0/31", ["198.18.9.0"], "198.18.9.1"),
        ("198.18.9.7/32", [], "198.18.9.7"),
        ("2001:2::/127", ["2001:2::1"], "2001:2::"),
        ("2001:2::5/128", ["2001:2::5"], None),
    ],
)
def test_point_to_point_and_single_address_subnets_render(
    editor_client: Client, network: str, hosts: list[str], free: str | None
) -> None:
    subnet = make_subnet(network)
    make_hosts(subnet, hosts)
    html = editor_client.get(subnet.get_absolute_url()).content.decode()
    flow = html[html.index('id="flow-rows"') :]
    assert _rows(flow, "host-row") == len(hosts)
    if free:
        # The one free address is a row of its own, never behind "show".
        assert _rows(flow, "free-addr") == 1 and f'<td class="addr mono">{free}</td>' in flow
    else:
        assert _rows(flow, "free-run") == 0
        full = editor_client.get(reverse("ipam:subnet_next_free", args=[subnet.pk]))
        assert f"{network} is full" in full.content.decode()


def test_a_range_inside_a_child_opens_the_child(viewer_client: Client) -> None:
    top = make_subnet("198.18.0.0/16")
    child = make_subnet("198.18.16.0/20")
    response = viewer_client.get(top.get_absolute_url() + "?range=198.18.17.0/24")
    assert response["Location"] == child.get_absolute_url() + "?range=198.18.17.0/24"
    # A range larger than the child stays here.
    assert viewer_client.get(top.get_absolute_url() + "?range=198.18.0.0/18").status_code == 200


@pytest.mark.parametrize(
    "query",
    [{"first": "<svg/onload=alert(1)>", "last": "1"}, {"first": "10.0.0.1", "last": "<b>x</b>"}],
)
def test_a_free_run_with_bad_bounds_answers_plain_text_never_markup(viewer_client, query):
    subnet = make_subnet("198.51.100.0/24")
    response = viewer_client.get(reverse("ipam:subnet_free", args=[subnet.pk]), query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
