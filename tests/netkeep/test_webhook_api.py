"""The webhook API at /api/webhooks (and its old address under /api/discovery/)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from netkeep.models import Webhook

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_webhook_secrets_are_write_only(alice: Any) -> None:
    client = client_for(alice)
    created = client.post(
        "/api/webhooks",
        {
            "name": "ops",
            "url": "https://hooks.example.org/x",
            "kinds": ["host_down"],
            "secret": "s3cret",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "secret" not in body
    assert body["has_secret"] is True
    hook = Webhook.objects.get()
    assert hook.secret == "s3cret"
    # Updating without a secret keeps it.
    client.patch(f"/api/webhooks/{hook.pk}", {"enabled": False}, format="json")
    assert Webhook.objects.get().secret == "s3cret"
    listing = client.get("/api/webhooks").content.decode()
    assert "s3cret" not in listing


def test_a_webhook_with_an_unknown_event_kind_is_refused(alice: Any) -> None:
    response = client_for(alice).post(
        "/api/webhooks",
        {"name": "ops", "url": "https://hooks.example.org/x", "kinds": ["host_exploded"]},
        format="json",
    )
    assert response.status_code == 400
    assert "host_exploded" in str(response.json())


def test_editors_cannot_manage_webhooks(erin: Any) -> None:
    response = client_for(erin).post(
        "/api/webhooks",
        {"name": "ops", "url": "https://hooks.example.org/x", "kinds": ["host_down"]},
        format="json",
    )
    assert response.status_code == 403


def test_nobody_without_a_role_or_the_admin_role_sees_webhooks(nora: Any, victor: Any) -> None:
    for who in (nora, victor):
        assert client_for(who).get("/api/webhooks").status_code == 403


def test_the_old_address_still_answers_for_existing_clients(alice: Any) -> None:
    Webhook.objects.create(name="ops", url="https://hooks.example.org/x", kinds=["host_down"])
    body = client_for(alice).get("/api/discovery/webhooks").json()
    assert [hook["name"] for hook in body["results"]] == ["ops"]
    assert client_for(alice).get("/api/webhooks").json()["results"] == body["results"]


def test_the_webhook_endpoints_are_in_the_openapi_schema(alice: Any) -> None:
    paths = {
        p.rstrip("/") for p in client_for(alice).get("/api/schema/?format=json").json()["paths"]
    }
    assert {"/api/webhooks", "/api/webhooks/{id}", "/api/webhooks/{id}/deliveries"} <= paths
