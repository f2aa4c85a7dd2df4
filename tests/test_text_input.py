"""Text the database cannot store (NUL, control characters, long tags): a field error, not a 500.

PostgreSQL answers NUL in text and values longer than their column with a
DataError; SQLite stores them. Both databases must give the same answer: the
suite runs this file on each.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from ipam.models import VLAN, Host, Tag
from netkeep.text import NoControlCharacters, NoNul, protect_model_text_fields
from tests.factories import make_host, make_subnet

NUL = "web\x00server"
LONG_TAG = "t" * 65


@pytest.fixture
def api(alice: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def host(db: None) -> Host:
    return make_host("198.51.100.5", make_subnet("198.51.100.0/24"), hostname="before")


# --- query strings ---------------------------------------------------------------------

PAGES = [
    "/ipam/search/",
    "/ipam/subnets/",
    "/ipam/hosts/",
    "/ipam/vlans/",
    "/ipam/export/hosts.csv",
    "/ipam/hosts/new/",
    "/discovery/runs/",
]
API_LISTS = ["/api/ipam/subnets/", "/api/ipam/hosts/", "/api/ipam/tags/", "/api/discovery/runs/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("name", ["q", "tag", "subnet"])
def test_a_page_refuses_a_nul_in_its_query_string_naming_the_parameter(
    admin_client: Client, path: str, name: str
) -> None:
    response = admin_client.get(path, {name: NUL})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert f"{name}: Null characters are not allowed." in response.content.decode()


@pytest.mark.parametrize("path", API_LISTS)
@pytest.mark.parametrize("name", ["q", "tag", "name", "kind"])
def test_an_api_list_refuses_a_nul_in_its_query_string_as_a_field_error(
    api: APIClient, path: str, name: str
) -> None:
    response = api.get(path, {name: NUL})
    assert response.status_code == 400
    assert response.json() == {name: ["Null characters are not allowed."]}


def test_the_search_refuses_other_control_characters_but_keeps_working(
    admin_client: Client, host: Host
) -> None:
    assert admin_client.get("/ipam/search/", {"q": "be\x1bfore"}).status_code == 400
    assert "198.51.100.5" in admin_client.get("/ipam/search/", {"q": "before"}).content.decode()


# --- forms and inline edit -------------------------------------------------------------


def _inline(client: Client, host: Host, **fields: str) -> str:
    data = {"hostname": "after", "description": "", "notes": "", "tags": "", **fields}
    response = client.post(f"/ipam/hosts/{host.pk}/inline/", data)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hostname", NUL, "Null characters are not allowed."),
        ("description", "a\x07bell", "control character (U+0007)"),
        ("hostname", "two\nlines", "control character (U+000A)"),
        ("notes", NUL, "Null characters are not allowed."),
        ("tags", LONG_TAG, "at most 64 characters"),
        ("tags", f"ok, {NUL}", "a tag name may hold only"),
    ],
)
def test_inline_edit_shows_a_field_error_and_stores_nothing(
    admin_client: Client, host: Host, field: str, value: str, message: str
) -> None:
    assert message in _inline(admin_client, host, **{field: value})
    host.refresh_from_db()
    assert host.hostname == "before" and not Tag.objects.exists()


def test_notes_keep_their_line_breaks_and_tabs(admin_client: Client, host: Host) -> None:
    _inline(admin_client, host, notes="rack 4\n\tshelf 2")
    host.refresh_from_db()
    assert host.notes == "rack 4\n\tshelf 2"


def test_the_host_and_vlan_forms_refuse_an_over_long_tag(admin_client: Client, host: Host) -> None:
    edit = admin_client.post(
        f"/ipam/hosts/{host.pk}/edit/", {"address": host.address, "tags": LONG_TAG}
    )
    vlan = admin_client.post(
        "/ipam/vlans/new/", {"vid": 6, "name": "x", "colour": "#000000", "tags": LONG_TAG}
    )
    for response in (edit, vlan):
        assert response.status_code == 200
        assert "at most 64 characters" in response.content.decode()
    assert not Tag.objects.exists() and not VLAN.objects.exists()


# --- CSV import ---------------------------------------------------------------------------

BAD_ROWS = [
    f"address,hostname\n198.51.100.9,{NUL}\n",
    "address,description\n198.51.100.9,esc\x1b[31m\n",
    f"address,tags\n198.51.100.9,{LONG_TAG}\n",
]


def _upload(text: str) -> io.BytesIO:
    upload = io.BytesIO(text.encode())
    upload.name = "hosts.csv"
    return upload


@pytest.mark.parametrize("text", BAD_ROWS)
def test_an_uploaded_csv_row_the_database_cannot_store_is_a_row_error_on_the_page(
    admin_client: Client, host: Host, text: str
) -> None:
    response = admin_client.post(
        reverse("ipam:import"),
        {"kind": "hosts", "mode": "skip", "file": _upload(text)},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 with errors" in response.content.decode()
    assert Host.objects.count() == 1 and not Tag.objects.exists()


@pytest.mark.parametrize("text", BAD_ROWS)
@pytest.mark.parametrize("dry_run", [True, False])
def test_an_uploaded_csv_row_the_database_cannot_store_is_a_row_error_in_the_api(
    api: APIClient, host: Host, text: str, dry_run: bool
) -> None:
    response = api.post(
        "/api/ipam/import",
        {"kind": "hosts", "file": _upload(text), "dry_run": dry_run},
        format="multipart",
    )
    assert response.status_code == (200 if dry_run else 400)
    assert response.json()["counts"]["error"] == 1
    assert Host.objects.count() == 1 and not Tag.objects.exists()


# --- API bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": "198.51.100.20", "hostname": NUL}, "hostname"),
        ({"address": "198.51.100.21", "tags": [NUL]}, "tags"),
        ({"address": "198.51.100.22", "description": "a\x00"}, "description"),
    ],
)
@pytest.mark.parametrize("format", ["json", "multipart"])
def test_an_api_body_with_a_nul_is_a_field_error(
    api: APIClient, host: Host, body: dict, field: str, format: str
) -> None:
    response = api.post("/api/ipam/hosts/", body, format=format)
    assert response.status_code == 400
    assert response.json() == {field: ["Null characters are not allowed."]}
    assert Host.objects.count() == 1


def test_an_api_one_line_field_refuses_control_characters(api: APIClient, host: Host) -> None:
    response = api.patch(f"/api/ipam/hosts/{host.pk}/", {"hostname": "a\tb"}, format="json")
    assert response.status_code == 400
    assert "control character (U+0009)" in response.json()["hostname"][0]


def test_an_api_tag_longer_than_its_column_is_a_field_error(api: APIClient) -> None:
    response = api.post("/api/ipam/tags/", {"name": LONG_TAG}, format="json")
    assert response.status_code == 400 and "64" in response.json()["name"][0]


# --- the mechanism --------------------------------------------------------------------------


def test_every_text_field_of_every_model_carries_its_validator() -> None:
    from django.apps import apps
    from django.db import models

    protect_model_text_fields()  # idempotent: nothing is added twice
    checked = 0
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {"accounts", "ipam", "discovery", "netkeep"}:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField):
                assert field.validators.count(NoNul()) == 1, field
                checked += 1
            elif isinstance(field, models.CharField) and field.choices is None:
                assert field.validators.count(NoControlCharacters()) == 1, field
                checked += 1
    assert checked > 30
