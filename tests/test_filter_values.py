"""Filter values the list cannot use: a 400 naming the field (API) or an error shown (page)."""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User

# Text that breaks %-formatting, and text no boolean, number or choice accepts.
AWKWARD = ["%s", "%(name)s", "-1"]


def _list_filters() -> list[tuple[str, str]]:
    """Every query parameter of every API list, from the served schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        if "{" in path or "get" not in operations:
            continue
        for parameter in operations["get"].get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] not in ("page", "cursor"):
                found.append((path, parameter["name"]))
    return found


@pytest.fixture
def api(alice: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_every_list_filter_answers_awkward_text_with_an_answer_not_a_500(api: APIClient) -> None:
    filters = _list_filters()
    assert ("/api/ipam/subnets/", "within") in filters
    for path, name in filters:
        for value in AWKWARD:
            response = api.get(path, {name: value})
            assert response.status_code in (200, 400), (path, name, value, response.content)
            if response.status_code == 400:
                assert name in response.json(), (path, name, value, response.json())


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/api/ipam/subnets/", "within", "%s"),
        ("/api/ipam/subnets/", "contains", "%d"),
        ("/api/ipam/hosts/", "within", "%s"),
        ("/api/ipam/subnets/", "within", "10.0.0.0/33"),
        ("/api/ipam/subnets/", "scan_enabled", "-1"),
        ("/api/ipam/subnets/", "family", "9"),
        ("/api/webhooks/", "enabled", "-1"),
        ("/api/webhooks/", "enabled", "yes please"),
        ("/api/discovery/runs/", "by_schedule", "%s"),
        ("/api/discovery/ports/", "current", "2"),
    ],
)
def test_a_filter_value_the_list_cannot_use_is_a_400_naming_the_field(
    api: APIClient, path: str, name: str, value: str
) -> None:
    response = api.get(path, {name: value})
    assert response.status_code == 400
    assert list(response.json()) == [name]
    assert value in response.json()[name][0] or "prefix length" in response.json()[name][0]


@pytest.mark.parametrize("value", ["true", "True", "1", "false", "0", ""])
def test_the_usual_spellings_of_a_boolean_filter_still_work(api: APIClient, value: str) -> None:
    assert api.get("/api/webhooks/", {"enabled": value}).status_code == 200


def test_the_subnet_page_shows_a_bad_boolean_filter_instead_of_ignoring_it(
    viewer_client: Client,
) -> None:
    response = viewer_client.get("/ipam/subnets/", {"scan_enabled": "-1"})
    assert response.status_code == 200
    assert "is not a yes/no value" in response.content.decode()


def test_the_subnet_page_quotes_a_percent_filter_value_as_typed(viewer_client: Client) -> None:
    response = viewer_client.get("/ipam/subnets/", {"within": "%s"})
    assert response.status_code == 200
    assert "%s has a zone index" in response.content.decode()


def test_webhooks_filter_by_payload_format(api: APIClient) -> None:
    from netkeep.models import Webhook

    Webhook.objects.create(name="chat", url="https://chat.example.org/hook", format="discord")
    Webhook.objects.create(name="plain", url="https://hooks.example.org/x", format="generic")
    response = api.get("/api/webhooks/", {"payload_format": "discord"})
    assert [w["name"] for w in response.json()["results"]] == ["chat"]
