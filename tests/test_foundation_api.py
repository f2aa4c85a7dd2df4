"""The API base, for every app's endpoints: paginated, filterable lists behind sign-in."""

from __future__ import annotations

from django.urls import resolve
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import bearer, token_for
from tests.test_foundation_crawl import example_paths


def list_endpoints() -> list[str]:
    """Every API path routed to a viewset's `list` action."""
    paths = []
    for path in example_paths():
        if path.startswith("/api/"):
            actions = getattr(resolve(path).func, "actions", None) or {}
            if actions.get("get") == "list":
                paths.append(path)
    return paths


def test_every_api_list_is_paginated(alice: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "alice")["access"])
    paths = list_endpoints()
    assert paths, "the URL walk found no API list endpoint"
    unpaginated = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, f"{path} -> {response.status_code}"
        body = response.json()
        if not (isinstance(body, dict) and "results" in body and "next" in body):
            unpaginated.append(path)
    assert not unpaginated, f"lists without pagination: {unpaginated}"


def test_every_api_list_is_filterable() -> None:
    unfiltered = []
    for path in list_endpoints():
        view = resolve(path).func.cls  # type: ignore[attr-defined]
        has_filters = getattr(view, "filterset_class", None) or getattr(
            view, "filterset_fields", None
        )
        if not has_filters:
            unfiltered.append(path)
    assert not unfiltered, f"lists without a FilterSet: {unfiltered}"


def test_session_authentication_works_for_the_browsable_api(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.get("/api/auth/me")
    assert response.status_code == 200 and response.json()["username"] == "alice"
    # Writes with a session need the CSRF token, like a form.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(User.objects.get(username="alice"))
    response = strict.post("/api/auth/password", {"old_password": "x", "new_password": "y"})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
