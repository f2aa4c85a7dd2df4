"""Hostnames are RFC 1123 names at every door (form, inline edit, allocation, API, import),
with one message that says which character is wrong and where."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ipam.hostnames import check_hostname
from ipam.importing import run_import
from ipam.models import Host, Subnet
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db
BAD = "bad host name with spaces!!"
SAYS = "a space at position 4 is not allowed in a hostname"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (BAD, SAYS),
        ("web_1", "“_” at position 4 is not allowed"),
        ("café", "“é” at position 4 is not allowed"),
        ("tab\there", "(U+0009) at position 4 is not allowed"),
        ("-edge", "starts or ends with a hyphen"),
        ("edge-.lan", "starts or ends with a hyphen"),
        ("a..b", "two dots in a row at position 3"),
        (".lan", "starts with a dot"),
        ("web.", "ends with a dot"),
        ("x" * 64, "each part between dots has at most 63"),
        (".".join(["a" * 63] * 4) + "x", "at most 253 characters"),
    ],
)
def test_a_bad_hostname_is_refused_with_what_is_wrong(name: str, message: str) -> None:
    with pytest.raises(ValidationError) as refusal:
        check_hostname(name)
    assert message in refusal.value.messages[0]


@pytest.mark.parametrize("name", ["", "web1", "WEB-1", "core1.dc2.example.net", "1host", "a" * 63])
def test_rfc_1123_names_are_accepted(name: str) -> None:
    check_hostname(name)


@pytest.fixture
def subnet() -> Subnet:
    return make_subnet("198.18.0.0/24")


def test_the_host_form_refuses_it(editor_client: Client, subnet: Subnet) -> None:
    data = {"address": "198.18.0.9", "hostname": BAD}
    response = editor_client.post(reverse("ipam:host_create"), data)
    assert SAYS in response.content.decode() and not Host.objects.exists()


def test_inline_edit_refuses_it(editor_client: Client, subnet: Subnet) -> None:
    host = make_host("198.18.0.9", subnet)
    url = reverse("ipam:host_inline", args=[host.pk])
    response = editor_client.post(url, {"hostname": BAD}, headers={"HX-Request": "true"})
    assert SAYS in response.content.decode()
    host.refresh_from_db()
    assert host.hostname == ""


def test_allocation_refuses_it(editor_client: Client, subnet: Subnet) -> None:
    url = reverse("ipam:subnet_allocate", args=[subnet.pk])
    response = editor_client.post(
        url, {"count": 1, "hostname": BAD}, headers={"HX-Request": "true"}
    )
    assert SAYS in response.content.decode() and not Host.objects.exists()


def test_the_api_refuses_it(api_client: Any, alice: Any, subnet: Subnet) -> None:
    api_client.force_authenticate(alice)
    response = api_client.post("/api/ipam/hosts/", {"address": "198.18.0.9", "hostname": BAD})
    assert response.status_code == 400 and SAYS in str(response.json()["hostname"])
    allocate = api_client.post(
        f"/api/ipam/subnets/{subnet.pk}/allocate/", {"count": 1, "hostname": BAD}
    )
    assert allocate.status_code == 400 and SAYS in str(allocate.json())
    assert not Host.objects.exists()


def test_an_import_row_with_it_is_an_error(subnet: Subnet) -> None:
    result = run_import(f"address,hostname\n198.18.0.9,{BAD}\n", "hosts", dry_run=True)
    assert result.rows[0].action == "error" and SAYS in result.rows[0].message
