"""Inventory pages: devices with their interfaces, sites and credential sets.

Each list returns its page, or for an HTMX request the fragment the page includes.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from inventory import checks, connect, topology
from inventory import jobs as inventory_jobs
from inventory.devices import save_device
from inventory.exporting import stream_devices
from inventory.filters import CredentialSetFilter, DeviceFilter, ServiceCheckFilter, SiteFilter
from inventory.forms import (
    BaseInterfaceFormSet,
    CredentialSetForm,
    DeviceForm,
    InterfaceFormSet,
    ServiceCheckForm,
    SiteForm,
    interface_initial,
)
from inventory.models import CredentialSet, Device, ServiceCheck
from ipam.models import VRF, Site
from netkeep import crud, jobs
from netkeep.filtering import any_labels
from netkeep.params import parse_pk
from netkeep.types import AuthedRequest

LIST_PAGE = 50


def _device_filter(request: AuthedRequest) -> DeviceFilter:
    return any_labels(DeviceFilter(request.GET, queryset=Device.objects.with_related()))


@permission_required("inventory.view_device", raise_exception=True)
def device_list(request: AuthedRequest) -> HttpResponse:
    filterset = _device_filter(request)
    page = Paginator(filterset.qs, LIST_PAGE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page}
    if request.htmx and not request.htmx.boosted:
        return render(request, "inventory/_device_table.html", context)
    return render(request, "inventory/device_list.html", context)


@permission_required("inventory.view_device", raise_exception=True)
def device_export(request: AuthedRequest) -> HttpResponse | StreamingHttpResponse:
    filterset = _device_filter(request)
    if not filterset.is_valid():
        return render(request, "inventory/device_list.html", {"filter": filterset}, status=400)
    response = StreamingHttpResponse(stream_devices(filterset.qs), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="devices.csv"'
    return response


@permission_required("inventory.view_device", raise_exception=True)
def device_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(Device.objects.with_related(), pk=pk)
    interfaces = device.interfaces.select_related("host__subnet", "vlan").prefetch_related(
        "links__remote_device"
    )
    context = {
        "device": device,
        "interfaces": interfaces,
        "service_checks": device.service_checks.select_related("device")[:100],
        "scope_refusal": connect.scope_refusal(device),
        "runs": jobs.Run.objects.about(device=device.pk)[:10],
        "credentials": device.credential_order()
        if request.user.has_perm("inventory.view_credentialset")
        else None,
    }
    return render(request, "inventory/device_detail.html", context)


PREFILL = ("name", "management_address", "vrf", "description", "notes", "role", "platform")


def _device_forms(
    request: AuthedRequest, device: Device
) -> tuple[DeviceForm, BaseInterfaceFormSet]:
    """The device form and its interfaces formset, bound to the POST if there is one."""
    data = request.POST if request.method == "POST" else None
    # A new device may come filled from a discovered host (address, hostname, open ports).
    initial = {k: request.GET[k][:500] for k in PREFILL if not device.pk and request.GET.get(k)}
    form = DeviceForm(
        data,
        instance=device,
        initial=initial,
        can_add_tags=request.user.has_perm("ipam.add_tag"),
    )
    vrf = VRF.objects.filter(pk=parse_pk(request.POST.get("vrf")) or 0).first() if data else None
    interfaces = cast(
        BaseInterfaceFormSet,
        InterfaceFormSet(
            data,
            prefix="interfaces",
            initial=interface_initial(device) if device.pk else None,
            form_kwargs={"vrf": vrf, "device_pk": device.pk},
        ),
    )
    return form, interfaces


def _device_form(request: AuthedRequest, device: Device) -> HttpResponse:
    """Create or edit a device and its interfaces: saved in one transaction or not at all."""
    form, interfaces = _device_forms(request, device)
    if form.is_bound and form.is_valid() and interfaces.is_valid():
        try:
            saved = save_device(
                form.save(commit=False),
                management_host=form.cleaned_data["management_address"],
                interfaces=interfaces.rows(),
                credential_sets=form.cleaned_data["credentials"],
                save_m2m=form.save_m2m,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Device {saved} saved.")
            if request.GET.get("ssh"):
                messages.info(
                    request,
                    "SSH is open on this address: run a connection test to check the credentials.",
                )
            return redirect(saved.get_absolute_url())
    title = f"Edit {device}" if device.pk else "New device"
    cancel = device.get_absolute_url() if device.pk else reverse("inventory:device_list")
    context = {"form": form, "interfaces": interfaces, "title": title, "cancel": cancel}
    status = 400 if form.is_bound and form.data else 200
    return render(request, "inventory/device_form.html", context, status=status)


@permission_required("inventory.add_device", raise_exception=True)
@require_http_methods(["GET", "POST"])
def device_create(request: AuthedRequest) -> HttpResponse:
    return _device_form(request, Device())


@permission_required("inventory.change_device", raise_exception=True)
@require_http_methods(["GET", "POST"])
def device_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _device_form(request, get_object_or_404(Device, pk=pk))


@permission_required("inventory.delete_device", raise_exception=True)
@require_http_methods(["GET", "POST"])
def device_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(Device, pk=pk)
    after = reverse("inventory:device_list")
    return crud.delete(
        request, device, noun="Device", after=after, cancel=device.get_absolute_url()
    )


@permission_required("inventory.change_device", raise_exception=True)
@require_POST
def device_host_key(request: AuthedRequest, pk: int) -> HttpResponse:
    """Accept the new SSH host key a device presented, or forget the pin (audited)."""
    device = get_object_or_404(Device, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "accept":
            device.accept_offered_host_key()
            messages.success(request, f"The new host key of {device} is pinned.")
        elif action == "forget":
            device.forget_host_key()
            messages.success(
                request,
                f"{device}'s host key pin is cleared: the next connection pins the key it sees.",
            )
        else:
            messages.error(request, "Choose accept or forget.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(device.get_absolute_url())


@permission_required("inventory.change_device", raise_exception=True)
@require_POST
def device_platform(request: AuthedRequest, pk: int) -> HttpResponse:
    """Confirm the platform detection suggested (or dismiss the suggestion)."""
    device = get_object_or_404(Device, pk=pk)
    action = request.POST.get("action")
    if action not in ("accept", "dismiss"):
        messages.error(request, "Choose accept or dismiss.")
        return redirect(device.get_absolute_url())
    try:
        device.settle_suggested_platform(accept=action == "accept")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if action == "accept":
            messages.success(request, f"{device} is now {device.get_platform_display()}.")
    return redirect(device.get_absolute_url())


RUN_KINDS = {"test": inventory_jobs.TEST, "detect": inventory_jobs.DETECT}


@permission_required("inventory.run_device_jobs", raise_exception=True)
@require_POST
def device_run(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Queue a connection test or platform detection; the page then follows its progress."""
    device = get_object_or_404(Device, pk=pk)
    if action not in RUN_KINDS:
        raise Http404("Choose test or detect.")
    try:
        inventory_jobs.start(RUN_KINDS[action], device, request.user)
    except jobs.RateLimited as refusal:
        messages.error(request, str(refusal))
    if request.htmx:
        return device_runs(request, pk)
    return redirect(device.get_absolute_url())


@permission_required("inventory.view_device", raise_exception=True)
def device_runs(request: AuthedRequest, pk: int) -> HttpResponse:
    """The device's recent runs (polled by the page while one is active)."""
    device = get_object_or_404(Device, pk=pk)
    runs = list(jobs.Run.objects.about(device=device.pk)[:10])
    active = any(r.is_active for r in runs)
    return render(
        request, "inventory/_device_runs.html", {"device": device, "runs": runs, "active": active}
    )


# --- sites ---------------------------------------------------------------------------


@permission_required("ipam.view_site", raise_exception=True)
def site_list(request: AuthedRequest) -> HttpResponse:
    queryset = Site.objects.annotate(
        n_devices=Count("devices", distinct=True), n_subnets=Count("subnets", distinct=True)
    ).order_by("name")
    filterset = SiteFilter(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "inventory/site_list.html", {"filter": filterset, "page": page})


@permission_required("ipam.view_site", raise_exception=True)
def site_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    devices: QuerySet[Device] = Device.objects.with_related().filter(site=site)
    context: dict[str, Any] = {
        "site": site,
        "devices": Paginator(devices, LIST_PAGE).get_page(request.GET.get("page")),
        "subnets": site.subnets.select_related("vrf")[:200],
    }
    return render(request, "inventory/site_detail.html", context)


@permission_required("ipam.add_site", raise_exception=True)
@require_http_methods(["GET", "POST"])
def site_create(request: AuthedRequest) -> HttpResponse:
    form = SiteForm(request.POST or None)
    return crud.edit(
        request, form, title="New site", cancel=reverse("inventory:site_list"), noun="Site"
    )


@permission_required("ipam.change_site", raise_exception=True)
@require_http_methods(["GET", "POST"])
def site_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    form = SiteForm(request.POST or None, instance=site)
    return crud.edit(
        request, form, title=f"Edit {site}", cancel=site.get_absolute_url(), noun="Site"
    )


@permission_required("ipam.delete_site", raise_exception=True)
@require_http_methods(["GET", "POST"])
def site_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    site = get_object_or_404(Site, pk=pk)
    after = reverse("inventory:site_list")
    return crud.delete(request, site, noun="Site", after=after, cancel=site.get_absolute_url())


# --- credential sets ---------------------------------------------------------------


@permission_required("inventory.view_credentialset", raise_exception=True)
def credentialset_list(request: AuthedRequest) -> HttpResponse:
    queryset = (
        CredentialSet.objects.annotate(n_devices=Count("device_links"))
        .prefetch_related("default_for_sites", "default_for_tags")
        .order_by("priority", "name")
    )
    filterset = CredentialSetFilter(request.GET, queryset=queryset)
    page = Paginator(filterset.qs, LIST_PAGE).get_page(request.GET.get("page"))
    return render(request, "inventory/credentialset_list.html", {"filter": filterset, "page": page})


@permission_required("inventory.add_credentialset", raise_exception=True)
@require_http_methods(["GET", "POST"])
def credentialset_create(request: AuthedRequest) -> HttpResponse:
    form = CredentialSetForm(request.POST or None)
    cancel = reverse("inventory:credentialset_list")
    return crud.edit(
        request,
        form,
        title="New credential set",
        cancel=cancel,
        noun="Credential set",
        success=lambda _: cancel,
    )


@permission_required("inventory.change_credentialset", raise_exception=True)
@require_http_methods(["GET", "POST"])
def credentialset_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    cred = get_object_or_404(CredentialSet, pk=pk)
    form = CredentialSetForm(request.POST or None, instance=cred)
    cancel = reverse("inventory:credentialset_list")
    return crud.edit(
        request,
        form,
        title=f"Edit {cred}",
        cancel=cancel,
        noun="Credential set",
        success=lambda _: cancel,
    )


@permission_required("inventory.delete_credentialset", raise_exception=True)
@require_http_methods(["GET", "POST"])
def credentialset_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    cred = get_object_or_404(CredentialSet, pk=pk)
    after = reverse("inventory:credentialset_list")
    return crud.delete(request, cred, noun="Credential set", after=after, cancel=after)


# --- service checks ------------------------------------------------------------------


@permission_required("inventory.view_servicecheck", raise_exception=True)
def check_list(request: AuthedRequest) -> HttpResponse:
    queryset = ServiceCheck.objects.select_related("device").order_by("name", "id")
    filterset = any_labels(ServiceCheckFilter(request.GET, queryset=queryset))
    page = Paginator(filterset.qs, LIST_PAGE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page}
    if request.htmx and not request.htmx.boosted:
        return render(request, "inventory/_check_table.html", context)
    return render(request, "inventory/check_list.html", context)


@permission_required("inventory.view_servicecheck", raise_exception=True)
def check_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(ServiceCheck.objects.select_related("device"), pk=pk)
    context = {
        "check": check,
        "uptime": {days: checks.uptime(check, days) for days in (1, 7, 30)},
        "changes": check.changes.all()[:50],
    }
    return render(request, "inventory/check_detail.html", context)


@permission_required("inventory.add_servicecheck", raise_exception=True)
@require_http_methods(["GET", "POST"])
def check_create(request: AuthedRequest) -> HttpResponse:
    device = Device.objects.filter(pk=parse_pk(request.GET.get("device")) or 0).first()
    form = ServiceCheckForm(request.POST or None, initial={"device": device})
    return crud.edit(
        request,
        form,
        title="New service check",
        cancel=reverse("inventory:check_list"),
        noun="Service check",
    )


@permission_required("inventory.change_servicecheck", raise_exception=True)
@require_http_methods(["GET", "POST"])
def check_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(ServiceCheck, pk=pk)
    form = ServiceCheckForm(request.POST or None, instance=check)
    return crud.edit(
        request,
        form,
        title=f"Edit {check}",
        cancel=check.get_absolute_url(),
        noun="Service check",
    )


@permission_required("inventory.delete_servicecheck", raise_exception=True)
@require_http_methods(["GET", "POST"])
def check_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(ServiceCheck, pk=pk)
    after = reverse("inventory:check_list")
    return crud.delete(
        request, check, noun="Service check", after=after, cancel=check.get_absolute_url()
    )


@permission_required("inventory.view_device", raise_exception=True)
def topology_view(request: AuthedRequest) -> HttpResponse:
    return render(request, "inventory/topology.html", {"cards": topology.build()})
