"""Sign-in, own account, user management and the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts import audit, throttle
from accounts.filters import AuditFilter
from accounts.forms import (
    AccountForm,
    NewPasswordForm,
    PasswordResetByAdminForm,
    ThrottledLoginForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from accounts.models import APIToken, AuditEntry, Role, User
from accounts.roles import NO_TOKEN_ROLE, may_hold_tokens, may_manage_all_tokens
from accounts.tokens import after_password_change
from netkeep.types import AuthedRequest

login_view = login_not_required(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html",
        authentication_form=ThrottledLoginForm,
        redirect_authenticated_user=True,
    )
)


@login_not_required
def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """The Django admin signs in through Netkeep's throttled page, never its own form."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not request.user.is_staff:
        raise PermissionDenied("Your role does not include the Django admin.")
    return redirect(next_url)


@require_http_methods(["GET", "POST"])
def account(request: AuthedRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your account was saved.")
        return redirect("accounts:account")
    return render(request, "accounts/account.html", _account_context(request, form, TokenForm()))


def _account_context(request: AuthedRequest, form: AccountForm, token_form: TokenForm) -> dict:
    return {
        "form": form,
        "token_form": token_form,
        "tokens": request.user.api_tokens.all(),
        "may_hold_tokens": may_hold_tokens(request.user),
    }


@require_POST
def token_create(request: AuthedRequest) -> HttpResponse:
    if not may_hold_tokens(request.user):
        raise PermissionDenied(NO_TOKEN_ROLE)
    token_form = TokenForm(request.POST)
    if not token_form.is_valid():
        form = AccountForm(instance=request.user)
        context = _account_context(request, form, token_form)
        return render(request, "accounts/account.html", context, status=400)
    token, key = token_form.issue(request.user)
    # Rendered, never redirected or stored in a message: the key exists in clear only here.
    return render(request, "accounts/token_created.html", {"token": token, "key": key}, status=201)


@require_POST
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(APIToken.objects.visible_to(request.user), pk=pk)
    if token.revoke():
        messages.success(request, f"Token {token} revoked: it no longer works.")
    if token.user_id != request.user.pk:
        return redirect("accounts:token_list")
    return redirect("accounts:account")


def token_list(request: AuthedRequest) -> HttpResponse:
    if not may_manage_all_tokens(request.user):
        raise PermissionDenied("Only admins see every user's API tokens.")
    tokens = APIToken.objects.select_related("user").order_by("user__username", "-created")
    page = Paginator(tokens, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/token_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def password_change(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = NewPasswordForm(user, request.POST or None)
    # Guessing the current password from a stolen session counts like failed sign-ins.
    locked = request.method == "POST" and throttle.is_locked(request, user.username)
    if locked:
        form.errors.clear()
        form.add_error(None, throttle.LOCKED_MESSAGE)
    elif request.method == "POST" and not form.is_valid():
        if "old_password" in form.errors:
            throttle.record_failure(request, user.username, "password")
    elif request.method == "POST":
        form.save()
        after_password_change(user)
        # Keeps this session; every other session of the user ends because its
        # stored password hash no longer matches.
        update_session_auth_hash(request, user)
        messages.success(
            request,
            "Password changed. Other sessions and JWTs were signed out; "
            "personal API tokens keep working until you revoke them.",
        )
        return redirect("home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": getattr(user, "must_change_password", False)},
    )


@permission_required("accounts.manage_users", raise_exception=True)
def user_list(request: AuthedRequest) -> HttpResponse:
    users = User.objects.order_by("username")
    return render(request, "accounts/user_list.html", {"users": users})


@permission_required("accounts.manage_users", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_create(request: AuthedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, f"User {user.username} created; they must change the password.")
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "title": "New user"})


@permission_required("accounts.manage_users", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        if target == request.user and not form.cleaned_data["is_active"]:
            form.add_error("is_active", "You cannot deactivate your own account.")
        elif target == request.user and form.cleaned_data["role"] != Role.ADMIN:
            form.add_error(
                "role", "You cannot remove your own admin role: ask another admin to do it."
            )
        else:
            form.save()
            messages.success(request, f"User {target.username} saved.")
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": target.username, "target": target},
    )


@permission_required("accounts.manage_users", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    form = PasswordResetByAdminForm(target, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        after_password_change_by_admin(target)
        messages.success(request, f"Password of {target.username} reset; they must change it.")
        return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": f"Reset password of {target.username}", "target": target},
    )


def after_password_change_by_admin(target: User) -> None:
    from accounts.tokens import revoke_refresh_tokens

    revoke_refresh_tokens(target)


@permission_required("accounts.manage_users", raise_exception=True)
def audit_list(request: AuthedRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("content_type", "user")
    audit_filter = AuditFilter(request.GET, queryset=entries)
    page = Paginator(audit_filter.qs, 50).get_page(request.GET.get("page"))
    template = "accounts/_audit_rows.html" if request.htmx else "accounts/audit_list.html"
    context = {"filter": audit_filter, "page": page, "rows": audit.present(page)}
    return render(request, template, context)
