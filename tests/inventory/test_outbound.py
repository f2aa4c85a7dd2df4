"""Outbound scope: what connection tests and service checks may contact, and the words used."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inventory.addressing import host_for
from netkeep import outbound
from tests.factories import make_device, make_subnet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1", "is loopback"),
        ("::1", "is loopback"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("::ffff:127.0.0.1", "is loopback"),
        ("198.19.0.1", "add 198.19.0.1 (or a network that contains it) under Discovery"),
    ],
)
def test_refused_addresses_say_why(settings: Any, address: str, words: str) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24", "169.254.0.0/16"]
    assert words in outbound.refusal(ipaddress.ip_address(address))


def test_allowed_addresses_pass_and_an_empty_allowlist_says_so(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24"]
    assert outbound.refusal(ipaddress.ip_address("198.18.0.9")) == ""
    assert outbound.check_target("198.18.0.9") == ipaddress.ip_address("198.18.0.9")
    settings.SCAN_ALLOWED_NETWORKS = []
    assert "(it is empty)" in outbound.refusal(ipaddress.ip_address("198.18.0.9"))


def test_with_no_allowlist_installed_nothing_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbound, "_checks", [])
    assert "no scan allowlist" in outbound.refusal(ipaddress.ip_address("198.18.0.9"))


def test_the_device_page_says_before_any_button_that_the_device_is_out_of_scope(
    viewer_client: Client, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.19.0.0/24"]
    make_subnet("198.18.0.0/24")
    device = make_device("edge", management_host=host_for("198.18.0.5"))
    page = viewer_client.get(reverse("inventory:device_detail", args=[device.pk])).content.decode()
    assert "cannot reach this device: 198.18.0.5 is outside the scan allowlist" in page
    assert "Its IPAM subnet is 198.18.0.0/24" in page
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24"]
    page = viewer_client.get(reverse("inventory:device_detail", args=[device.pk])).content.decode()
    assert "cannot reach this device" not in page
