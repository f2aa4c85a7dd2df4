"""Child prefixes: free space as CIDR blocks, and allocating the first free block (API, page)."""

from __future__ import annotations

import ipaddress
import re
import threading
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from ipam.allocation import SubnetFull, allocate_subnet
from ipam.models import Subnet
from tests.factories import make_host, make_subnet, make_vrf
from tests.ipam.test_concurrency import THREADS, database_for_threads  # noqa: F401 (fixture)


def _url(subnet: Subnet) -> str:
    return f"/api/ipam/subnets/{subnet.pk}/allocate-subnet/"


@pytest.mark.django_db
def test_free_prefixes_are_the_largest_blocks_no_child_holds() -> None:
    parent = make_subnet("10.0.0.0/16")
    make_subnet("10.0.1.0/24")
    make_subnet("10.0.4.0/22")
    make_subnet("10.0.4.0/24")  # a grandchild: inside a child already
    make_host("10.0.2.7", subnet=parent)  # hosts do not block a prefix
    blocks = [str(b) for b in parent.free_prefixes(limit=6)]
    assert blocks == [
        "10.0.0.0/24",
        "10.0.2.0/23",
        "10.0.8.0/21",
        "10.0.16.0/20",
        "10.0.32.0/19",
        "10.0.64.0/18",
    ]
    assert str(parent.free_prefixes()[-1]) == "10.0.128.0/17"


@pytest.mark.django_db
def test_the_api_allocates_the_first_free_child_prefix(api_client: APIClient, erin: User) -> None:
    api_client.force_authenticate(erin)
    parent = make_subnet("10.0.0.0/16", vrf=make_vrf("red"))
    make_subnet("10.0.0.0/24", vrf=parent.vrf)
    first = api_client.post(_url(parent), {"prefix_length": 24, "name": "lab"}, format="json")
    assert first.status_code == 201, first.json()
    assert (first.json()["network"], first.json()["name"]) == ("10.0.1.0/24", "lab")
    assert first.json()["vrf"] == parent.vrf_id and first.json()["parent"] == parent.pk
    wide = api_client.post(_url(parent), {"prefix_length": 22}, format="json")
    assert wide.json()["network"] == "10.0.4.0/22"  # aligned: skips the rest of 10.0.0.0/22
    bad = api_client.post(_url(parent), {"prefix_length": 16}, format="json")
    assert bad.status_code == 400 and "17 to 32" in str(bad.json())
    assert api_client.post(_url(parent), {}, format="json").status_code == 400
    tiny = make_subnet("192.0.2.0/30")
    assert api_client.post(_url(tiny), {"prefix_length": 31}, format="json").status_code == 201
    assert api_client.post(_url(tiny), {"prefix_length": 31}, format="json").status_code == 201
    full = api_client.post(_url(tiny), {"prefix_length": 32}, format="json")
    assert full.status_code == 409 and "no free /32" in full.json()["detail"]


@pytest.mark.django_db
def test_only_those_who_may_add_subnets_allocate_prefixes(
    api_client: APIClient, victor: User, nora: User
) -> None:
    parent = make_subnet("10.0.0.0/16")
    for user in (victor, nora):
        api_client.force_authenticate(user)
        assert api_client.post(_url(parent), {"prefix_length": 24}).status_code == 403
    assert Subnet.objects.count() == 1


@pytest.mark.django_db
def test_the_subnet_page_lists_free_prefixes_and_allocates_one(
    editor_client: Client, viewer_client: Client, noaccess_client: Client
) -> None:
    parent = make_subnet("10.0.0.0/16")
    make_subnet("10.0.0.0/17")
    page = viewer_client.get(parent.get_absolute_url()).content.decode()
    assert "10.0.128.0/17" in page and "Allocate child prefix" not in page
    url = reverse("ipam:subnet_allocate_prefix", args=[parent.pk])
    assert viewer_client.post(url, {"prefix_length": 24}).status_code == 403
    assert noaccess_client.post(url, {"prefix_length": 24}).status_code == 403
    assert "Allocate child prefix" in editor_client.get(parent.get_absolute_url()).content.decode()
    done = editor_client.post(url, {"prefix_length": 24, "name": "new"}, follow=True)
    child = Subnet.objects.get(network="10.0.128.0/24")
    assert child.name == "new" and done.redirect_chain[-1][0] == child.get_absolute_url()
    refused = editor_client.post(url, {"prefix_length": 8}, follow=True).content.decode()
    assert "Nothing was allocated" in refused and "17 to 32" in refused


def test_simultaneous_prefix_allocations_never_overlap(database_for_threads: Any) -> None:  # noqa: F811
    parent = make_subnet("198.18.0.0/24")  # room for eight /27s; two threads must be told
    workers = THREADS + 2
    barrier = threading.Barrier(workers)

    def worker() -> Any:
        subnet = Subnet.objects.get(pk=parent.pk)
        barrier.wait(timeout=30)
        try:
            return allocate_subnet(subnet, 27).network
        except SubnetFull as full:
            return full

    results = database_for_threads([worker] * workers)
    made = [r for r in results if isinstance(r, str)]
    assert len(made) == len(set(made)) == 8, results
    networks = [ipaddress.ip_network(n) for n in made]
    assert not any(a.overlaps(b) for a in networks for b in networks if a != b)
    assert sum(isinstance(r, SubnetFull) for r in results) == 2, results


def _free_prefixes_shown(client: Client, subnet: Subnet) -> list[str]:
    section = client.get(subnet.get_absolute_url()).content.decode().split('class="free-prefixes"')
    return re.findall(r'<li class="mono">([^<]+)</li>', section[1].split("</details>")[0])


@pytest.mark.django_db
def test_the_page_lists_the_free_prefixes_after_more_children_than_a_page_shows(
    viewer_client: Client,
) -> None:
    # 130 children: the flow reads 129 and cannot lend them, so the free prefixes read
    # every child themselves; with 3 it lends the ones it read. Both must be exact.
    parent = make_subnet("10.0.0.0/16")
    for n in range(130):
        make_subnet(f"10.0.{n}.0/24")
    assert _free_prefixes_shown(viewer_client, parent)[:3] == [
        "10.0.130.0/23",
        "10.0.132.0/22",
        "10.0.136.0/21",
    ]
    small = make_subnet("10.1.0.0/16")
    for network in ("10.1.0.0/24", "10.1.2.0/24", "10.1.128.0/17"):
        make_subnet(network)
    assert _free_prefixes_shown(viewer_client, small) == [
        "10.1.1.0/24",
        "10.1.3.0/24",
        "10.1.4.0/22",
        "10.1.8.0/21",
        "10.1.16.0/20",
        "10.1.32.0/19",
        "10.1.64.0/18",
    ]
