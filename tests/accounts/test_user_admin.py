"""The admin's user pages: list, create, change role, deactivate, reset a password."""

from __future__ import annotations

from django.test import Client

from accounts.models import Role, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-completely-new-passphrase"


def _signed_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content
    return client


def test_the_user_list_shows_each_user_with_role_and_status(
    admin_client: Client, erin: User, victor: User, nora: User
) -> None:
    victor.is_active = False
    victor.save()
    nora.must_change_password = True
    nora.save()
    page = admin_client.get("/users/").content.decode()
    for name in ("alice", "erin", "victor", "nora"):
        assert f">{name}</a>" in page
    assert "Editor" in page and "No access" in page
    assert "inactive" in page and "must change password" in page


def test_an_admin_creates_a_user_who_must_change_the_first_password(
    admin_client: Client,
) -> None:
    response = admin_client.post(
        "/users/new/",
        {
            "username": "newbie",
            "email": "n@example.org",
            "password": NEW_PASSWORD,
            "role": "editor",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/users/"
    newbie = User.objects.get(username="newbie")
    assert newbie.role == Role.EDITOR and newbie.must_change_password
    assert [g.name for g in newbie.groups.all()] == ["editor"]
    client = _signed_in("newbie", NEW_PASSWORD)
    assert client.get("/")["Location"] == "/account/password/"


def test_a_username_is_unique(admin_client: Client, erin: User) -> None:
    response = admin_client.post(
        "/users/new/", {"username": "erin", "password": NEW_PASSWORD, "role": "viewer"}
    )
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()


def test_an_admin_changes_a_role(admin_client: Client, erin: User) -> None:
    assert erin.has_perm("accounts.view_user") is False
    response = admin_client.post(
        f"/users/{erin.pk}/", {"username": "erin", "role": Role.ADMIN, "is_active": "on"}
    )
    assert response.status_code == 302
    erin = User.objects.get(pk=erin.pk)
    assert erin.role == Role.ADMIN and erin.is_staff
    assert erin.has_perm("accounts.manage_users")


def test_demoting_a_superuser_takes_every_power_away(admin_client: Client) -> None:
    root = User.objects.create_superuser("root", password=PASSWORD)
    assert root.role == Role.ADMIN
    response = admin_client.post(
        f"/users/{root.pk}/", {"username": "root", "role": Role.VIEWER, "is_active": "on"}
    )
    assert response.status_code == 302
    root = User.objects.get(pk=root.pk)
    assert not root.is_superuser and not root.is_staff
    assert not root.has_perm("accounts.manage_users")


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(
    admin_client: Client, erin: User
) -> None:
    session = _signed_in("erin")
    response = admin_client.post(f"/users/{erin.pk}/", {"username": "erin", "role": "editor"})
    assert response.status_code == 302
    assert User.objects.get(pk=erin.pk).is_active is False
    assert session.get("/")["Location"].startswith("/login/")
    response = Client().post("/login/", {"username": "erin", "password": PASSWORD})
    assert response.status_code == 200 and "do not match" in response.content.decode()


def test_an_admin_cannot_deactivate_or_demote_themselves(admin_client: Client, alice: User) -> None:
    response = admin_client.post(f"/users/{alice.pk}/", {"username": "alice", "role": "admin"})
    assert "You cannot deactivate your own account." in response.content.decode()
    response = admin_client.post(
        f"/users/{alice.pk}/", {"username": "alice", "role": "viewer", "is_active": "on"}
    )
    assert "You cannot remove your own admin role" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active and alice.role == Role.ADMIN


def test_a_password_reset_forces_a_change_and_ends_the_users_sessions(
    admin_client: Client, erin: User
) -> None:
    session = _signed_in("erin")
    response = admin_client.post(
        f"/users/{erin.pk}/password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    erin.refresh_from_db()
    assert erin.must_change_password and erin.check_password(NEW_PASSWORD)
    assert session.get("/")["Location"].startswith("/login/")
    client = _signed_in("erin", NEW_PASSWORD)
    assert client.get("/")["Location"] == "/account/password/"


def test_a_reset_password_must_follow_the_policy(admin_client: Client, erin: User) -> None:
    response = admin_client.post(
        f"/users/{erin.pk}/password/", {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    erin.refresh_from_db()
    assert erin.check_password(PASSWORD) and not erin.must_change_password


def test_an_unknown_user_is_a_404(admin_client: Client) -> None:
    assert admin_client.get("/users/999999/").status_code == 404
    assert admin_client.get("/users/999999/password/").status_code == 404


def test_the_django_admin_creates_users_with_a_role(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "bulk",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "role": Role.VIEWER,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    bulk = User.objects.get(username="bulk")
    assert bulk.role == Role.VIEWER and [g.name for g in bulk.groups.all()] == ["viewer"]


def test_the_django_admin_does_not_offer_hand_made_permissions(
    admin_client: Client, erin: User
) -> None:
    page = admin_client.get(f"/admin/accounts/user/{erin.pk}/change/").content.decode()
    assert 'name="role"' in page
    for field in ("groups", "user_permissions", "is_superuser", "is_staff"):
        assert f'name="{field}"' not in page
