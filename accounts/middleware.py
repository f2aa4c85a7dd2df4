"""Request middleware: forced password change and audit context."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as DjangoLoginRequiredMiddleware,
)
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from accounts import audit

# Paths a user with a bootstrap password may still reach on the web.
_ALLOWED_PREFIXES = ("/account/password/", "/logout/", "/login/", "/static/", "/healthz", "/api/")


class PasswordChangeRequiredMiddleware:
    """Send every page to the password form while the account has a bootstrap password.

    The API is closed separately, with a 403 that says why (accounts.permissions).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            target = reverse("accounts:password_change")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)


def door_for(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


class AuditContextMiddleware:
    """Attribute model changes made during a request to its user and door."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.context(door=door_for(request.path), request=request):
            return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware for pages; the API authenticates in DRF.

    DRF authenticates JWT clients itself and denies anonymous requests through
    its default permission classes, so /api/ is left to it (it answers 401/403
    instead of redirecting a script to a login page). An htmx request whose
    session has expired is sent to the sign-in page as a whole page, not swapped
    into a fragment.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponseBase | None:
        if request.path.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    # Returns a 204 for htmx, not a redirect, hence the wider return type.
    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: Callable[..., HttpResponseBase]
    ) -> HttpResponseBase:
        response = super().handle_no_permission(request, view_func)
        if request.headers.get("HX-Request"):
            hx = HttpResponse(status=204)
            hx["HX-Redirect"] = response["Location"]
            return hx
        return response
