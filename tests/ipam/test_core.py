"""Core IPAM behaviour: hierarchy, flow with free runs, allocation, heatmap."""

import ipaddress

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipam.allocation import allocate
from ipam.flow import ChildItem, FreeRun, HostItem
from ipam.heatmap import heatmap
from ipam.models import Subnet
from tests.factories import make_host, make_subnet


@pytest.mark.django_db
def test_it_parents_and_reparents_subnets_and_moves_hosts():
    top = make_subnet("198.18.0.0/16")
    leaf = make_subnet("198.18.1.0/24")
    host = make_host("198.18.1.10")
    assert leaf.parent == top and host.subnet == leaf
    middle = make_subnet("198.18.0.0/20")
    leaf.refresh_from_db()
    assert middle.parent == top and leaf.parent == middle
    middle.delete()
    leaf.refresh_from_db()
    assert leaf.parent == top
    leaf.delete()
    host.refresh_from_db()
    assert host.subnet == top


@pytest.mark.django_db
def test_it_collapses_unused_runs_around_hosts_and_children():
    net = make_subnet("198.18.0.0/24")
    make_host("198.18.0.10")
    make_host("198.18.0.11")
    make_subnet("198.18.0.128/28")
    flow = net.flow()
    kinds = [(i.kind, str(i.first) if isinstance(i, FreeRun) else None) for i in flow.items]
    assert kinds == [
        ("free", "198.18.0.1"),
        ("host", None),
        ("host", None),
        ("free", "198.18.0.12"),
        ("child", None),
        ("free", "198.18.0.144"),
    ]
    assert flow.items[0].count == 9 and flow.items[-1].count == 254 - 143
    assert flow.next_cursor is None


@pytest.mark.django_db
def test_it_pages_the_flow_with_a_cursor():
    net = make_subnet("198.18.0.0/24")
    for i in range(1, 6):
        make_host(f"198.18.0.{i * 2}")
    first = net.flow(limit=4)
    assert [type(i) for i in first.items] == [FreeRun, HostItem, FreeRun, HostItem]
    second = net.flow(after=first.next_cursor, limit=10)
    assert isinstance(second.items[0], FreeRun) and str(second.items[0].first) == "198.18.0.5"
    assert not any(isinstance(i, ChildItem) for i in second.items)
    assert second.next_cursor is None


@pytest.mark.django_db
@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_a_flow_page_holds_limit_rows_free_runs_included_and_the_pages_add_up(limit):
    net = make_subnet("198.18.0.0/24")
    for i in (2, 4, 5, 9):
        make_host(f"198.18.0.{i}")
    make_subnet("198.18.0.64/28")
    whole = [(i.kind, str(getattr(i, "first", ""))) for i in net.flow().items]
    seen, after = [], None
    while True:
        page = net.flow(after=after, limit=limit)
        assert 1 <= len(page.items) <= limit
        seen += [(i.kind, str(getattr(i, "first", ""))) for i in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == whole


@pytest.mark.django_db
def test_it_allocates_the_first_free_addresses_skipping_runs_and_children():
    net = make_subnet("198.18.0.0/24")
    for i in range(1, 50):
        make_host(f"198.18.0.{i}")
    make_subnet("198.18.0.48/28")  # 48–63 taken by a child (host .48 and .49 move into it)
    assert [str(a) for a in net.next_free(2)] == ["198.18.0.64", "198.18.0.65"]
    hosts = allocate(net, 2)
    assert [h.address for h in hosts] == ["198.18.0.64", "198.18.0.65"]


@pytest.mark.django_db
def test_point_to_point_and_single_address_subnets_use_every_address():
    p2p = make_subnet("198.18.0.0/31")
    assert [str(a) for a in p2p.next_free(5)] == ["198.18.0.0", "198.18.0.1"]
    single = make_subnet("198.18.1.7/32")
    assert [str(a) for a in single.next_free(5)] == ["198.18.1.7"]


@pytest.mark.django_db
def test_it_builds_a_heatmap_of_256_tiles_without_enumerating():
    net = make_subnet("198.18.0.0/16")
    make_host("198.18.3.1", status="up")
    make_host("198.18.3.2")
    tiles = heatmap(net)
    assert len(tiles) == 256
    assert tiles[3].network == ipaddress.ip_network("198.18.3.0/24")
    assert (tiles[3].used, tiles[3].alive) == (2, 1)
    big6 = make_subnet("2001:2::/48")
    make_host("2001:2:0:5::1")
    tiles6 = heatmap(big6)
    assert tiles6[0].used == 1 and len(tiles6) == 256
    # Read with the subnet (`with_tiles()`): the same tiles, and no query of their own.
    for subnet, read in ((net, tiles), (big6, tiles6)):
        annotated = Subnet.objects.with_tiles().get(pk=subnet.pk)
        with CaptureQueriesContext(connection) as queries:
            assert heatmap(annotated) == read
        assert not queries.captured_queries
