"""A user's permissions come in one query and are exactly what Django's ModelBackend gives."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import backends
from accounts.backends import PermissionBackend
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
