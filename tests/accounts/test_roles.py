"""The role matrix: admin does all, editor changes data, viewer reads, no role sees nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import AuditEntry, Role, User
from accounts.roles import ADMIN_ONLY_MODELS, DATA_APPS
from tests.conftest import PASSWORD, bearer, token_for
from tests.test_foundation_crawl import example_paths

ADMIN_ONLY_PAGES = ["/users/", "/users/new/", "/audit/"]


@pytest.fixture
def probe_permissions(db: None) -> None:
    """Permissions of a made-up data model, so the matrix holds before any app has models."""
    from django.contrib.contenttypes.models import ContentType

    from accounts.roles import sync_role_groups

    ct, _ = ContentType.objects.get_or_create(app_label="ipam", model="rolematrixprobe")
    for codename in ("view", "add", "change", "delete"):
        Permission.objects.get_or_create(
            content_type=ct, codename=f"{codename}_rolematrixprobe", defaults={"name": codename}
        )
    Permission.objects.get_or_create(
        content_type=ct, codename="run_scans", defaults={"name": "run scans"}
    )
    sync_role_groups()


def _data_permissions() -> list[Permission]:
    return list(
        Permission.objects.filter(content_type__app_label__in=DATA_APPS).select_related(
            "content_type"
        )
    )


def _perm_name(p: Permission) -> str:
    return f"{p.content_type.app_label}.{p.codename}"


def test_an_admin_sees_the_user_pages_and_the_audit_trail(admin_client: Client, erin: User) -> None:
    for page in [*ADMIN_ONLY_PAGES, f"/users/{erin.pk}/", f"/users/{erin.pk}/password/"]:
        assert admin_client.get(page).status_code == 200, page


@pytest.mark.parametrize("who", ["editor_client", "viewer_client", "noaccess_client"])
def test_only_an_admin_may_manage_users_or_read_the_audit_trail(
    request: pytest.FixtureRequest, who: str, alice: User
) -> None:
    client: Client = request.getfixturevalue(who)
    for page in [*ADMIN_ONLY_PAGES, f"/users/{alice.pk}/", f"/users/{alice.pk}/password/"]:
        assert client.get(page).status_code == 403, page
    response = client.post(
        "/users/new/", {"username": "mallory", "password": PASSWORD, "role": Role.ADMIN}
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()
    response = client.post(
        f"/users/{alice.pk}/",
        {"username": "alice", "email": "", "role": Role.VIEWER, "is_active": ""},
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.role == Role.ADMIN and alice.is_active


@pytest.mark.parametrize("who", ["editor_client", "viewer_client", "noaccess_client"])
def test_the_admin_link_is_shown_only_to_admins(
    request: pytest.FixtureRequest, who: str, admin_client: Client
) -> None:
    client: Client = request.getfixturevalue(who)
    assert 'href="/users/"' in admin_client.get("/").content.decode()
    assert 'href="/users/"' not in client.get("/").content.decode()


def test_a_viewer_may_read_every_data_model_but_change_none(
    probe_permissions: None, victor: User
) -> None:
    perms = _data_permissions()
    assert perms, "the data apps declare no permissions"
    for p in perms:
        expected = p.codename.startswith("view_")
        assert victor.has_perm(_perm_name(p)) is expected, _perm_name(p)
    assert not victor.has_perm("accounts.manage_users")


def test_an_editor_may_change_data_but_not_users(probe_permissions: None, erin: User) -> None:
    for p in _data_permissions():
        scope_model = (p.content_type.app_label, p.content_type.model) in ADMIN_ONLY_MODELS
        if scope_model and not p.codename.startswith("view_"):
            # What may be scanned is an admin's decision (tests/accounts/test_role_scope.py).
            assert not erin.has_perm(_perm_name(p)), _perm_name(p)
        else:
            assert erin.has_perm(_perm_name(p)), _perm_name(p)
    for perm in ("accounts.manage_users", "accounts.change_user", "accounts.view_auditentry"):
        assert not erin.has_perm(perm), perm


def test_someone_without_a_role_has_no_permission_at_all(
    probe_permissions: None, nora: User
) -> None:
    assert nora.get_all_permissions() == set()


def test_changing_a_role_changes_the_permissions(victor: User) -> None:
    victor.role = Role.EDITOR
    victor.save()
    victor = User.objects.get(pk=victor.pk)  # permissions are cached per instance
    assert [g.name for g in victor.groups.all()] == ["editor"]
    victor.role = Role.NONE
    victor.save()
    victor = User.objects.get(pk=victor.pk)
    assert victor.groups.count() == 0 and victor.get_all_permissions() == set()


def test_only_admins_and_editors_reach_the_django_admin(
    admin_client: Client, editor_client: Client, viewer_client: Client, noaccess_client: Client
) -> None:
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get("/admin/accounts/user/").status_code == 200
    assert editor_client.get("/admin/").status_code == 200
    # An editor reaches the admin for bulk data edits, but not the users.
    assert editor_client.get("/admin/accounts/user/").status_code == 403
    assert editor_client.get("/admin/accounts/auditentry/").status_code == 403
    for client in (viewer_client, noaccess_client):
        response = client.get("/admin/", follow=True)
        assert response.status_code == 403


def test_the_audit_trail_is_never_editable_even_by_an_admin(admin_client: Client) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None  # creating the cast wrote entries
    assert admin_client.get("/admin/accounts/auditentry/add/").status_code == 403
    response = admin_client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {})
    assert response.status_code == 403


# --- The API: every endpoint of every app, found by walking the URL patterns ---------


def _api_paths() -> list[str]:
    return [
        p
        for p in example_paths()
        if p.startswith("/api/")
        and not p.startswith(("/api/auth/", "/api/docs", "/api/redoc"))
        and not p.startswith("/api/schema")
    ]


def test_someone_without_a_role_reads_nothing_through_the_api(nora: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "nora")["access"])
    assert client.get("/api/auth/me").status_code == 200
    opened = [p for p in _api_paths() if client.get(p).status_code not in (403, 404, 405)]
    assert not opened, f"no-role user can read: {opened}"


def test_a_viewer_writes_nothing_through_the_api(victor: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "victor")["access"])
    opened = []
    for path in _api_paths():
        for method in ("post", "put", "patch", "delete"):
            status = getattr(client, method)(path, {}, format="json").status_code
            if status not in (403, 404, 405):
                opened.append(f"{method.upper()} {path} -> {status}")
    assert not opened, f"viewer can write: {opened}"


def test_the_api_schema_and_docs_need_a_signed_in_user(admin_client: Client) -> None:
    assert Client().get("/api/schema/").status_code in (401, 403)
    assert admin_client.get("/api/schema/").status_code == 200
    assert admin_client.get("/api/docs/").status_code == 200
    assert admin_client.get("/api/redoc/").status_code == 404  # no Redoc: Swagger only


# --- The web pages of every app, found by walking the URL patterns ---------------------

# Pages about oneself, which every signed-in user may open.
PERSONAL_PAGES = {"/", "/account/", "/account/password/"}


def test_someone_without_a_role_opens_no_data_page(noaccess_client: Client) -> None:
    opened = []
    for path in example_paths():
        if path.startswith(("/api/", "/static/")) or path in PERSONAL_PAGES | {"/healthz"}:
            continue
        response = noaccess_client.get(path)
        placeholder = any(t.name == "coming_soon.html" for t in response.templates)
        if response.status_code < 300 and not placeholder:
            opened.append(f"{path} -> {response.status_code}")
    assert not opened, f"no-role user can open: {opened}"
