"""Discovery pages: home with live progress, runs, "Scan now", host drawer, reconciliation,
allowlist and scan profiles (the webhook pages are netkeep's, in netkeep/views.py).

Each view returns its page, or for an HTMX request the fragment the page
includes (templates whose names start with "_"). No view does network I/O:
scans are queued through discovery.scans.enqueue_scan and their progress polled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from discovery import handover, host_status, icmp, reconcile, scans, scope_rules
from discovery.forms import (
    AllowedNetworkForm,
    ReconFilterForm,
    RunFilterForm,
    ScanProfileForm,
)
from discovery.models import (
    AllowedNetwork,
    ReconciliationCheck,
    ReconciliationItem,
    ReconKind,
    RunKind,
    ScanProfileDef,
    ScanRun,
)
from discovery.templatetags.discovery_ui import allowlist_link
from ipam import owners
from ipam.filters import host_scope
from ipam.models import Host, Subnet
from netkeep.jobs import Run, RunQuerySet
from netkeep.models import Event
from netkeep.params import parse_pks
from netkeep.types import AuthedRequest

RUNS_PAGE = 50
RECENT_RUNS = 15
RECENT_EVENTS = 10
HISTORY_RUNS = 20
RECON_PAGE = 100


def _runs() -> RunQuerySet:
    return ScanRun.objects.select_related("started_by")


def _fragment(
    request: AuthedRequest, page: str, fragment: str, context: Mapping[str, object]
) -> HttpResponse:
    return render(request, fragment if request.htmx else page, context)


# --- home and runs --------------------------------------------------------------------


def _watched_runs(request: AuthedRequest) -> list[Run]:
    """Running and queued runs, plus the ones this page was already showing (to show them end)."""
    ids = parse_pks(request.GET.get("watch", "").split(","))[:50]
    return list(_runs().filter(Q(status__in=["queued", "running"]) | Q(pk__in=ids))[:50])


@permission_required("netkeep.view_run", raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    active = _watched_runs(request)
    context: dict[str, object] = {
        "active": active,
        "polling": any(r.is_active for r in active),
        "poll_url": reverse("discovery:index"),
        "idle": "No scans are running.",
    }
    if request.htmx:
        return render(request, "jobs/_active_runs.html", context)
    context.update(
        recent=_runs().finished()[:RECENT_RUNS],
        capability=icmp.detect_capability(),
        events=Event.objects.all()[:RECENT_EVENTS],
        open_items=ReconciliationItem.objects.open().count(),
        allowlist_empty=scope_rules.allowlist_is_empty(),
    )
    return render(request, "discovery/index.html", context)


@permission_required("netkeep.view_run", raise_exception=True)
def run_list(request: AuthedRequest) -> HttpResponse:
    form = RunFilterForm(request.GET)
    page = Paginator(form.filter(_runs()), RUNS_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    return _fragment(request, "discovery/run_list.html", "jobs/_run_table.html", context)


@permission_required("netkeep.view_run", raise_exception=True)
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(_runs(), pk=pk)
    # The run's own page polls with ?detail=1 so its facts update with the bar.
    context = {"run": run, "detail": bool(request.GET.get("detail"))}
    return _fragment(request, "discovery/run_detail.html", "discovery/_run_progress.html", context)


def _run_history(
    request: AuthedRequest, runs: RunQuerySet, label: str, **about: object
) -> HttpResponse:
    """The last runs about one subnet or host, linking to the full list filtered to it."""
    context: dict[str, object] = {
        "runs": runs[:HISTORY_RUNS],
        "title": f"Runs for {label}",
        **about,
    }
    context["more_url"] = reverse("discovery:run_list") + f"?subnet={label}"
    return _fragment(request, "discovery/run_history.html", "discovery/_run_history.html", context)


@permission_required("netkeep.view_run", raise_exception=True)
def subnet_runs(request: AuthedRequest, pk: int) -> HttpResponse:
    subnet = get_object_or_404(Subnet, pk=pk)
    return _run_history(request, _runs().about(subnet=subnet.pk), subnet.network, subnet=subnet)


@permission_required("netkeep.view_run", raise_exception=True)
def host_runs(request: AuthedRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(Host, pk=pk)
    return _run_history(request, _runs().about(host=host.pk), host.address, host=host)


# --- scan now ---------------------------------------------------------------------------


def _scan(request: AuthedRequest, target: Subnet | Host, back: str) -> HttpResponse:
    """Queue a scan of `target` (or find the one running); refusals become messages, not 500s."""
    kind = request.POST.get("kind") or RunKind.SWEEP
    if kind not in RunKind.values or kind == RunKind.KNOWN_HOSTS:
        error = f"“{kind}” is not a scan you can start here: choose a sweep, port scan or DNS pass."
        return _scan_refused(request, error, back)
    try:
        run = scans.enqueue_scan(
            kind, target, request.user, profile=request.POST.get("profile", "")
        )
    except scans.RateLimited as refusal:
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
    messages.error(request, allowlist_link(error))
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


@permission_required("ipam.view_host", raise_exception=True)
def host_drawer(request: AuthedRequest, pk: int) -> HttpResponse:
    """The drawer of a subnet view row; without HTMX, the one host page (IPAM's)."""
    host = get_object_or_404(Host.objects.select_related("subnet").prefetch_related("tags"), pk=pk)
    if not request.htmx:
        return redirect(host.get_absolute_url())
    owners.attach([host], request.user)
    context = {
        "host": host,
        **host_status.status_context(host),
        "ptr_mismatch": bool(host.ptr_name and host.hostname)
        and not reconcile.same_name(host.hostname, host.ptr_name),
    }
    return render(request, "discovery/_host_drawer.html", context)


# --- reconciliation -----------------------------------------------------------------------


@permission_required("discovery.view_reconciliationitem", raise_exception=True)
def reconcile_list(request: AuthedRequest) -> HttpResponse:
    form = ReconFilterForm(request.GET or None)
    kind = form.cleaned_data.get("kind", "") if form.is_valid() else ""
    items = ReconciliationItem.objects.showing(kind, form.unseen_days())
    scope = host_scope(request.GET)
    if scope is not None:
        items = items.filter(host__in=scope.qs) if scope.is_valid() else items.none()
    context = {
        "scope": scope,
        "form": form,
        "page": Paginator(items, RECON_PAGE).get_page(request.GET.get("page")),
        "counts": ReconciliationItem.objects.open_counts(),
        "days": form.unseen_days(),
        "check": ReconciliationCheck.latest(),
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
    pks = parse_pks(ids)
    if action not in ("accept", "dismiss") or not pks:
        messages.error(request, "Choose at least one difference, then Accept or Dismiss.")
        return redirect(_back_to_reconcile(request))
    done, skipped = reconcile.decide_many(action, pks, request.user)
    verb = "Accepted" if action == "accept" else "Dismissed"
    messages.success(request, f"{verb} {done} difference{'s' if done != 1 else ''}.")
    for note in skipped:
        messages.warning(request, note)
    return redirect(_back_to_reconcile(request))


def _back_to_reconcile(request: AuthedRequest) -> str:
    # The page's own query string, as {% querystring %} wrote it ("?days=7&kind=...").
    query = request.POST.get("query", "").removeprefix("?")
    return reverse("discovery:reconcile") + (f"?{query}" if query else "")


@require_POST
@permission_required("discovery.change_reconciliationitem", raise_exception=True)
def reconcile_refresh(request: AuthedRequest) -> HttpResponse:
    form = ReconFilterForm(request.POST)
    who = request.user.get_username()
    result = reconcile.refresh(unseen_days=form.unseen_days(), trigger=f"Check again by {who}")
    opened = sum(result[kind] for kind in ReconKind.values)
    messages.success(
        request,
        f"Checked again: {opened} open difference(s), {result['new']} new,"
        f" {result['removed']} resolved.",
    )
    return redirect(reverse("discovery:reconcile") + f"?days={form.unseen_days()}")


# --- allowlist ----------------------------------------------------------------------------


@permission_required("discovery.view_allowednetwork", raise_exception=True)
def allowlist(request: AuthedRequest) -> HttpResponse:
    form = AllowedNetworkForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("discovery.add_allowednetwork"):
            raise PermissionDenied("Only administrators may widen what is scanned.")
        if form.is_valid():
            row = form.save()
            messages.success(request, f"{row.network} may now be scanned.")
            return redirect("discovery:allowlist")
    from_settings, settings_error = scope_rules.settings_networks()
    context = {
        "form": form,
        "rows": AllowedNetwork.objects.all(),
        "from_settings": from_settings,
        "settings_error": settings_error,
        "can_edit": request.user.has_perm("discovery.add_allowednetwork"),
    }
    return render(request, "discovery/allowlist.html", context, status=400 if form.errors else 200)


@require_POST
@permission_required("discovery.delete_allowednetwork", raise_exception=True)
def allowlist_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(AllowedNetwork, pk=pk)
    row.delete()
    messages.success(request, f"{row.network} is no longer allowed: scans of it will be refused.")
    return redirect("discovery:allowlist")


# --- scan profiles -------------------------------------------------------------------------


@permission_required("discovery.view_scanprofiledef", raise_exception=True)
def profile_list(request: AuthedRequest) -> HttpResponse:
    from discovery.nmap import BUILTIN_PROFILES

    context = {
        "profiles": ScanProfileDef.objects.all(),
        "builtin": list(BUILTIN_PROFILES.values()),
        "can_edit": request.user.has_perm("discovery.add_scanprofiledef"),
    }
    return render(request, "discovery/profile_list.html", context)


@permission_required(
    ("discovery.add_scanprofiledef", "discovery.change_scanprofiledef"), raise_exception=True
)
def profile_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    profile = get_object_or_404(ScanProfileDef, pk=pk) if pk else ScanProfileDef()
    form = ScanProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Scan profile {saved.name} saved.")
        return redirect("discovery:profile_list")
    context = {"form": form, "profile": profile}
    return render(
        request, "discovery/profile_form.html", context, status=400 if form.errors else 200
    )


@permission_required("inventory.add_device", raise_exception=True)
def host_make_device(request: AuthedRequest, pk: int) -> HttpResponse:
    """Open the new-device form filled from a discovered host (address, hostname, ports)."""
    host = get_object_or_404(Host.objects.select_related("subnet"), pk=pk)
    return redirect(handover.device_form_url(host))
