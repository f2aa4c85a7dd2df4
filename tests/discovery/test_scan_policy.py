"""Refuse on save what a run would refuse: a subnet's resolver and profile, the scan API's
fields, and hints that are themselves accepted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from discovery import scope
from discovery.models import ScanRun
from ipam.models import Subnet
from tests.factories import make_subnet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def allowlist(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/15"]


@pytest.fixture
def api(erin: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(erin)
    return client


def test_the_subnet_form_refuses_a_resolver_outside_the_allowlist_with_the_reason(
    editor_client: Client,
) -> None:
    response = editor_client.post(
        reverse("ipam:subnet_create"),
        {"network": "198.18.5.0/24", "scan_interval": 5, "dns_resolver": "203.0.113.53"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "outside the networks allowed for scanning" in errors["dns_resolver"][0]
    assert not Subnet.objects.exists()


def test_the_subnet_form_accepts_a_resolver_inside_the_allowlist(editor_client: Client) -> None:
    response = editor_client.post(
        reverse("ipam:subnet_create"),
        {"network": "198.18.5.0/24", "scan_interval": 5, "dns_resolver": "198.18.0.53"},
    )
    assert response.status_code == 302
    assert Subnet.objects.get().dns_resolver == "198.18.0.53"


def test_the_api_refuses_a_resolver_outside_the_allowlist_under_its_field(api: APIClient) -> None:
    subnet = make_subnet("198.18.5.0/24")
    response = api.patch(
        f"/api/ipam/subnets/{subnet.pk}/", {"dns_resolver": "127.0.0.1"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "loopback" in response.json()["dns_resolver"][0]
    subnet.refresh_from_db()
    assert subnet.dns_resolver is None


def test_an_empty_resolver_clears_it_in_the_api(api: APIClient) -> None:
    subnet = make_subnet("198.18.5.0/24", dns_resolver="198.18.0.53")
    response = api.patch(f"/api/ipam/subnets/{subnet.pk}/", {"dns_resolver": ""}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["dns_resolver"] is None
    subnet.refresh_from_db()
    assert subnet.dns_resolver is None


def test_an_unknown_subnet_profile_is_refused_on_save(api: APIClient) -> None:
    response = api.post(
        "/api/ipam/subnets/",
        {"network": "198.18.6.0/24", "nmap_profile": "nosuch"},
        format="json",
    )
    assert response.status_code == 400
    assert "no scan profile called 'nosuch'" in response.json()["nmap_profile"][0]


def test_the_scan_api_reports_a_bad_profile_under_profile(api: APIClient) -> None:
    response = api.post(
        "/api/discovery/runs/",
        {"kind": "ports", "target": "198.18.0.10", "profile": "nosuch"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "target" not in body
    assert "no scan profile called 'nosuch'" in body["profile"][0]
    assert not ScanRun.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "198.18.0.10 --script=vuln",
        "198.18.0.10; rm -rf /",
        "010.1.1.x",
        "01.2.3.4 -oN x",
        "198.18.0.0 /24",
        "198.018.0.0/16",
        "01.02.03.04/8",
        "198.18.0.5/24",
    ],
)
def test_a_refusal_never_suggests_text_that_is_refused_too(text: str) -> None:
    with pytest.raises(scope.ScopeError) as refused:
        scope.parse_network(text)
    message = str(refused.value).replace(f"“{text}”", "").replace(text, "")
    hints = re.findall(
        r"(?:write|as|network is|mean) ([0-9a-fA-F.:/]*[0-9][0-9a-fA-F.:/]*)", message
    )
    for hint in hints:
        scope.parse_network(hint.rstrip("."))  # must not raise


def test_a_spaced_scan_target_with_options_gets_no_suggestion() -> None:
    with pytest.raises(scope.ScopeError) as refused:
        scope.parse_network("198.18.0.10 --script=vuln")
    assert "--script" not in str(refused.value).split(":", 1)[1]
