"""The home page and the webhook pages (webhooks serve events from every app)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from netkeep import webhooks
from netkeep.forms import WebhookForm
from netkeep.models import EventKind, Webhook
from netkeep.types import AuthedRequest

DELIVERY_LOG = 50


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {})


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
