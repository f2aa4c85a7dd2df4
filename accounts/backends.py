"""Sign-in and permissions: Django's ModelBackend; a user's permission ids come with the user."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

# Permission id -> "app_label.codename". Permissions are rows that migrations add and
# never renumber, and a committed id is never given again (PostgreSQL's sequences,
# SQLite's AUTOINCREMENT), so the names are read once per process and again only
# when an id turns up that is not known yet.
_names: dict[int, str] = {}


def _read_names() -> None:
    rows = Permission.objects.values_list("pk", "content_type__app_label", "codename")
    _names.update({pk: f"{app}.{codename}" for pk, app, codename in rows})


def permission_names(ids: Iterable[int]) -> set[str]:
    """The "app_label.codename" of these permission ids."""
    wanted = set(ids)
    if not wanted <= _names.keys():
        _read_names()
    return {_names[pk] for pk in wanted if pk in _names}


def every_permission_name() -> set[str]:
    """Every permission's "app_label.codename" (a superuser's set), read once per process.

    A permission added while the process runs joins the set at its restart; a
    superuser's has_perm() is True without the set (Django's PermissionsMixin).
    """
    if not _names:
        _read_names()
    return set(_names.values())


# The annotation that carries a loaded user's permission ids to get_all_permissions.
PERMISSION_IDS = "permission_ids_loaded"


def permission_ids(vendor: str) -> RawSQL:
    """The permission ids of the user in the query's "accounts_user" row, as one value.

    The user's own and their groups' (the role's). A list on PostgreSQL, "1,2,3"
    text on other databases; none for a row without a user (a session that nobody
    signed in to). None for a superuser, who has every permission without a list:
    reading every id (their role's too) on each of their requests cost PostgreSQL
    0.3 ms and the client an array of two hundred.
    """
    user_model = get_user_model()
    user = user_model._meta.db_table
    own = user_model.user_permissions.through._meta.db_table
    member = user_model.groups.through._meta.db_table
    granted = Group.permissions.through._meta.db_table
    # Table names from the models only: nothing from a request goes into this SQL.
    # One branch per source, each read by its index (an OR of IN subqueries over the
    # permission table cost SQLite 10 ms: it ran them again for every permission).
    ids = (
        f'SELECT o.permission_id AS id FROM "{own}" o WHERE o.user_id = "{user}"."id"'  # noqa: S608
        f' AND NOT "{user}"."is_superuser"'
        f' UNION ALL SELECT g.permission_id FROM "{member}" m JOIN "{granted}" g'
        f' ON g.group_id = m.group_id WHERE m.user_id = "{user}"."id"'
        f' AND NOT "{user}"."is_superuser"'
    )
    if vendor == "postgresql":
        return RawSQL(f"ARRAY({ids})", ())  # noqa: S611
    return RawSQL(f"(SELECT coalesce(group_concat(id), '') FROM ({ids}))", ())  # noqa: S608, S611


def with_permission_ids(users: QuerySet[Any]) -> QuerySet[Any]:
    """`users` with each one's permission ids read in the same query."""
    return users.annotate(**{PERMISSION_IDS: permission_ids(connections[users.db].vendor)})


def loaded_ids(value: Any) -> list[int]:
    """The ids with_permission_ids read, from either database's form."""
    if isinstance(value, str):
        return [int(pk) for pk in value.split(",") if pk]
    return list(value)


class PermissionBackend(ModelBackend):
    """ModelBackend whose permission set costs one query of ids per request, not two joins.

    Every page and API call asks for the user's permissions. Django reads the user's
    own and their groups' (the role's, accounts.roles) in two queries, each joining
    every permission row to its content type. The set here is the same: the union
    of both, all permissions for a superuser, none for an inactive user, cached on
    the user object for the request; only the ids are read per request.
    """

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a session, with their permission ids in the same query.

        The user that the request's session query already brought, when there is
        one (accounts.sessions): no query at all.
        """
        from accounts.sessions import offered

        users = get_user_model()._default_manager.filter(pk=user_id)
        user = offered(user_id) or with_permission_ids(users).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        # Read with the user (get_user), used once: a later reset of the cache reads anew.
        loaded = user_obj.__dict__.pop(PERMISSION_IDS, None)
        if not hasattr(user_obj, "_perm_cache") and user_obj.is_superuser:
            user_obj._perm_cache = every_permission_name()
        if not hasattr(user_obj, "_perm_cache"):
            ids: Iterable[int]
            if loaded is not None:
                ids = loaded_ids(loaded)
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
