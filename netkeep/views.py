"""The home page and the webhook pages (webhooks serve events from every app)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from ipam.models import Subnet
from netkeep import dashboard, webhooks
from netkeep.forms import DashboardFilterForm, WebhookForm
from netkeep.models import EventKind, Webhook
from netkeep.types import AuthedRequest

DELIVERY_LOG = 50
DASHBOARD_POLL = 30
SUBNET_CHOICES = 200


SESSION_FILTERS = "dashboard_filters"


def _dashboard_form(request: AuthedRequest) -> DashboardFilterForm:
    """Filters from the query string when it names any, else the ones kept in the session."""
    if "clear" in request.GET:
        request.session.pop(SESSION_FILTERS, None)
        return DashboardFilterForm({})
    if any(name in request.GET for name in DashboardFilterForm.NAMES):
        form = DashboardFilterForm(request.GET)
        if form.is_valid():
            request.session[SESSION_FILTERS] = form.stored()
        return form
    return DashboardFilterForm(request.session.get(SESSION_FILTERS) or {})


def home(request: AuthedRequest) -> HttpResponse:
    form = _dashboard_form(request)
    board = dashboard.build(request.user, form.filters())
    context = {"form": form, "board": board, "poll_seconds": DASHBOARD_POLL}
    # The page polls its panels (htmx) every DASHBOARD_POLL seconds; filters stay put.
    if request.htmx and not request.htmx.boosted:
        return render(request, "_dashboard.html", context)
    context.update(
        services=dashboard.service_suggestions() if request.user.has_perm("ipam.view_host") else [],
        subnet_choices=_subnet_choices(request),
    )
    return render(request, "home.html", context, status=400 if form.errors else 200)


def _subnet_choices(request: AuthedRequest) -> Any:
    if not request.user.has_perm("ipam.view_subnet"):
        return []
    return Subnet.objects.filter(parent=None).values_list("network", "name")[:SUBNET_CHOICES]


@require_POST
def home_dismiss_setup(request: AuthedRequest) -> HttpResponse:
    """Hide the first-run checklist for this user (their own flag: no permission needed)."""
    request.user.setup_dismissed = True
    request.user.save(update_fields=["setup_dismissed"])
    messages.success(request, "Checklist hidden. The steps stay in the README's first-run section.")
    return redirect("home")


@permission_required("netkeep.view_webhook", raise_exception=True)
def webhook_list(request: AuthedRequest) -> HttpResponse:
    failed = Count("deliveries", filter=Q(deliveries__delivered=False))
    hooks = Webhook.objects.annotate(n_failed=failed)
    labels = dict(EventKind.choices)
    rows = [(hook, [labels.get(k, k) for k in hook.kinds or []]) for hook in hooks]
    return render(request, "netkeep/webhook_list.html", {"rows": rows})


@permission_required(("netkeep.add_webhook", "netkeep.change_webhook"), raise_exception=True)
def webhook_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk) if pk else Webhook()
    form = WebhookForm(request.POST or None, instance=hook)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Webhook {saved.name} saved.")
        return redirect("netkeep:webhook_edit", pk=saved.pk)
    deliveries = hook.deliveries.select_related("event")[:DELIVERY_LOG] if hook.pk else []
    context = {"form": form, "hook": hook, "deliveries": deliveries}
    return render(request, "netkeep/webhook_form.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required("netkeep.change_webhook", raise_exception=True)
def webhook_test(request: AuthedRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    webhooks.send_test(hook, request.user)
    messages.success(
        request, f"Test event queued for {hook.name}: its delivery appears in the log below."
    )
    return redirect("netkeep:webhook_edit", pk=hook.pk)


@require_POST
@permission_required("netkeep.delete_webhook", raise_exception=True)
def webhook_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    hook.delete()
    messages.success(request, f"Webhook {hook.name} deleted.")
    return redirect("netkeep:webhook_list")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (admin, API pages)."""
    # Resolved per request: the static manifest may not exist when URLs are imported.
    return redirect(static("img/favicon.svg"))
