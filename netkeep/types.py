"""Typing helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models.base import ModelBase
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_htmx.middleware import HtmxDetails

    from accounts.models import User

    # Whoever acts: a signed-in user, an anonymous visitor, or nobody (a job, a command).
    Actor: TypeAlias = User | AnonymousUser | None


class AuthedRequest(HttpRequest):
    """A request behind LoginRequiredMiddleware: the user is signed in; htmx details are set."""

    user: User
    htmx: HtmxDetails


def saved_user(user: Actor) -> User | None:
    """The user a row can point to: none for anonymous visitors, jobs and unsaved users."""
    from accounts.models import User

    return user if isinstance(user, User) and user.pk else None


class SaveOptions(TypedDict, total=False):
    """The keyword arguments of Model.save(), for overrides that pass them on."""

    force_insert: bool | tuple[ModelBase, ...]
    force_update: bool
    using: str | None
    update_fields: Iterable[str] | None
