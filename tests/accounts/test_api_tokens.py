"""Personal API tokens: hashed keys shown once, scopes, expiry, revocation, audit, who sees what."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import APIToken, AuditEntry, TokenScope, User
from ipam.models import Tag
from tests.conftest import PASSWORD, bearer, token_for

pytestmark = pytest.mark.django_db


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def issue(user: User, scope: str = TokenScope.WRITE, **extra: object) -> str:
    return APIToken.issue(user, "script", scope, **extra)[1]  # type: ignore[arg-type]


# -- the key -------------------------------------------------------------------------------


def test_only_a_hash_of_the_key_is_stored(erin: User) -> None:
    token, key = APIToken.issue(erin, "backup script")
    token.refresh_from_db()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(f"nk_{token.prefix}_")
    stored = [str(v) for v in APIToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(key in v or key[16:] in v for v in stored)


def test_the_web_shows_the_key_once_and_never_again(editor_client: Client, erin: User) -> None:
    response = editor_client.post(
        "/account/tokens/new/", {"name": "cron export", "scope": "read", "lifetime": "30"}
    )
    assert response.status_code == 201
    key = re.search(r'value="(nk_[^"]+)"', response.content.decode()).group(1)  # type: ignore[union-attr]
    token = APIToken.objects.get(user=erin)
    assert token.name == "cron export" and token.scope == TokenScope.READ
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)  # type: ignore[operator]
    page = editor_client.get("/account/").content.decode()
    assert "cron export" in page and token.prefix in page
    assert key not in page
    assert with_token(key).get("/api/auth/me").json()["username"] == "erin"


def test_the_api_returns_the_key_in_the_create_response_only(erin: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    response = client.post("/api/auth/tokens", {"name": "nightly", "scope": "write"}, format="json")
    assert response.status_code == 201, response.content
    key = response.json()["key"]
    assert with_token(key).get("/api/auth/me").status_code == 200
    listed = client.get("/api/auth/tokens").json()["results"]
    assert [t["name"] for t in listed] == ["nightly"]
    assert "key" not in listed[0] and key not in str(client.get("/api/auth/tokens").content)
    detail = client.get(f"/api/auth/tokens/{listed[0]['id']}").json()
    assert "key" not in detail and "key_hash" not in detail


def test_a_new_token_gets_field_errors_for_bad_input(editor_client: Client, erin: User) -> None:
    response = editor_client.post("/account/tokens/new/", {"name": "", "lifetime": "7"})
    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert not APIToken.objects.exists()
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.post("/api/auth/tokens", {"name": "x", "expires_at": past}, format="json")
    assert response.status_code == 400
    assert "future" in response.json()["expires_at"][0]
    # Text the database cannot store is refused as the body is read, before other checks.
    response = client.post("/api/auth/tokens", {"name": "a\x00b", "scope": "all"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name"}
    response = client.post("/api/auth/tokens", {"name": "ab", "scope": "all"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"scope"}


# -- what a token may do --------------------------------------------------------------------


def test_a_read_only_token_reads_but_cannot_write(erin: User) -> None:
    client = with_token(issue(erin, TokenScope.READ))
    assert client.get("/api/ipam/tags/").status_code == 200
    response = client.post("/api/ipam/tags/", {"name": "core"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not Tag.objects.exists()
    # Endpoints that replace the default permissions keep the scope too.
    response = client.post(
        "/api/auth/password",
        {"old_password": PASSWORD, "new_password": "another-long-passphrase"},
        format="json",
    )
    assert response.status_code == 403


def test_a_read_write_token_writes_with_its_users_role(erin: User, victor: User) -> None:
    response = with_token(issue(erin)).post("/api/ipam/tags/", {"name": "core"}, format="json")
    assert response.status_code == 201
    # A viewer's read-write token is still a viewer's.
    viewer = with_token(issue(victor))
    assert viewer.get("/api/ipam/tags/").status_code == 200
    assert viewer.post("/api/ipam/tags/", {"name": "edge"}, format="json").status_code == 403


def test_a_token_follows_its_users_current_role(erin: User) -> None:
    client = with_token(issue(erin))
    erin.role = "viewer"
    erin.save()
    assert client.post("/api/ipam/tags/", {"name": "core"}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "expired"),
        ({"revoked": True}, "revoked"),
        ({"inactive": True}, "deactivated"),
        ({"garbage": True}, "Invalid token"),
    ],
)
def test_an_unusable_token_answers_401_saying_why(
    erin: User, setup: dict[str, object], message: str
) -> None:
    token, key = APIToken.issue(erin, "script", expires_at=setup.get("expires_at"))  # type: ignore[arg-type]
    if setup.get("revoked"):
        token.revoke()
    if setup.get("inactive"):
        erin.is_active = False
        erin.save()
    if setup.get("garbage"):
        key = key[:-3] + ("aaa" if not key.endswith("aaa") else "bbb")
    response = with_token(key).get("/api/ipam/tags/")
    assert response.status_code == 401
    assert message in response.json()["detail"]


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token nk_short", "Token ünïcode"])
def test_malformed_token_headers_answer_401(erin: User, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    assert client.get("/api/ipam/tags/").status_code == 401


def test_a_token_survives_a_password_change(erin: User) -> None:
    key = issue(erin)
    erin.set_password("a-new-long-passphrase")
    erin.save()
    assert with_token(key).get("/api/auth/me").status_code == 200


def test_last_use_is_recorded_at_most_once_a_minute(erin: User) -> None:
    token, key = APIToken.issue(erin, "script")
    client = with_token(key)
    client.get("/api/auth/me")
    token.refresh_from_db()
    first = token.last_used
    assert first is not None
    client.get("/api/auth/me")
    token.refresh_from_db()
    assert token.last_used == first
    APIToken.objects.filter(pk=token.pk).update(last_used=first - timedelta(minutes=2))
    client.get("/api/auth/me")
    token.refresh_from_db()
    assert token.last_used > first


def test_a_token_cannot_create_tokens(erin: User) -> None:
    response = with_token(issue(erin)).post("/api/auth/tokens", {"name": "more"}, format="json")
    assert response.status_code == 403
    assert "cannot create tokens" in response.json()["detail"]
    assert APIToken.objects.count() == 1


# -- who sees and revokes what ---------------------------------------------------------------


def test_users_see_only_their_own_tokens_and_admins_see_all(
    alice: User, erin: User, victor: User
) -> None:
    APIToken.issue(erin, "erin's")
    APIToken.issue(victor, "victor's")
    erin_api = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    assert [t["name"] for t in erin_api.get("/api/auth/tokens").json()["results"]] == ["erin's"]
    admin_api = bearer(APIClient(), token_for(APIClient(), "alice")["access"])
    names = {t["name"] for t in admin_api.get("/api/auth/tokens").json()["results"]}
    assert names == {"erin's", "victor's"}


def test_revoking_through_the_api_stops_the_token_and_is_audited(alice: User, erin: User) -> None:
    token, key = APIToken.issue(erin, "erin's")
    erin_api = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    victor_token = APIToken.issue(User.objects.create(username="v2", role="viewer"), "v")[0]
    assert erin_api.post(f"/api/auth/tokens/{victor_token.pk}/revoke").status_code == 404
    admin_api = bearer(APIClient(), token_for(APIClient(), "alice")["access"])
    response = admin_api.post(f"/api/auth/tokens/{token.pk}/revoke")
    assert response.status_code == 200 and response.json()["active"] is False
    assert with_token(key).get("/api/auth/me").status_code == 401
    entry = AuditEntry.objects.filter(
        content_type__model="apitoken", object_id=str(token.pk), action="update"
    ).get()
    assert entry.username == "alice" and entry.door == "api"
    assert list(entry.changes) == ["revoked_at"]


def test_creating_and_revoking_on_the_web_are_audited_without_the_key(
    editor_client: Client, erin: User
) -> None:
    response = editor_client.post(
        "/account/tokens/new/", {"name": "cron", "scope": "write", "lifetime": ""}
    )
    key = re.search(r'value="(nk_[^"]+)"', response.content.decode()).group(1)  # type: ignore[union-attr]
    token = APIToken.objects.get()
    assert token.expires_at is None
    assert editor_client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    entries = AuditEntry.objects.filter(
        content_type__model="apitoken", object_id=str(token.pk)
    ).order_by("at", "id")
    assert [(e.action, e.username, e.door) for e in entries] == [
        ("create", "erin", "web"),
        ("update", "erin", "web"),
    ]
    assert entries[0].changes["name"] == [None, "cron"]
    assert entries[0].changes["scope"] == [None, "write"]
    trail = str([e.changes for e in entries])
    assert key not in trail and token.key_hash not in trail and key[16:] not in trail


def test_a_read_only_token_cannot_revoke(erin: User) -> None:
    token, key = APIToken.issue(erin, "ro", TokenScope.READ)
    assert with_token(key).post(f"/api/auth/tokens/{token.pk}/revoke").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        ("admin_client", 200),
        ("editor_client", 403),
        ("viewer_client", 403),
        ("noaccess_client", 403),
        ("client", 302),
    ],
)
def test_only_admins_see_every_users_tokens_on_the_web(
    request: pytest.FixtureRequest, client_fixture: str, status: int, erin: User
) -> None:
    APIToken.issue(erin, "erin's script")
    response = request.getfixturevalue(client_fixture).get("/tokens/")
    assert response.status_code == status
    if status == 200:
        assert b"erin&#x27;s script" in response.content


@pytest.mark.parametrize(
    ("client_fixture", "status"),
    [
        ("admin_client", 302),
        ("editor_client", 404),
        ("viewer_client", 404),
        ("noaccess_client", 404),
        ("client", 302),
    ],
)
def test_only_the_owner_or_an_admin_revokes_a_token_on_the_web(
    request: pytest.FixtureRequest, client_fixture: str, status: int
) -> None:
    owner = User.objects.create(username="owner", role="editor")
    token = APIToken.issue(owner, "owner's")[0]
    response = request.getfixturevalue(client_fixture).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == status
    token.refresh_from_db()
    assert (token.revoked_at is not None) == (client_fixture == "admin_client")


def test_someone_without_a_role_cannot_create_tokens(noaccess_client: Client, nora: User) -> None:
    response = noaccess_client.post("/account/tokens/new/", {"name": "x", "scope": "read"})
    assert response.status_code == 403
    api = bearer(APIClient(), token_for(APIClient(), "nora")["access"])
    assert api.post("/api/auth/tokens", {"name": "x"}, format="json").status_code == 403
    assert api.get("/api/auth/tokens").status_code == 403
    assert APIClient().get("/api/auth/tokens").status_code == 401
    assert not APIToken.objects.exists()


def test_the_schema_declares_the_token_scheme(admin_client: Client) -> None:
    schema = admin_client.get("/api/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    revoke = next(p for p in schema["paths"] if p.startswith("/api/auth/tokens/{id}/revoke"))
    assert {"tokenAuth": []} in schema["paths"][revoke]["post"]["security"]
