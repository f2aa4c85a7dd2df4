"""Backups pages: dashboard and fleet, a device's versions, a version, diffs, search, schedules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import audit
from backups import fetch, search, stats
from backups.filters import FleetFilter
from backups.forms import ScheduleForm, SearchForm
from backups.jobs import next_runs
from backups.models import BackupSchedule, ConfigVersion
from backups.versions import by_seq, compare, previous_of, search_devices, text_of
from inventory.models import Device
from netkeep import crud
from netkeep.jobs import RateLimited
from netkeep.params import parse_pk
from netkeep.types import AuthedRequest

PAGE = 50


@permission_required("backups.view_configversion", raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    fleet = FleetFilter(request.GET, queryset=stats.fleet(stats.eligible().select_related("site")))
    devices = stats.failures_first(fleet.qs) if fleet.is_valid() else Device.objects.none()
    page = Paginator(devices, PAGE).get_page(request.GET.get("page"))
    context = {"dashboard": stats.dashboard(), "page": page, "filter": fleet}
    return render(request, "backups/index.html", context)


@permission_required("backups.view_configversion", raise_exception=True)
def device_versions(request: AuthedRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(Device, pk=pk)
    versions = (
        ConfigVersion.objects.filter(device=device).order_by("-seq").defer("lines", "secrets")
    )
    page = Paginator(versions, PAGE).get_page(request.GET.get("page"))
    context = {"device": device, "page": page, "refusal": fetch.refusal(device)}
    return render(request, "backups/device_versions.html", context)


def _unmasked(request: AuthedRequest, version: ConfigVersion) -> bool:
    """?raw=1 asks for the secrets too: its own permission, and every look is audited."""
    if request.GET.get("raw") != "1":
        return False
    if not request.user.has_perm("backups.unmask_config"):
        raise PermissionDenied("Seeing a configuration with its secrets needs its own permission.")
    audit.record(version, "view", {"secrets": ["masked", "shown"]})
    return True


@permission_required("backups.view_configversion", raise_exception=True)
def version_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ConfigVersion.objects.select_related("device"), pk=pk)
    raw = _unmasked(request, version)
    lines = text_of(version, raw=raw).splitlines()
    others = ConfigVersion.objects.filter(device=version.device_id).exclude(pk=version.pk)
    context = {
        "version": version,
        "lines": lines,
        "raw": raw,
        "previous": previous_of(version),
        "others": others.order_by("-seq").only("pk", "seq", "first_seen")[:500],
    }
    return render(request, "backups/version_detail.html", context)


@permission_required("backups.view_configversion", raise_exception=True)
def version_download(request: AuthedRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ConfigVersion, pk=pk)
    raw = _unmasked(request, version)
    response = HttpResponse(text_of(version, raw=raw), content_type="text/plain; charset=utf-8")
    name = f"{version.device_name}-v{version.seq}{'-raw' if raw else ''}.cfg"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_required("backups.view_configversion", raise_exception=True)
def version_diff(request: AuthedRequest, old: int, new: int) -> HttpResponse:
    a = get_object_or_404(ConfigVersion, pk=old)
    b = get_object_or_404(ConfigVersion, pk=new)
    side = request.GET.get("view") != "unified"
    result = compare(a, b)
    context = {
        "a": a,
        "b": b,
        "diff": result,
        "side": side,
        "rows": result.side_by_side() if side else None,
        "unified": None if side else result.unified(f"{a}", f"{b}"),
    }
    return render(request, "backups/diff.html", context)


@permission_required("backups.view_configversion", raise_exception=True)
def compare_pick(request: AuthedRequest) -> HttpResponse:
    """The version page's "Compare with" form: ?old=<id>&new=<id>, or ?seq=<n> for any version.

    The list offers the newest 500 versions; a version number reaches the others.
    """
    old, new = parse_pk(request.GET.get("old")), parse_pk(request.GET.get("new"))
    if new is None:
        messages.error(request, "Choose two versions to compare.")
        return redirect("backups:index")
    if request.GET.get("seq", "").strip():
        seq = parse_pk(request.GET.get("seq"))
        version = get_object_or_404(ConfigVersion, pk=new)
        other = by_seq(version, seq) if seq else None
        if not other:
            messages.error(request, f"This device has no version {request.GET['seq'][:20]}.")
            return redirect("backups:version", pk=new)
        old = other.pk
    if old is None:
        messages.error(request, "Choose two versions to compare.")
        return redirect("backups:version", pk=new)
    return redirect("backups:diff", old=old, new=new)


@permission_required("backups.view_configversion", raise_exception=True)
def latest_diff(request: AuthedRequest, pk: int) -> HttpResponse:
    """Latest against previous for a device."""
    last_two = list(ConfigVersion.objects.filter(device=pk).order_by("-seq").only("pk")[:2])
    if len(last_two) < 2:
        messages.info(request, "This device has fewer than two versions: nothing to compare yet.")
        return redirect("backups:device", pk=pk)
    return redirect("backups:diff", old=last_two[1].pk, new=last_two[0].pk)


@permission_required("backups.view_configversion", raise_exception=True)
def search_page(request: AuthedRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results, error = None, ""
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        try:
            results = search.search(
                data["q"],
                regex=data["regex"],
                ignore_case=not data["case"],
                devices=search_devices(data["platform"], data["tag"], data["site"]),
                current_only=data["current"],
            )
        except search.SearchError as refusal:
            error = str(refusal)
    status = 400 if error or (form.is_bound and not form.is_valid()) else 200
    context = {"form": form, "results": results, "error": error}
    return render(request, "backups/search.html", context, status=status)


@require_POST
@permission_required("backups.run_backups", raise_exception=True)
def backup_now(request: AuthedRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(Device, pk=pk)
    refusal = fetch.refusal(device)
    if refusal:
        messages.error(request, f"Not started: {refusal}")
    else:
        try:
            run = fetch.start(device, request.user)
            messages.success(request, f"Backup of {device} queued (run {run.pk}).")
        except RateLimited as limited:
            messages.error(request, str(limited))
    return redirect("backups:device", pk=device.pk)


@permission_required("backups.view_backupschedule", raise_exception=True)
def schedule_list(request: AuthedRequest) -> HttpResponse:
    schedules = list(BackupSchedule.objects.select_related("tag", "site"))
    upcoming = next_runs(schedules)
    rows = [(s, upcoming.get(s.pk)) for s in schedules]
    return render(request, "backups/schedule_list.html", {"rows": rows})


@permission_required("backups.add_backupschedule", raise_exception=True)
def schedule_create(request: AuthedRequest) -> HttpResponse:
    form = ScheduleForm(request.POST or None)
    return crud.edit(
        request,
        form,
        title="New backup schedule",
        cancel="/backups/schedules/",
        noun="Schedule",
        success=lambda _: "/backups/schedules/",
    )


@permission_required("backups.change_backupschedule", raise_exception=True)
def schedule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(BackupSchedule, pk=pk)
    form = ScheduleForm(request.POST or None, instance=schedule)
    return crud.edit(
        request,
        form,
        title=f"Edit {schedule}",
        cancel="/backups/schedules/",
        noun="Schedule",
        success=lambda _: "/backups/schedules/",
    )


@permission_required("backups.delete_backupschedule", raise_exception=True)
def schedule_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(BackupSchedule, pk=pk)
    return crud.delete(
        request,
        schedule,
        noun="Schedule",
        after="/backups/schedules/",
        cancel="/backups/schedules/",
    )


@require_POST
@permission_required("backups.run_backups", raise_exception=True)
def schedule_run_now(request: AuthedRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(BackupSchedule, pk=pk)
    try:
        runs = fetch.start_many(schedule.devices(), request.user)
    except RateLimited as limited:
        messages.error(request, str(limited))
    else:
        messages.success(request, f"{len(runs)} backups queued for {schedule}.")
    return redirect("backups:schedule_list")
