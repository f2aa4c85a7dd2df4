"""Make a device from a discovered host: address, hostname and open ports carried over."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from discovery.models import OpenPort
from inventory.models import Device
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


@pytest.fixture
def found() -> object:
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.7", hostname="switch7.lab", origin="discovered")
    OpenPort.objects.create(host=host, port=22, protocol="tcp", service="ssh")
    OpenPort.objects.create(host=host, port=443, protocol="tcp", service="https")
    return host


def test_the_drawer_offers_make_a_device_and_the_form_comes_filled(
    editor_client: Client, found: object
) -> None:
    drawer = editor_client.get(
        reverse("discovery:host_drawer", args=[found.pk]), HTTP_HX_REQUEST="true"
    )  # type: ignore[attr-defined]
    link = reverse("discovery:host_make_device", args=[found.pk])  # type: ignore[attr-defined]
    assert link in drawer.content.decode()
    form_url = editor_client.get(link)["Location"]
    form = editor_client.get(form_url).content.decode()
    assert 'value="switch7"' in form and 'value="198.18.0.7"' in form
    assert "22/ssh, 443/https" in form
    data = {
        "name": "switch7",
        "role": "switch",
        "management_address": "198.18.0.7",
        "virtualisation": "baremetal",
        "notes": "Open ports when added from discovery: 22/ssh, 443/https.",
        "interfaces-TOTAL_FORMS": "0",
        "interfaces-INITIAL_FORMS": "0",
    }
    saved = editor_client.post(form_url, data, follow=True)
    device = Device.objects.get(name="switch7")
    assert device.management_host == found
    assert "run a connection test" in saved.content.decode()


def test_viewers_cannot_make_devices(viewer_client: Client, found: object) -> None:
    link = reverse("discovery:host_make_device", args=[found.pk])  # type: ignore[attr-defined]
    assert viewer_client.get(link).status_code == 403
    drawer = viewer_client.get(
        reverse("discovery:host_drawer", args=[found.pk]), HTTP_HX_REQUEST="true"
    )  # type: ignore[attr-defined]
    assert link not in drawer.content.decode()
