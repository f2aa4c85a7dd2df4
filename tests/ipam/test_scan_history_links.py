"""The subnet and host pages offer their scan history, loaded only when opened."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from discovery.models import ScanRun
from tests.factories import make_host, make_subnet


@pytest.mark.django_db
def test_the_subnet_page_links_its_run_history_and_the_fragment_lists_the_runs(
    viewer_client: Client,
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    ScanRun.objects.create(kind="sweep", target=subnet.network, subnet=subnet, status="succeeded")
    page = viewer_client.get(subnet.get_absolute_url()).content.decode()
    url = reverse("discovery:subnet_runs", args=[subnet.pk])
    assert f'hx-get="{url}"' in page
    # Not rendered into the page itself: it loads when the section is opened.
    assert "198.18.0.0/24" in viewer_client.get(url, HTTP_HX_REQUEST="true").content.decode()


@pytest.mark.django_db
def test_the_host_page_links_its_run_history(viewer_client: Client) -> None:
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.7")
    page = viewer_client.get(host.get_absolute_url()).content.decode()
    assert reverse("discovery:host_runs", args=[host.pk]) in page
