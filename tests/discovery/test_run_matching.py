"""Run history matches its target exactly: one host's runs are not its neighbours' runs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from discovery.models import RunKind, ScanRun
from netkeep.jobs import RunStatus
from tests.factories import make_host, make_subnet, make_vrf

pytestmark = pytest.mark.django_db


def run_of(target: str, **fields: object) -> ScanRun:
    fields.setdefault("kind", RunKind.SWEEP)
    return ScanRun.objects.create(target=target, status=RunStatus.SUCCEEDED, **fields)


def targets(client: Client, query: str) -> list[str]:
    response = client.get(reverse("discovery:run_list"), {"subnet": query})
    return sorted(run.target for run in response.context["page"].object_list)


def test_the_host_pages_more_runs_link_lists_only_that_hosts_runs(viewer_client: Client) -> None:
    subnet = make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.1", subnet)
    for target in ("198.18.0.1", "198.18.0.10", "198.18.0.19", "198.18.0.100", "198.18.0.199"):
        run_of(target, subnet=subnet)
    link = viewer_client.get(reverse("discovery:host_runs", args=[host.pk])).context["more_url"]
    assert link.endswith("?subnet=198.18.0.1")
    assert targets(viewer_client, "198.18.0.1") == ["198.18.0.1"]


def test_a_network_matches_its_own_runs_and_not_longer_networks_that_start_alike(
    viewer_client: Client,
) -> None:
    run_of("198.18.1.0/24")
    run_of("198.18.1.0/25")
    run_of("198.18.10.0/24")
    assert targets(viewer_client, "198.18.1.0/24") == ["198.18.1.0/24"]


def test_a_vrf_hosts_runs_match_the_address(viewer_client: Client) -> None:
    make_subnet("198.18.2.0/24", vrf=make_vrf("red"))
    run_of("198.18.2.5 (VRF red)")
    run_of("198.18.2.50 (VRF red)")
    assert targets(viewer_client, "198.18.2.5") == ["198.18.2.5 (VRF red)"]


def test_free_text_still_finds_runs_by_part_of_their_target(viewer_client: Client) -> None:
    run_of("known hosts", kind=RunKind.KNOWN_HOSTS)
    run_of("198.18.3.0/24")
    assert targets(viewer_client, "known") == ["known hosts"]
