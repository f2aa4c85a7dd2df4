"""Every empty list says what to do next, and links it for those allowed to do it."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# (list, what it says when empty, the link that does the next step)
EMPTY_LISTS = [
    ("/ipam/subnets/", "No subnets yet", "/ipam/subnets/new/"),
    ("/ipam/hosts/", "No hosts yet", "/ipam/hosts/new/"),
    ("/ipam/vlans/", "No VLANs yet", "/ipam/vlans/new/"),
    ("/ipam/tags/", "No tags yet", "/ipam/tags/new/"),
    ("/ipam/vrfs/", "No VRFs", "/ipam/vrfs/new/"),
    ("/inventory/devices/", "No devices yet", "/inventory/devices/new/"),
    ("/inventory/sites/", "No sites yet", "/inventory/sites/new/"),
    ("/inventory/checks/", "No service checks yet", "/inventory/checks/new/"),
    ("/inventory/credentials/", "No credential sets yet", "/inventory/credentials/new/"),
    ("/discovery/allowlist/", "every scan, connection test and backup is refused", ""),
    ("/discovery/runs/", "No jobs have run yet", ""),
    ("/jobs/", "No jobs have run yet", ""),
    ("/discovery/reconcile/", "Not checked yet", ""),
    ("/backups/", "No device can be backed up yet", "/inventory/devices/"),
    ("/backups/schedules/", "No schedule yet", ""),
]


@pytest.mark.parametrize(("url", "says", "link"), EMPTY_LISTS)
def test_an_empty_list_says_what_to_do_next(
    admin_client: Client, url: str, says: str, link: str
) -> None:
    text = admin_client.get(url).content.decode()
    assert says in text
    if link:
        assert f'href="{link}"' in text


def test_a_viewer_is_told_who_adds_things_instead_of_a_link(viewer_client: Client) -> None:
    text = viewer_client.get("/inventory/devices/").content.decode()
    assert "No devices yet" in text and 'href="/inventory/devices/new/"' not in text
    text = viewer_client.get("/ipam/subnets/").content.decode()
    assert "An editor or administrator adds them" in text


def test_a_filtered_empty_list_offers_to_clear_the_filters(admin_client: Client) -> None:
    text = admin_client.get("/ipam/hosts/?q=nothing-like-this").content.decode()
    assert "No host matches these filters" in text and 'href="/ipam/hosts/"' in text
    text = admin_client.get("/ipam/subnets/?q=nothing-like-this").content.decode()
    assert "No subnet matches these filters" in text
