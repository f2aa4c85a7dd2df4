"""A user's permissions come in one query and are exactly what Django's ModelBackend gives."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import backends
from accounts.backends import PERMISSION_IDS, PermissionBackend, loaded_ids
from accounts.models import Role, User
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user as a new request loads it (no permission cache yet)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EDITOR, Role.VIEWER, Role.NONE])
def test_each_role_has_the_same_permissions_as_with_djangos_backend(role: str) -> None:
    user = make_user(f"u-{role or 'none'}", role)
    ours = PermissionBackend().get_all_permissions(fresh(user))
    assert ours == ModelBackend().get_all_permissions(fresh(user))
    assert bool(ours) == (role != Role.NONE)


def test_a_permission_given_to_the_user_alone_counts_beside_the_roles() -> None:
    user = make_user("vera", Role.VIEWER)
    extra = Permission.objects.get(codename="manage_users")
    user.user_permissions.add(extra)
    ours = PermissionBackend().get_all_permissions(fresh(user))
    assert "accounts.manage_users" in ours and "ipam.view_host" in ours
    assert ours == ModelBackend().get_all_permissions(fresh(user))


def test_a_superuser_has_every_permission_and_an_inactive_user_none() -> None:
    boss = make_user("boss", Role.ADMIN, is_superuser=True)
    assert len(PermissionBackend().get_all_permissions(fresh(boss))) == Permission.objects.count()
    gone = make_user("gone", Role.EDITOR, is_active=False)
    assert PermissionBackend().get_all_permissions(fresh(gone)) == set()
    assert not fresh(gone).has_perm("ipam.view_host")


def test_permissions_are_one_query_then_cached_for_the_request() -> None:
    user = fresh(make_user("erin2", Role.EDITOR))
    PermissionBackend().get_all_permissions(fresh(user))  # the names, once per process
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("ipam.change_host")
        assert not user.has_perm("accounts.manage_users")
        assert user.has_perm("ipam.view_subnet")
    assert len(queries) == 1


def test_a_permission_added_after_the_names_were_read_is_found() -> None:
    from django.contrib.contenttypes.models import ContentType

    user = make_user("nina", Role.VIEWER)
    PermissionBackend().get_all_permissions(fresh(user))  # the names are read now
    later = Permission.objects.create(
        codename="export_all",
        name="Can export all",
        content_type=ContentType.objects.get_for_model(User),
    )
    user.user_permissions.add(later)
    try:
        assert "accounts.export_all" in PermissionBackend().get_all_permissions(fresh(user))
    finally:
        # The test's rollback frees the id for reuse (SQLite): forget its name too.
        backends._names.clear()


def signed_in(user: User) -> User:
    """The user as a session's request loads it: with the permission ids read alongside."""
    loaded = PermissionBackend().get_user(user.pk)
    assert loaded is not None
    return loaded  # type: ignore[no-any-return]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EDITOR, Role.VIEWER, Role.NONE])
def test_a_signed_in_user_brings_the_same_permissions_in_the_query_that_reads_them(
    role: str,
) -> None:
    user = make_user(f"s-{role or 'none'}", role)
    user.user_permissions.add(Permission.objects.get(codename="manage_users"))
    PermissionBackend().get_all_permissions(fresh(user))  # the names, once per process
    with CaptureQueriesContext(connection) as queries:
        loaded = signed_in(user)
        ours = PermissionBackend().get_all_permissions(loaded)
    assert len(queries) == 1
    assert ours == ModelBackend().get_all_permissions(fresh(user))
    assert "accounts.manage_users" in ours


def test_a_signed_in_superuser_has_every_permission_and_an_inactive_user_no_session() -> None:
    boss = make_user("boss2", Role.ADMIN, is_superuser=True)
    assert PermissionBackend().get_all_permissions(signed_in(boss)) == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }
    # Without a list of ids in the user's query: every id on every request was wasted work.
    assert loaded_ids(getattr(signed_in(boss), PERMISSION_IDS)) == []
    gone = make_user("gone2", Role.EDITOR, is_active=False)
    assert PermissionBackend().get_user(gone.pk) is None
    assert PermissionBackend().get_user(10**9) is None


def test_permissions_read_with_the_user_are_used_once() -> None:
    """A cache reset in the request (a role changed) reads the permissions anew."""
    user = make_user("rick", Role.VIEWER)
    loaded = signed_in(user)
    assert not loaded.has_perm("ipam.change_host")
    loaded.role = Role.EDITOR
    loaded.save()
    del loaded._perm_cache
    assert loaded.has_perm("ipam.change_host")


def test_a_jwt_request_reads_its_user_and_permissions_in_one_query() -> None:
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.authentication import JWTAuthentication

    user = make_user("jo", Role.EDITOR)
    token = AccessToken.for_user(user)
    PermissionBackend().get_all_permissions(fresh(user))  # the names, once per process
    auth = JWTAuthentication()
    with CaptureQueriesContext(connection) as queries:
        loaded = auth.get_user(auth.get_validated_token(str(token).encode()))
        assert loaded.has_perm("ipam.change_host") and not loaded.has_perm("accounts.manage_users")
    assert len(queries) == 1
    gone = make_user("gone3", Role.EDITOR, is_active=False)
    from rest_framework_simplejwt.exceptions import AuthenticationFailed

    with pytest.raises(AuthenticationFailed):
        auth.get_user(auth.get_validated_token(str(AccessToken.for_user(gone)).encode()))
