"""Roles are Django groups whose permissions are synced from this table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    from accounts.models import User

# Apps holding the network data every role may read and editors may change.
DATA_APPS = ("ipam", "inventory", "discovery", "backups")
# Actions (beyond add/change/delete) that editors may run; declared as model
# permissions in the data apps, e.g. discovery.run_scans.
EDITOR_ACTIONS = ("run_scans", "run_backups", "run_device_jobs")
# Models in the data apps that decide what may be scanned and how: everyone
# may read them, only admins change them (an editor must not widen scan scope).
# Credential sets too: admins manage the vault, editors only pick sets for devices.
ADMIN_ONLY_MODELS = (
    ("discovery", "allowednetwork"),
    ("discovery", "scanprofiledef"),
    ("inventory", "credentialset"),
    # Stored configurations are written by backups only; deleting one is for admins.
    ("backups", "configversion"),
)
# Models outside the data apps that every role may read (the event log, job runs).
READABLE_MODELS = (("netkeep", "event"), ("netkeep", "run"))


def _models(pairs: tuple[tuple[str, str], ...]) -> Q:
    condition = Q(pk__isnull=True)
    for app_label, model in pairs:
        condition |= Q(content_type__app_label=app_label, content_type__model=model)
    return condition


def role_permissions(role: str) -> Q | None:
    """The permission filter for a role, or None for no permissions."""
    data = Q(content_type__app_label__in=DATA_APPS)
    reads = (data | _models(READABLE_MODELS)) & Q(codename__startswith="view_")
    if role == "admin":
        return Q(pk__isnull=False)
    if role == "editor":
        writes = (
            data
            & ~_models(ADMIN_ONLY_MODELS)
            & (Q(codename__regex=r"^(add|change|delete)_") | Q(codename__in=EDITOR_ACTIONS))
        )
        return reads | writes
    if role == "viewer":
        return reads
    return None


def sync_role_groups() -> None:
    """Create one group per role and give it exactly the role's permissions."""
    from accounts.models import Role

    for role in (Role.ADMIN, Role.EDITOR, Role.VIEWER):
        group, _ = Group.objects.get_or_create(name=role.value)
        condition = role_permissions(role.value)
        perms = Permission.objects.filter(condition) if condition is not None else []
        group.permissions.set(perms)


def apply_role(user: User) -> None:
    """Put the user in exactly the group of their role."""
    wanted = list(Group.objects.filter(name=user.role)) if user.role else []
    current = list(user.groups.all())
    if current != wanted:
        user.groups.set(wanted)


NO_TOKEN_ROLE = "Your account has no role: a token would have no access. Ask an admin for a role."


def may_hold_tokens(user: User | AnonymousUser) -> bool:
    """Anyone with a role may create API tokens; a token never does more than its user."""
    return bool(user.is_authenticated and user.is_active and getattr(user, "role", ""))


def may_manage_all_tokens(user: User | AnonymousUser) -> bool:
    """Those who manage users see and revoke everyone's API tokens."""
    return bool(user.is_authenticated and user.has_perm("accounts.manage_users"))


def may_watch(user: User | AnonymousUser, model: type[Model]) -> bool:
    """A watch is personal: whoever may read events and the object may watch it."""
    meta = model._meta
    return bool(
        user.is_authenticated
        and user.has_perm("netkeep.view_event")
        and user.has_perm(f"{meta.app_label}.view_{meta.model_name}")
    )
