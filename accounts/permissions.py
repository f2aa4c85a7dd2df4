"""API permission classes: default deny, view permission for reads, token scopes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import permissions
from rest_framework.request import Request

if TYPE_CHECKING:
    # Not at run time: rest_framework.views reads these permission classes on import.
    from rest_framework.views import APIView

PASSWORD_CHANGE_REQUIRED = (
    "Password change required: set a new password (web: /account/password/, "
    "API: POST /api/auth/password) before using the API."
)


READ_ONLY_TOKEN = (
    "This API token is read-only: it may only read (GET, HEAD, OPTIONS). "
    "Create a read-write token on your account page to make changes."
)


def token_scope_allows(request: Request) -> bool:
    """A read-only API token may only use safe methods; other credentials are not limited."""
    from accounts.models import APIToken

    token = getattr(request, "auth", None)
    if isinstance(token, APIToken) and not token.allows_writes:
        return request.method in permissions.SAFE_METHODS
    return True


class TokenScope(permissions.BasePermission):
    """Keep a request made with a read-only API token to safe methods."""

    message = READ_ONLY_TOKEN

    def has_permission(self, request: Request, view: APIView) -> bool:
        return token_scope_allows(request)


class PasswordChanged(permissions.BasePermission):
    """Refuse everything while the account still has a bootstrap or reset password."""

    message = PASSWORD_CHANGE_REQUIRED

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return not (user and user.is_authenticated and getattr(user, "must_change_password", False))


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, including `view_*` for reads."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: APIView) -> bool:
        # Views without a queryset (actions, reports) must name their own
        # permission with `required_permission`; without one they are closed.
        required = getattr(view, "required_permission", None)
        if required is not None:
            return bool(request.user and request.user.is_authenticated) and request.user.has_perm(
                required
            )
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return False
        return super().has_permission(request, view)


class Authenticated(permissions.IsAuthenticated):
    """For the few endpoints every signed-in user may call (their own account).

    These replace the default classes, so they keep the token scope check.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if not token_scope_allows(request):
            self.message = READ_ONLY_TOKEN
            return False
        return True


class HasRole(permissions.BasePermission):
    """Someone without a role sees nothing, not even an empty list of their own things."""

    message = "Your account has no role: ask an admin for one."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(getattr(request.user, "role", ""))
