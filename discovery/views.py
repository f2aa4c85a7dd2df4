"""Discovery pages: home with live progress, runs, "Scan now", host drawer, reconciliation,
allowlist, webhooks and scan profiles.

Each view returns its page, or for an HTMX request the fragment the page
includes (templates whose names start with "_"). No view does network I/O:
scans are queued through discovery.tasks.enqueue_scan and their progress polled.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.forms import ModelForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from discovery import history, icmp, reconcile, scope, tasks
from discovery.forms import (
    AllowedNetworkForm,
    ReconFilterForm,
    RunFilterForm,
    ScanProfileForm,
    WebhookForm,
)
from discovery.models import (
    AllowedNetwork,
    ReconciliationItem,
    ReconKind,
    ReconState,
    Run,
    RunKind,
    RunQuerySet,
    ScanProfileDef,
)
from ipam.models import Host, Subnet
from netkeep import webhooks
from netkeep.models import Event, EventKind, Webhook
from netkeep.params import parse_pks
from netkeep.types import AuthedRequest

RUNS_PAGE = 50
RECENT_RUNS = 15
RECENT_EVENTS = 10
HISTORY_RUNS = 20
DRAWER_PORTS = 50
DRAWER_EVENTS = 8
RECON_PAGE = 100
DELIVERY_LOG = 50
SPARK_W, SPARK_H, SPARK_POINTS = 240, 40, 120

# Allowlist, webhooks and scan profiles decide what is scanned and where data goes.
ADMIN_PERM = "accounts.manage_users"


def _runs() -> RunQuerySet:
    return Run.objects.select_related("subnet", "host", "started_by")  # type: ignore[return-value]


def _fragment(request: AuthedRequest, page: str, fragment: str, context: dict[str, Any]) -> Any:
    return render(request, fragment if request.htmx else page, context)


def _require_admin(request: AuthedRequest) -> None:
    if not request.user.has_perm(ADMIN_PERM):
        raise PermissionDenied("Only administrators may change this.")


# --- home and runs --------------------------------------------------------------------


def _watched_runs(request: AuthedRequest) -> list[Run]:
    """Running and queued runs, plus the ones this page was already showing (to show them end)."""
    ids = parse_pks(request.GET.get("watch", "").split(","))[:50]
    return list(_runs().filter(Q(status__in=["queued", "running"]) | Q(pk__in=ids))[:50])


@permission_required("discovery.view_run", raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    active = _watched_runs(request)
    context: dict[str, Any] = {"active": active, "polling": any(r.is_active for r in active)}
    if request.htmx:
        return render(request, "discovery/_active_runs.html", context)
    context.update(
        recent=_runs().finished()[:RECENT_RUNS],
        capability=icmp.detect_capability(),
        events=Event.objects.all()[:RECENT_EVENTS],
        open_items=ReconciliationItem.objects.filter(state=ReconState.OPEN).count(),
    )
    return render(request, "discovery/index.html", context)


@permission_required("discovery.view_run", raise_exception=True)
def run_list(request: AuthedRequest) -> HttpResponse:
    form = RunFilterForm(request.GET)
    page = Paginator(form.filter(_runs()), RUNS_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    return _fragment(request, "discovery/run_list.html", "discovery/_run_table.html", context)


@permission_required("discovery.view_run", raise_exception=True)
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(_runs(), pk=pk)
    # The run's own page polls with ?detail=1 so its facts update with the bar.
    context = {"run": run, "detail": bool(request.GET.get("detail"))}
    return _fragment(request, "discovery/run_detail.html", "discovery/_run_progress.html", context)


@permission_required("discovery.view_run", raise_exception=True)
def subnet_runs(request: AuthedRequest, pk: int) -> HttpResponse:
    subnet = get_object_or_404(Subnet, pk=pk)
    context: dict[str, Any] = {"runs": _runs().filter(subnet=subnet)[:HISTORY_RUNS]}
    context["subnet"] = subnet
    context["title"] = f"Runs for {subnet.network}"
    context["more_url"] = reverse("discovery:run_list") + f"?subnet={subnet.network}"
    return _fragment(request, "discovery/run_history.html", "discovery/_run_history.html", context)


@permission_required("discovery.view_run", raise_exception=True)
def host_runs(request: AuthedRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(Host, pk=pk)
    context: dict[str, Any] = {"runs": _runs().filter(host=host)[:HISTORY_RUNS]}
    context["host"] = host
    context["title"] = f"Runs for {host.address}"
    context["more_url"] = reverse("discovery:run_list") + f"?subnet={host.address}"
    return _fragment(request, "discovery/run_history.html", "discovery/_run_history.html", context)


# --- scan now ---------------------------------------------------------------------------


def _scan(request: AuthedRequest, target: Subnet | Host, back: str) -> HttpResponse:
    """Queue a scan of `target` (or find the one running); refusals become messages, not 500s."""
    kind = request.POST.get("kind") or RunKind.SWEEP
    if kind not in RunKind.values or kind == RunKind.KNOWN_HOSTS:
        error = f"“{kind}” is not a scan you can start here: choose a sweep, port scan or DNS pass."
        return _scan_refused(request, error, back)
    try:
        run = tasks.enqueue_scan(
            kind, target, request.user, profile=request.POST.get("profile", "")
        )
    except tasks.RateLimited as refusal:
        return _scan_refused(request, str(refusal), back, status=429)
    except ValueError as refusal:  # ScopeError, UnknownProfile
        return _scan_refused(request, f"Not scanned: {refusal}.", back)
    fresh = run.started_by_id == request.user.pk and run.created > timezone.now() - timedelta(
        seconds=5
    )
    note = "Scan queued." if fresh else "This target is already being scanned: showing that run."
    if request.htmx:
        return render(request, "discovery/_run_progress.html", {"run": run, "note": note})
    messages.success(request, note)
    return redirect("discovery:run_detail", pk=run.pk)


def _scan_refused(request: AuthedRequest, error: str, back: str, status: int = 400) -> HttpResponse:
    if request.htmx:
        # htmx swaps only 2xx answers by default; the message must reach the user.
        response = render(request, "discovery/_scan_refused.html", {"error": error})
        response["X-Netkeep-Refused"] = str(status)
        return response
    messages.error(request, error)
    return redirect(back)


@require_POST
@permission_required("discovery.run_scans", raise_exception=True)
def scan_subnet(request: AuthedRequest, pk: int) -> HttpResponse:
    subnet = get_object_or_404(Subnet.objects.select_related("vrf"), pk=pk)
    return _scan(request, subnet, subnet.get_absolute_url())


@require_POST
@permission_required("discovery.run_scans", raise_exception=True)
def scan_host(request: AuthedRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(Host.objects.select_related("subnet__vrf"), pk=pk)
    return _scan(request, host, host.get_absolute_url())


# --- host drawer ------------------------------------------------------------------------


def sparkline(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    """An SVG polyline of round-trip times, averaged into at most SPARK_POINTS buckets."""
    if not points:
        return None
    size = max(1, -(-len(points) // SPARK_POINTS))
    buckets = [points[i : i + size] for i in range(0, len(points), size)]
    values = []
    for bucket in buckets:
        rtts = [p["rtt_ms"] for p in bucket if p["rtt_ms"] is not None]
        values.append(sum(rtts) / len(rtts) if rtts else None)
    known = [v for v in values if v is not None]
    if not known:
        return {"polyline": "", "downs": [], "max": None, "min": None, "last": None}
    top, low = max(known), min(known)
    span = (top - low) or 1.0
    step = SPARK_W / max(1, len(values) - 1)
    coords, downs = [], []
    for i, value in enumerate(values):
        x = round(i * step, 1)
        if value is None:
            downs.append(x)
            continue
        coords.append(f"{x},{round(SPARK_H - 2 - (value - low) / span * (SPARK_H - 4), 1)}")
    return {"polyline": " ".join(coords), "downs": downs, "max": top, "min": low, "last": known[-1]}


def hourly_bar(points: list[dict[str, Any]], now: Any, hours: int = 24) -> list[dict[str, Any]]:
    """One cell per hour, oldest first: share of samples up, or None without samples."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    cells = [{"hour": start + timedelta(hours=i), "n": 0, "up": 0} for i in range(hours)]
    for point in points:
        index = int((point["at"] - start).total_seconds() // 3600)
        if 0 <= index < hours:
            cells[index]["n"] += 1
            cells[index]["up"] += 1 if point["up"] else 0
    for cell in cells:
        share = cell["up"] / cell["n"] if cell["n"] else None
        cell["state"] = (
            "none" if share is None else "up" if share == 1 else "down" if share == 0 else "mixed"
        )
        cell["percent"] = None if share is None else round(share * 100)
    return cells


@permission_required("ipam.view_host", raise_exception=True)
def host_drawer(request: AuthedRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(Host.objects.select_related("subnet").prefetch_related("tags"), pk=pk)
    now = timezone.now()
    series = history.latency_series(host, now=now)
    context = {
        "host": host,
        "ports": host.open_ports.filter(current=True)[:DRAWER_PORTS],
        "events": Event.objects.for_object(host)[:DRAWER_EVENTS],
        "uptime": history.uptimes(host, now=now),
        "spark": sparkline(series),
        "bar": hourly_bar(series, now),
        "ptr_mismatch": bool(host.ptr_name and host.hostname)
        and not reconcile.same_name(host.hostname, host.ptr_name),
        "spark_w": SPARK_W,
        "spark_h": SPARK_H,
    }
    return _fragment(request, "discovery/host_page.html", "discovery/_host_drawer.html", context)


# --- reconciliation -----------------------------------------------------------------------


def _open_items(form: ReconFilterForm) -> QuerySet[ReconciliationItem]:
    items = ReconciliationItem.objects.filter(state=ReconState.OPEN).select_related(
        "host", "host__subnet"
    )
    kind = form.cleaned_data.get("kind") if form.is_valid() else ""
    if kind:
        items = items.filter(kind=kind)
    # "Unseen for N days": only hosts still unseen at the chosen horizon.
    horizon = timezone.now() - timedelta(days=form.unseen_days())
    stale = Q(host__last_seen__lt=horizon) | Q(host__last_seen__isnull=True)
    return items.filter(~Q(kind=ReconKind.UNSEEN_DOCUMENTED) | stale).order_by("kind", "-created")


@permission_required("discovery.view_reconciliationitem", raise_exception=True)
def reconcile_list(request: AuthedRequest) -> HttpResponse:
    form = ReconFilterForm(request.GET or None)
    items = _open_items(form)
    counts = dict(
        ReconciliationItem.objects.filter(state=ReconState.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    context = {
        "form": form,
        "page": Paginator(items, RECON_PAGE).get_page(request.GET.get("page")),
        "counts": [(k, label, counts.get(k, 0)) for k, label in ReconKind.choices],
        "days": form.unseen_days(),
    }
    return _fragment(
        request, "discovery/reconcile.html", "discovery/_reconcile_table.html", context
    )


@require_POST
@permission_required("discovery.change_reconciliationitem", raise_exception=True)
def reconcile_decide(request: AuthedRequest) -> HttpResponse:
    """Accept or dismiss one or many open items (each decision audited by the backend)."""
    if not request.user.has_perm("ipam.change_host"):
        raise PermissionDenied("Deciding differences changes hosts: it needs the editor role.")
    # A row's own button names one item; the bulk buttons take the ticked ones.
    action, ids = request.POST.get("action"), request.POST.getlist("item")
    for name in ("accept", "dismiss"):
        if request.POST.get(f"{name}_one"):
            action, ids = name, [request.POST[f"{name}_one"]]
    decide = {"accept": reconcile.accept, "dismiss": reconcile.dismiss}.get(action or "")
    pks = parse_pks(ids)
    if decide is None or not pks:
        messages.error(request, "Choose at least one difference, then Accept or Dismiss.")
        return redirect(_back_to_reconcile(request))
    done, skipped = 0, []
    for item in ReconciliationItem.objects.filter(pk__in=pks).select_related("host"):
        try:
            decide(item, request.user)
            done += 1
        except ValueError as error:
            skipped.append(f"{item.host.address}: {error}")
    verb = "Accepted" if action == "accept" else "Dismissed"
    messages.success(request, f"{verb} {done} difference{'s' if done != 1 else ''}.")
    for note in skipped:
        messages.warning(request, note)
    return redirect(_back_to_reconcile(request))


def _back_to_reconcile(request: AuthedRequest) -> str:
    query = request.POST.get("query", "")
    return reverse("discovery:reconcile") + (f"?{query}" if query else "")


@require_POST
@permission_required("discovery.change_reconciliationitem", raise_exception=True)
def reconcile_refresh(request: AuthedRequest) -> HttpResponse:
    form = ReconFilterForm(request.POST)
    result = reconcile.refresh(unseen_days=form.unseen_days())
    opened = sum(v for k, v in result.items() if k != "removed")
    messages.success(
        request, f"Checked again: {opened} open difference(s), {result['removed']} resolved."
    )
    return redirect(reverse("discovery:reconcile") + f"?days={form.unseen_days()}")


# --- allowlist ----------------------------------------------------------------------------


def _settings_networks() -> tuple[list[str], str]:
    try:
        parsed = scope.parse_allowlist(getattr(settings, "SCAN_ALLOWED_NETWORKS", []) or [])
    except scope.ScopeError as error:
        return [], f"SCAN_ALLOWED_NETWORKS is not valid: {error}"
    return [str(n) for n in parsed], ""


@permission_required("discovery.view_allowednetwork", raise_exception=True)
def allowlist(request: AuthedRequest) -> HttpResponse:
    form = AllowedNetworkForm(request.POST or None)
    if request.method == "POST":
        _require_admin(request)
        if form.is_valid():
            row = form.save()
            messages.success(request, f"{row.network} may now be scanned.")
            return redirect("discovery:allowlist")
    from_settings, settings_error = _settings_networks()
    context = {
        "form": form,
        "rows": AllowedNetwork.objects.all(),
        "from_settings": from_settings,
        "settings_error": settings_error,
        "can_edit": request.user.has_perm(ADMIN_PERM),
    }
    return render(request, "discovery/allowlist.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required("discovery.view_allowednetwork", raise_exception=True)
def allowlist_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    row = get_object_or_404(AllowedNetwork, pk=pk)
    row.delete()
    messages.success(request, f"{row.network} is no longer allowed: scans of it will be refused.")
    return redirect("discovery:allowlist")


# --- webhooks ------------------------------------------------------------------------------


@permission_required(ADMIN_PERM, raise_exception=True)
def webhook_list(request: AuthedRequest) -> HttpResponse:
    failed = Count("deliveries", filter=Q(deliveries__delivered=False))
    hooks = list(Webhook.objects.annotate(n_failed=failed))
    labels = dict(EventKind.choices)
    for hook in hooks:
        hook.kind_labels = [labels.get(k, k) for k in hook.kinds or []]  # type: ignore[attr-defined]
    return render(request, "discovery/webhook_list.html", {"hooks": hooks})


def _save_form(
    request: AuthedRequest, form: ModelForm[Any], template: str, context: dict[str, Any]
) -> HttpResponse | Any:
    """The saved object when the POSTed form is valid, else the form page (400 on errors)."""
    if request.method == "POST" and form.is_valid():
        return form.save()
    status = 400 if form.errors else 200
    return render(request, template, {"form": form, **context}, status=status)


@permission_required(ADMIN_PERM, raise_exception=True)
def webhook_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk) if pk else Webhook()
    form = WebhookForm(request.POST or None, instance=hook)
    deliveries = hook.deliveries.select_related("event")[:DELIVERY_LOG] if hook.pk else []
    saved = _save_form(
        request, form, "discovery/webhook_form.html", {"hook": hook, "deliveries": deliveries}
    )
    if isinstance(saved, HttpResponse):
        return saved
    messages.success(request, f"Webhook {saved.name} saved.")
    return redirect("discovery:webhook_edit", pk=saved.pk)


@require_POST
@permission_required(ADMIN_PERM, raise_exception=True)
def webhook_test(request: AuthedRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    send_test(hook, request.user)
    messages.success(
        request, f"Test event queued for {hook.name}: its delivery appears in the log below."
    )
    return redirect("discovery:webhook_edit", pk=hook.pk)


def send_test(hook: Webhook, user: Any) -> Event:
    """Record a test event for this webhook only and queue its delivery after commit.

    Not through netkeep.events.record(): that would notify every subscribed webhook.
    """
    kind = hook.kinds[0] if hook.kinds else EventKind.HOST_UP
    with transaction.atomic():
        event = Event.objects.create(
            kind=kind,
            object_repr="Netkeep test delivery",
            details={"test": True, "webhook": hook.name, "by": user.get_username()},
        )
        transaction.on_commit(lambda: webhooks.enqueue(hook.pk, event.pk, 1))
    return event


@require_POST
@permission_required(ADMIN_PERM, raise_exception=True)
def webhook_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    hook.delete()
    messages.success(request, f"Webhook {hook.name} deleted.")
    return redirect("discovery:webhook_list")


# --- scan profiles -------------------------------------------------------------------------


@permission_required("discovery.view_scanprofiledef", raise_exception=True)
def profile_list(request: AuthedRequest) -> HttpResponse:
    from discovery.nmap import BUILTIN_PROFILES

    context = {
        "profiles": ScanProfileDef.objects.all(),
        "builtin": list(BUILTIN_PROFILES.values()),
        "can_edit": request.user.has_perm(ADMIN_PERM),
    }
    return render(request, "discovery/profile_list.html", context)


@permission_required(ADMIN_PERM, raise_exception=True)
def profile_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    profile = get_object_or_404(ScanProfileDef, pk=pk) if pk else ScanProfileDef()
    form = ScanProfileForm(request.POST or None, instance=profile)
    saved = _save_form(request, form, "discovery/profile_form.html", {"profile": profile})
    if isinstance(saved, HttpResponse):
        return saved
    messages.success(request, f"Scan profile {saved.name} saved.")
    return redirect("discovery:profile_list")
