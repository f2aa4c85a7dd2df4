"""Sign-in and permissions: Django's ModelBackend, with a user's permissions in one query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class PermissionBackend(ModelBackend):
    """ModelBackend whose permission set is read once per request in one query, not two.

    Every page and API call asks for the user's permissions; Django reads the
    user's own and their groups' (the role's, accounts.roles) in two queries. The
    set is the same: the union of both, all permissions for a superuser, none for
    an inactive user, cached on the user object for the request.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*fields).order_by()
            else:
                own = Permission.objects.filter(user=user_obj)
                role = Permission.objects.filter(group__user=user_obj)
                rows = (
                    own.values_list(*fields).order_by().union(role.values_list(*fields).order_by())
                )
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        cached: set[str] = user_obj._perm_cache
        return cached
