"""The API answers what its schema documents (the mismatches the fuzzer found, pinned)."""

from __future__ import annotations

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User
from discovery.models import ScanRun
from tests.factories import make_subnet


@pytest.fixture
def api(alice: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture(scope="module")
def paths() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def test_allocate_answers_and_documents_a_plain_list(api: APIClient, paths: dict) -> None:
    subnet = make_subnet("198.51.100.0/29")
    response = api.post(f"/api/ipam/subnets/{subnet.pk}/allocate/", {"count": 2}, format="json")
    assert response.status_code == 201 and len(response.json()) == 2
    documented = paths["/api/ipam/subnets/{id}/allocate/"]["post"]["responses"]["201"]
    assert documented["content"]["application/json"]["schema"]["type"] == "array"


@pytest.mark.parametrize(("action", "method"), [("allocate", "post"), ("free", "get")])
def test_one_subnets_actions_neither_document_nor_apply_the_list_filters(
    api: APIClient, paths: dict, action: str, method: str
) -> None:
    subnet = make_subnet("198.51.100.0/29")
    names = {p["name"] for p in paths[f"/api/ipam/subnets/{{id}}/{action}/"][method]["parameters"]}
    assert not names & {"within", "contains", "vrf", "family", "page", "q"}
    # A list filter in the query string no longer hides the subnet (404) or fails (400).
    url = f"/api/ipam/subnets/{subnet.pk}/{action}/?within=10.0.0.0/8&family=6"
    response = api.post(url, {}, format="json") if method == "post" else api.get(url)
    assert response.status_code in (200, 201)


def test_the_imports_400_is_either_field_errors_or_the_refused_result(
    api: APIClient, paths: dict
) -> None:
    field_errors = api.post("/api/ipam/import", {"kind": "hosts"}, format="json")
    refused = api.post(
        "/api/ipam/import",
        {"kind": "hosts", "csv": "address\n10.0.0.0/33\n", "dry_run": False},
        format="json",
    )
    unreadable = api.post("/api/ipam/import", {"kind": "subnets", "csv": "x\n1\n"}, format="json")
    assert field_errors.status_code == refused.status_code == unreadable.status_code == 400
    assert isinstance(field_errors.json()["csv"], list) and refused.json()["applied"] is False
    assert isinstance(unreadable.json()["csv"], list)
    schema = paths["/api/ipam/import"]["post"]["responses"]["400"]["content"]["application/json"]
    assert len(schema["schema"]["oneOf"]) == 2


def test_a_runs_started_by_is_null_for_a_scheduled_run_and_documented_so(
    api: APIClient,
) -> None:
    ScanRun.objects.create(kind="sweep", target="198.51.100.0/24", by_schedule=True)
    assert api.get("/api/discovery/runs/").json()["results"][0]["started_by"] is None
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["Run"]["properties"]["started_by"]["nullable"]


def test_a_viewer_applying_any_import_is_refused_with_403(victor: User) -> None:
    client = APIClient()
    client.force_authenticate(victor)
    response = client.post("/api/imports/12345/apply/", {}, format="json")
    assert response.status_code == 403


def test_a_body_that_is_not_json_gets_a_400_its_schema_documents(
    api: APIClient, paths: dict
) -> None:
    response = api.post("/api/ipam/import", "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    documented = paths["/api/ipam/import"]["post"]["responses"]["400"]["content"]
    field_errors = documented["application/json"]["schema"]["oneOf"][1]
    jsonschema.validate(response.json(), field_errors)
