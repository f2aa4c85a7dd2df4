"""Sign-in and permissions: Django's ModelBackend, with a user's permissions in one short query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

# Permission id -> "app_label.codename". Permissions are rows that migrations add and
# never renumber, and a committed id is never given again (PostgreSQL's sequences,
# SQLite's AUTOINCREMENT), so the names are read once per process and again only
# when an id turns up that is not known yet.
_names: dict[int, str] = {}


def permission_names(ids: Iterable[int]) -> set[str]:
    """The "app_label.codename" of these permission ids."""
    wanted = set(ids)
    if not wanted <= _names.keys():
        rows = Permission.objects.values_list("pk", "content_type__app_label", "codename")
        _names.update({pk: f"{app}.{codename}" for pk, app, codename in rows})
    return {_names[pk] for pk in wanted if pk in _names}


class PermissionBackend(ModelBackend):
    """ModelBackend whose permission set costs one query of ids per request, not two joins.

    Every page and API call asks for the user's permissions. Django reads the user's
    own and their groups' (the role's, accounts.roles) in two queries, each joining
    every permission row to its content type. The set here is the same: the union
    of both, all permissions for a superuser, none for an inactive user, cached on
    the user object for the request; only the ids are read per request.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                ids = Permission.objects.values_list("pk", flat=True)
            else:
                own = user_obj.user_permissions.through.objects.filter(user_id=user_obj.pk)
                groups = user_obj.groups.through.objects.filter(user_id=user_obj.pk)
                role = Group.permissions.through.objects.filter(
                    group_id__in=groups.values("group_id")
                )
                ids = (
                    own.values_list("permission_id", flat=True)
                    .order_by()
                    .union(role.values_list("permission_id", flat=True).order_by(), all=True)
                )
            user_obj._perm_cache = permission_names(ids)
        cached: set[str] = user_obj._perm_cache
        return cached
