"""Inventory API: devices with nested interfaces in one transaction, sites, write-only secrets."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from inventory.models import CredentialSet, Device
from ipam.models import Host
from tests.factories import make_credential_set, make_device, make_site, make_subnet

pytestmark = pytest.mark.django_db

CANARY = "canary-API-91b2-never-returned"
DEVICES = "/api/inventory/devices"


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def lab() -> dict[str, Any]:
    make_subnet("198.18.0.0/24")
    return {"site": make_site("hq"), "cred": make_credential_set("ops", password=CANARY)}


def _device(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "edge1",
        "role": "router",
        "platform": "cisco_ios",
        "management_address": "198.18.0.1",
        "credential_sets": ["ops"],
        "tags": [],
        "interfaces": [
            {"name": "Gi0/0", "address": "198.18.0.1", "is_upstream": True},
            {"name": "Gi0/1", "address": "198.18.0.2", "mac": "001a.2b3c.4d5e"},
        ],
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("url", [DEVICES, "/api/inventory/sites", "/api/inventory/credential-sets"])
def test_someone_without_a_role_cannot_read_or_write(nora: Any, url: str) -> None:
    client = _client(nora)
    assert client.get(url).status_code == 403
    assert client.post(url, {}, format="json").status_code == 403


def test_viewers_read_but_cannot_write_and_editors_cannot_write_credential_sets(
    victor: Any, erin: Any, lab: dict[str, Any]
) -> None:
    assert _client(victor).get(DEVICES).status_code == 200
    assert _client(victor).post(DEVICES, _device(), format="json").status_code == 403
    body = {"name": "x", "username": "u", "password": "p"}
    assert (
        _client(erin).post("/api/inventory/credential-sets", body, format="json").status_code == 403
    )
    assert _client(erin).get("/api/inventory/credential-sets").status_code == 200


def test_a_post_creates_the_device_its_interfaces_and_their_hosts(
    erin: Any, lab: dict[str, Any]
) -> None:
    response = _client(erin).post(DEVICES, _device(site=lab["site"].pk), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["management_address"] == "198.18.0.1"
    assert data["device_type"] == "cisco_ios"
    assert data["credential_sets"] == ["ops"]
    assert [(i["name"], i["address"]) for i in data["interfaces"]] == [
        ("Gi0/0", "198.18.0.1"),
        ("Gi0/1", "198.18.0.2"),
    ]
    assert data["interfaces"][1]["mac"] == "00:1a:2b:3c:4d:5e"
    assert Host.objects.filter(address__in=["198.18.0.1", "198.18.0.2"]).count() == 2


def test_one_bad_interface_writes_nothing_and_names_the_row(erin: Any, lab: dict[str, Any]) -> None:
    body = _device()
    body["interfaces"].append({"name": "Gi0/2", "address": "203.0.113.1"})
    body["interfaces"].append({"name": "Gi0/0"})
    response = _client(erin).post(DEVICES, body, format="json")
    assert response.status_code == 400
    errors = response.json()["interfaces"]
    assert "add its subnet in IPAM first" in errors[2]["address"][0]
    assert "unique per device" in errors[3]["name"][0]
    assert not Device.objects.exists() and not Host.objects.exists()


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"platform": "cisco_catos"}, "platform", "not a valid choice"),
        ({"credential_sets": ["nope"]}, "credential_sets", "No credential set named nope"),
        ({"management_address": "198.18.0.300"}, "management_address", "not an IPv4 or IPv6"),
        ({"site": 999999}, "site", "Invalid pk"),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_bad_fields_are_field_errors(
    erin: Any, lab: dict[str, Any], override: dict[str, Any], field: str, words: str
) -> None:
    response = _client(erin).post(DEVICES, _device(**override), format="json")
    assert response.status_code == 400
    assert words in str(response.json()[field])


def test_a_duplicate_name_or_an_address_of_another_device_is_refused(
    erin: Any, lab: dict[str, Any]
) -> None:
    client = _client(erin)
    assert client.post(DEVICES, _device(), format="json").status_code == 201
    again = client.post(DEVICES, _device(), format="json")
    assert again.status_code == 400
    assert "already exists" in str(again.json()["name"])
    other = client.post(DEVICES, _device(name="edge2", interfaces=[]), format="json")
    assert "already belongs to device edge1" in str(other.json()["management_address"])


def test_put_replaces_the_interfaces_and_patch_leaves_them(erin: Any, lab: dict[str, Any]) -> None:
    client = _client(erin)
    pk = client.post(DEVICES, _device(), format="json").json()["id"]
    put = client.put(
        f"{DEVICES}/{pk}",
        _device(interfaces=[{"name": "Gi0/9", "address": "198.18.0.9"}]),
        format="json",
    )
    assert put.status_code == 200, put.json()
    assert [i["name"] for i in put.json()["interfaces"]] == ["Gi0/9"]
    patch = client.patch(f"{DEVICES}/{pk}", {"description": "edge router"}, format="json")
    assert [i["name"] for i in patch.json()["interfaces"]] == ["Gi0/9"]
    assert client.delete(f"{DEVICES}/{pk}").status_code == 204
    assert Host.objects.filter(address="198.18.0.9").exists()


def test_the_device_list_filters_like_the_page(victor: Any, lab: dict[str, Any]) -> None:
    make_device("a", site=lab["site"])
    make_device("b")
    data = _client(victor).get(DEVICES, {"site": lab["site"].pk}).json()
    assert [d["name"] for d in data["results"]] == ["a"]
    bad = _client(victor).get(DEVICES, {"status": "sideways"})
    assert bad.status_code == 400


def test_credential_secrets_are_write_only_and_the_response_says_which_are_set(
    alice: Any, lab: dict[str, Any]
) -> None:
    client = _client(alice)
    created = client.post(
        "/api/inventory/credential-sets",
        {"name": "core", "username": "admin", "password": CANARY, "enable_secret": CANARY},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert CANARY not in created.content.decode()
    pk = created.json()["id"]
    assert created.json()["secrets_set"] == {
        "password": True,
        "enable_secret": True,
        "ssh_private_key": False,
        "ssh_key_passphrase": False,
    }
    patched = client.patch(
        f"/api/inventory/credential-sets/{pk}", {"enable_secret": ""}, format="json"
    )
    assert patched.json()["secrets_set"]["enable_secret"] is False
    assert CredentialSet.objects.get(pk=pk).password == CANARY
    listing = client.get("/api/inventory/credential-sets")
    assert CANARY not in listing.content.decode()
    empty = client.post(
        "/api/inventory/credential-sets", {"name": "e", "username": "u"}, format="json"
    )
    assert empty.status_code == 400


def test_sites_crud(erin: Any) -> None:
    client = _client(erin)
    created = client.post("/api/inventory/sites", {"name": "dc1"}, format="json")
    assert created.status_code == 201
    dupe = client.post("/api/inventory/sites", {"name": "dc1"}, format="json")
    assert dupe.status_code == 400
    assert client.delete(f"/api/inventory/sites/{created.json()['id']}").status_code == 204
