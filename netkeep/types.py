"""Typing helpers shared by the apps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind LoginRequiredMiddleware: the user is signed in; htmx details are set."""

    user: User
    htmx: HtmxDetails
