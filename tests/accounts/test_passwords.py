"""Passwords: the policy, the forced change of bootstrap passwords, sessions ending on change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role, User
from tests.conftest import PASSWORD, bearer, make_user, token_for

NEW_PASSWORD = "a-completely-new-passphrase"

POLICY = [
    ("short-one", "too short. It must contain at least 12 characters"),
    ("password1234", "too common"),
    ("804629175306128", "entirely numeric: add letters"),
]


def _signed_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return client


@pytest.mark.parametrize(("password", "message"), POLICY)
def test_the_password_form_says_what_to_fix(erin: User, password: str, message: str) -> None:
    client = _signed_in("erin")
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    erin.refresh_from_db()
    assert erin.check_password(PASSWORD)


@pytest.mark.parametrize(("password", "message"), POLICY)
def test_the_api_says_what_to_fix(erin: User, password: str, message: str) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    response = client.post(
        "/api/auth/password", {"old_password": PASSWORD, "new_password": password}, format="json"
    )
    assert response.status_code == 400
    assert any(message in m for m in response.json()["new_password"])


@pytest.mark.parametrize(("password", "message"), POLICY)
def test_an_admin_cannot_give_a_new_user_a_weak_password(
    admin_client: Client, password: str, message: str
) -> None:
    response = admin_client.post(
        "/users/new/", {"username": "newbie", "password": password, "role": Role.VIEWER}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()


def test_a_password_change_ends_the_users_other_sessions(erin: User, victor: User) -> None:
    here = _signed_in("erin")
    elsewhere = _signed_in("erin")
    someone_else = _signed_in("victor")
    response = here.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert here.get("/").status_code == 200
    response = elsewhere.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert someone_else.get("/").status_code == 200


def test_a_password_change_through_the_api_ends_web_sessions(erin: User) -> None:
    browser = _signed_in("erin")
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    response = client.post(
        "/api/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    assert browser.get("/")["Location"].startswith("/login/")


def test_a_bootstrap_password_sends_every_page_to_the_password_form(db: None) -> None:
    make_user("boot", Role.ADMIN, must_change_password=True)
    client = _signed_in("boot")
    for page in ("/", "/users/", "/audit/", "/account/", "/ipam/", "/admin/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == "/account/password/", page
    response = client.get("/users/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/account/password/"
    page = client.get("/account/password/").content.decode()
    assert "You are using a first or reset password" in page


def test_the_new_password_must_differ_from_the_bootstrap_one(db: None) -> None:
    make_user("boot", Role.ADMIN, must_change_password=True)
    client = _signed_in("boot")
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "must differ" in response.content.decode()
    assert User.objects.get(username="boot").must_change_password


def test_ensure_admin_creates_the_first_admin_once(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.NETKEEP_ADMIN_USER = "root"
    settings.NETKEEP_ADMIN_PASSWORD = "bootstrap-passphrase"
    call_command("ensure_admin")
    call_command("ensure_admin")
    admin = User.objects.get(username="root")
    assert admin.role == Role.ADMIN and admin.is_superuser and admin.must_change_password
    assert admin.check_password("bootstrap-passphrase")
    client = _signed_in("root", "bootstrap-passphrase")
    assert client.get("/")["Location"] == "/account/password/"
    response = client.post(
        "/account/password/",
        {
            "old_password": "bootstrap-passphrase",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == "/"
    assert "Welcome, root" in client.get("/").content.decode()


def test_a_user_changes_their_own_username(erin: User) -> None:
    client = _signed_in("erin")
    response = client.post(
        "/account/", {"username": "erin2", "first_name": "", "last_name": "", "email": ""}
    )
    assert response.status_code == 302
    erin.refresh_from_db()
    assert erin.username == "erin2" and erin.role == Role.EDITOR
    assert client.get("/").status_code == 200


def test_a_user_cannot_give_themselves_a_role_through_the_account_page(victor: User) -> None:
    client = _signed_in("victor")
    client.post(
        "/account/",
        {"username": "victor", "role": Role.ADMIN, "is_superuser": "on", "is_staff": "on"},
    )
    victor.refresh_from_db()
    assert victor.role == Role.VIEWER and not victor.is_superuser and not victor.is_staff


def test_signing_out_needs_a_post_and_ends_the_session(erin: User) -> None:
    client = _signed_in("erin")
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


def test_guessing_the_current_password_on_the_web_locks_like_failed_sign_ins(
    erin: User, settings: Any
) -> None:
    settings.LOGIN_THROTTLE_USER = (3, 900)
    client = Client()
    client.force_login(erin)
    wrong = {"old_password": "not-it-at-all", "new_password1": "x", "new_password2": "x"}
    for _ in range(3):
        assert "entered incorrectly" in client.post("/account/password/", wrong).content.decode()
    right = {
        "old_password": PASSWORD,
        "new_password1": "another-long-passphrase-9",
        "new_password2": "another-long-passphrase-9",
    }
    response = client.post("/account/password/", right)
    assert response.status_code == 200
    assert "Too many failed" in response.content.decode()
    erin.refresh_from_db()
    assert erin.check_password(PASSWORD)


def test_guessing_the_current_password_through_the_api_answers_429(
    erin: User, settings: Any
) -> None:
    settings.LOGIN_THROTTLE_USER = (3, 900)
    client = APIClient()
    client.force_authenticate(erin)
    wrong = {"old_password": "not-it-at-all", "new_password": "another-long-passphrase-9"}
    assert [client.post("/api/auth/password", wrong).status_code for _ in range(3)] == [400] * 3
    right = {"old_password": PASSWORD, "new_password": "another-long-passphrase-9"}
    assert client.post("/api/auth/password", right).status_code == 429
    erin.refresh_from_db()
    assert erin.check_password(PASSWORD)
