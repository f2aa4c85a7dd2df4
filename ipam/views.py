"""IPAM pages: subnet tree and view, hosts, VRFs, VLANs, tags, allocation and search.

Each view returns its page, or for an HTMX request the fragment the page
includes (templates whose names start with "_").
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from discovery import eventlog
from ipam import host_panels, owners
from ipam.addresses import parse_address
from ipam.allocation import SubnetFull, allocate, allocate_subnet
from ipam.filters import HostFilter, SubnetFilter, VLANFilter, VRFFilter
from ipam.flow import (
    FreeRun,
    HostItem,
    address_page,
    child_target,
    columns,
    flow_url,
    with_tags,
)
from ipam.forms import (
    AllocateForm,
    AllocateSubnetForm,
    HostForm,
    HostInlineForm,
    SubnetForm,
    TagForm,
    TaggedModelForm,
    VLANForm,
    VRFForm,
)
from ipam.heatmap import tile_links
from ipam.models import VLAN, VRF, Host, HostStatus, Subnet, Tag
from ipam.querysets import SubnetQuerySet
from ipam.search import SEARCH_LIMIT
from ipam.search import search as search_groups
from netkeep import crud
from netkeep.filtering import any_labels
from netkeep.params import parse_pk
from netkeep.responses import plain_error
from netkeep.types import AuthedRequest

# Page sizes: every page is bounded by what it shows, never by the data's size.
FREE_PAGE = 64
FREE_PREFIXES = 16
LIST_PAGE = 50
CHILDREN_PAGE = 200


# --- shared helpers -----------------------------------------------------------------


def _paginate(request: AuthedRequest, queryset: QuerySet[Any], per_page: int) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _tagged(form: type[TaggedModelForm], request: AuthedRequest, **kwargs: Any) -> TaggedModelForm:
    """A form with tags: typing an unknown tag creates it only for users who may add tags."""
    return form(request.POST or None, can_add_tags=request.user.has_perm("ipam.add_tag"), **kwargs)


def _in_subnet(host: Host) -> str:
    """Where a saved host shows: its row in its subnet's view."""
    return flow_url(host.subnet, jump=host.address) + f"#a-{host.pk}"


def _subnet_crumbs(subnet: Subnet | None) -> list[tuple[str, str]]:
    crumbs = [("Subnets", reverse("ipam:subnet_list"))]
    if subnet is not None:
        crumbs.append((subnet.network, subnet.get_absolute_url()))
    return crumbs


PK_MARK = 987654321


def _row_links(request: AuthedRequest, subnet: Subnet) -> dict[str, Any]:
    """What every row of the address flow needs, worked out once per page.

    Reversing three URLs and checking permissions per row was a third of the
    time to render 512 rows; rows paste the primary key between a prefix and
    a suffix instead.
    """
    links: dict[str, tuple[str, str]] = {}
    for key, name in (
        ("host", "ipam:host_detail"),
        ("drawer", "discovery:host_drawer"),
        ("inline", "ipam:host_inline"),
    ):
        before, _, after = reverse(name, args=[PK_MARK]).partition(str(PK_MARK))
        links[key] = (before, after)
    return {
        "links": links,
        "free_url": reverse("ipam:subnet_free", args=[subnet.pk]),
        "subnet_url": subnet.get_absolute_url(),
        "add_host_url": f"{reverse('ipam:host_create')}?subnet={subnet.pk}&address=",
        "can_edit": request.user.has_perm("ipam.change_host"),
        "can_add": request.user.has_perm("ipam.add_host"),
        "gateway": subnet.gateway or "",
        # get_status_display() builds a dict of the choices on every call.
        "status_labels": dict(HostStatus.choices),
    }


def _tag_names() -> QuerySet[Tag, str]:
    """Tag names offered by the tag filter (lazy: only the full page reads them)."""
    return Tag.objects.order_by("name").values_list("name", flat=True)[:500]


# --- subnets ----------------------------------------------------------------------


@permission_required("ipam.view_subnet", raise_exception=True)
def subnet_list(request: AuthedRequest) -> HttpResponse:
    filterset = any_labels(SubnetFilter(request.GET, queryset=Subnet.objects.all().for_tree()))
    filtering = any(request.GET.get(name) for name in filterset.filters)
    # Without filters the list is the tree: top-level subnets, children load on demand.
    queryset = filterset.qs if filtering else filterset.queryset.filter(parent__isnull=True)
    context = {
        "filter": filterset,
        "filtering": filtering,
        "page": _paginate(request, queryset, LIST_PAGE),
        "tag_names": _tag_names(),
    }
    if request.htmx:
        return render(request, "ipam/_subnet_list_body.html", context)
    return render(request, "ipam/subnet_list.html", context)


@permission_required("ipam.view_subnet", raise_exception=True)
def subnet_children(request: AuthedRequest, pk: int) -> HttpResponse:
    """The direct children of a subnet as tree rows (loaded when a tree node opens)."""
    subnet = get_object_or_404(Subnet, pk=pk)
    rows = list(subnet.children.all().for_tree()[: CHILDREN_PAGE + 1])
    context = {
        "subnets": rows[:CHILDREN_PAGE],
        "more_url": _within_url(subnet) if len(rows) > CHILDREN_PAGE else "",
    }
    return render(request, "ipam/_subnet_rows.html", context)


def _within_url(subnet: Subnet) -> str:
    vrf = subnet.vrf_id or "null"
    return f"{reverse('ipam:subnet_list')}?within={subnet.network}&vrf={vrf}"


@permission_required("ipam.view_subnet", raise_exception=True)
def subnet_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    subnet = get_object_or_404(eventlog.with_watched(_whole_page(), request.user), pk=pk)
    target = child_target(subnet, request.GET)
    if target:
        # The address or range lives in a child subnet: its view is where it shows.
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    context = _flow_context(request, subnet)
    if request.htmx and request.GET.get("rows"):
        return render(request, "ipam/_address_rows.html", context, using="jinja2")
    if request.htmx and not request.htmx.boosted:
        # The order buttons sit outside #flow: they come along out of band.
        return render(request, "ipam/_flow.html", {**context, "oob": True})
    return render(request, "ipam/subnet_detail.html", _page_context(subnet, context))


def _whole_page() -> SubnetQuerySet:
    """Subnets with what the whole subnet page shows of them, read in one query."""
    return Subnet.objects.select_related("parent").for_tree().with_ancestors().with_tiles()


def _flow_context(request: AuthedRequest, subnet: Subnet) -> dict[str, Any]:
    """The address flow of the subnet view for this request's parameters."""
    page = address_page(subnet, request.GET, owners.columns(request.user))
    owners.attach((i.host for i in page.items if isinstance(i, HostItem)), request.user)
    return {
        "subnet": subnet,
        "page": page,
        "columns": columns(subnet, page.sort),
        "sorted_by": page.sort.lstrip("-").replace("_", " "),
        **_row_links(request, subnet),
    }


def _page_context(subnet: Subnet, context: dict[str, Any]) -> dict[str, Any]:
    """What the whole subnet page adds around the flow: heatmap, free prefixes, path."""
    children = context["page"].children
    return {
        **context,
        "tiles": tile_links(subnet, children),
        "free_prefixes": subnet.free_prefixes(FREE_PREFIXES, children),
        "ancestors": subnet.ancestors(),
    }


@permission_required("ipam.view_subnet", raise_exception=True)
def subnet_free(request: AuthedRequest, pk: int) -> HttpResponse:
    """Expand a free run in place: its next 64 free addresses, then the rest as a run."""
    subnet = get_object_or_404(Subnet, pk=pk)
    try:
        first = parse_address(request.GET.get("first", ""))
        last = parse_address(request.GET.get("last", ""))
    except ValidationError as error:
        return plain_error(" ".join(error.messages))
    low, high = (int(k, 16) for k in subnet.usable_keys())
    if not (subnet.contains(first) and subnet.contains(last)) or int(first) > int(last):
        return plain_error(f"{first} – {last} is not a range of {subnet.network}.")
    start, end = max(int(first), low), min(int(last), high)
    addresses, rest = subnet.free_addresses(start, end, limit=FREE_PAGE)
    # Rows of one run share its first address, so that the run collapses as a whole
    # however many times "show" was clicked; the first expansion adds the header.
    try:
        run_id = str(parse_address(request.GET["run"])) if request.GET.get("run") else ""
    except ValidationError:
        run_id = ""
    head = None if run_id else FreeRun(first, last)
    context = {"addresses": addresses, "rest": rest, "head": head, "run_id": run_id or first}
    return render(
        request,
        "ipam/_free_addresses.html",
        {"subnet": subnet, **context, **_row_links(request, subnet)},
        using="jinja2",
    )


@permission_required("ipam.view_subnet", raise_exception=True)
def subnet_next_free(request: AuthedRequest, pk: int) -> HttpResponse:
    """The first free address with "add host here", and the allocate form."""
    subnet = get_object_or_404(Subnet, pk=pk)
    free = subnet.next_free(1)
    context = {"subnet": subnet, "free": free[0] if free else None, "form": AllocateForm()}
    template = "ipam/_next_free.html" if request.htmx else "ipam/next_free.html"
    return render(request, template, context)


@require_POST
@permission_required("ipam.add_host", raise_exception=True)
def subnet_allocate(request: AuthedRequest, pk: int) -> HttpResponse:
    """Allocate the next N free addresses (safe under concurrency: ipam.allocation)."""
    subnet = get_object_or_404(Subnet, pk=pk)
    form = AllocateForm(request.POST)
    if not form.is_valid():
        free = subnet.next_free(1)
        box = {"subnet": subnet, "free": free[0] if free else None, "form": form}
        if request.htmx:
            # Swapped in place of the box that posted (htmx swaps 200s only).
            return render(request, "ipam/_next_free.html", box)
        # Without script: the whole subnet page, the box open with its errors.
        subnet = get_object_or_404(_whole_page(), pk=pk)
        context = _page_context(subnet, _flow_context(request, subnet))
        return render(request, "ipam/subnet_detail.html", {**context, "next_free": box}, status=400)
    fields = {k: v for k, v in form.cleaned_data.items() if k != "count" and v}
    try:
        hosts = allocate(subnet, form.cleaned_data["count"], **fields)
    except SubnetFull as full:
        messages.error(request, f"{full} Nothing was allocated.")
        return _go(request, subnet.get_absolute_url())
    span = hosts[0].address if len(hosts) == 1 else f"{hosts[0].address} – {hosts[-1].address}"
    messages.success(request, f"Allocated {len(hosts)} address(es): {span}.")
    return _go(request, flow_url(subnet, jump=hosts[0].address) + f"#a-{hosts[0].pk}")


def _go(request: AuthedRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a whole-page navigation."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@permission_required("ipam.add_subnet", raise_exception=True)
def subnet_allocate_prefix(request: AuthedRequest, pk: int) -> HttpResponse:
    """Allocate the first free child prefix (safe under concurrency: ipam.allocation)."""
    subnet = get_object_or_404(Subnet, pk=pk)
    form = AllocateSubnetForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(" ".join(map(str, e)) for e in form.errors.values())
        messages.error(request, f"Nothing was allocated: {errors}")
        return redirect(subnet)
    try:
        child = allocate_subnet(subnet, **form.cleaned_data)
    except ValidationError as refusal:
        messages.error(request, f"{' '.join(map(str, refusal.messages))} Nothing was allocated.")
        return redirect(subnet)
    except SubnetFull as full:
        messages.error(request, f"{full} Nothing was allocated.")
        return redirect(subnet)
    messages.success(request, f"Allocated {child.network}.")
    return redirect(child)


@permission_required("ipam.add_subnet", raise_exception=True)
@require_http_methods(["GET", "POST"])
def subnet_create(request: AuthedRequest) -> HttpResponse:
    form = _tagged(SubnetForm, request, initial=request.GET.dict())
    cancel = reverse("ipam:subnet_list")
    return crud.edit(
        request, form, title="New subnet", cancel=cancel, noun="Subnet", crumbs=_subnet_crumbs(None)
    )


@permission_required("ipam.change_subnet", raise_exception=True)
@require_http_methods(["GET", "POST"])
def subnet_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    subnet = get_object_or_404(Subnet, pk=pk)
    form = _tagged(SubnetForm, request, instance=subnet)
    cancel = subnet.get_absolute_url()
    title = f"Edit {subnet.network}"
    crumbs = _subnet_crumbs(subnet)
    return crud.edit(request, form, title=title, cancel=cancel, noun="Subnet", crumbs=crumbs)


@permission_required("ipam.delete_subnet", raise_exception=True)
@require_http_methods(["GET", "POST"])
def subnet_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    subnet = get_object_or_404(Subnet.objects.select_related("parent"), pk=pk)
    after = subnet.parent.get_absolute_url() if subnet.parent else reverse("ipam:subnet_list")
    return crud.delete(
        request, subnet, noun="Subnet", after=after, cancel=subnet.get_absolute_url()
    )


# --- hosts --------------------------------------------------------------------------


@permission_required("ipam.view_host", raise_exception=True)
def host_list(request: AuthedRequest) -> HttpResponse:
    queryset = Host.objects.select_related("subnet__vrf").prefetch_related("tags")
    filterset = any_labels(HostFilter(request.GET, queryset=queryset))
    context = {
        "filter": filterset,
        "page": _paginate(request, filterset.qs, 100),
        "tag_names": _tag_names(),
    }
    if request.htmx:
        return render(request, "ipam/_host_table.html", context)
    return render(request, "ipam/host_list.html", context)


@permission_required("ipam.view_host", raise_exception=True)
def host_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(
        Host.objects.select_related("subnet__vrf").prefetch_related("tags"), pk=pk
    )
    owners.attach([host], request.user)
    context = {"host": host, "panels": host_panels.panels(host, request.user)}
    return render(request, "ipam/host_detail.html", context)


@permission_required("ipam.add_host", raise_exception=True)
@require_http_methods(["GET", "POST"])
def host_create(request: AuthedRequest) -> HttpResponse:
    initial: dict[str, Any] = {"address": request.GET.get("address", "")}
    subnet = Subnet.objects.filter(pk=parse_pk(request.GET.get("subnet")) or 0).first()
    if subnet is not None:
        initial["vrf"] = subnet.vrf_id
    form = _tagged(HostForm, request, initial=initial)
    cancel = subnet.get_absolute_url() if subnet else reverse("ipam:host_list")
    crumbs = _subnet_crumbs(subnet) if subnet else [("Hosts", reverse("ipam:host_list"))]
    # Saved, the host is shown where it was added from: its row in its subnet.
    return crud.edit(
        request,
        form,
        title="New host",
        cancel=cancel,
        noun="Host",
        success=_in_subnet,
        crumbs=crumbs,
    )


@permission_required("ipam.change_host", raise_exception=True)
@require_http_methods(["GET", "POST"])
def host_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(Host.objects.select_related("subnet"), pk=pk)
    form = _tagged(HostForm, request, instance=host)
    crumbs = [*_subnet_crumbs(host.subnet), (host.address, host.get_absolute_url())]
    return crud.edit(
        request,
        form,
        title=f"Edit {host.address}",
        cancel=host.get_absolute_url(),
        noun="Host",
        crumbs=crumbs,
    )


@permission_required("ipam.delete_host", raise_exception=True)
@require_http_methods(["GET", "POST"])
def host_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(Host.objects.select_related("subnet"), pk=pk)
    after = flow_url(host.subnet, jump=host.address)
    return crud.delete(request, host, noun="Host", after=after, cancel=host.get_absolute_url())


@permission_required("ipam.view_host", raise_exception=True)
@require_http_methods(["GET", "POST"])
def host_inline(request: AuthedRequest, pk: int) -> HttpResponse:
    """Inline edit of hostname, description, tags and notes (subnet view row or host drawer).

    GET shows the form (or, with ?show=1, the read-only block); POST saves and
    returns the updated row or block, or the form with its errors.
    """
    host = get_object_or_404(Host.objects.prefetch_related("tags"), pk=pk)
    in_row = request.GET.get("context") == "row"
    showing = request.method == "GET" and request.GET.get("show")
    if not showing and not request.user.has_perm("ipam.change_host"):
        raise PermissionDenied("Editing hosts needs the editor role.")
    # Unique ids per host: several rows may be open for editing at once.
    form = None if showing else _tagged(HostInlineForm, request, instance=host, auto_id=f"h{pk}-%s")
    if form is not None and request.method == "POST" and form.is_valid():
        host = form.save()
        form = None
    context = {"host": host, "form": form, "inline_context": "row" if in_row else "block"}
    if in_row:
        owners.attach([host], request.user)
        with_tags([host])
        context.update(_row_links(request, host.subnet))
        if form:
            return render(request, "ipam/_host_inline_row.html", context)
        return render(request, "ipam/_host_row.html", context, using="jinja2")
    return render(request, "ipam/_host_inline.html", context)


# --- VRFs, VLANs, tags ------------------------------------------------------------


@permission_required("ipam.view_vrf", raise_exception=True)
def vrf_list(request: AuthedRequest) -> HttpResponse:
    filterset = VRFFilter(
        request.GET, queryset=VRF.objects.annotate(n=models.Count("subnets")).order_by("name")
    )
    context = {"filter": filterset, "page": _paginate(request, filterset.qs, LIST_PAGE)}
    return render(request, "ipam/vrf_list.html", context)


@permission_required("ipam.view_vrf", raise_exception=True)
def vrf_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    vrf = get_object_or_404(VRF, pk=pk)
    subnets = vrf.subnets.filter(parent__isnull=True).for_tree()
    context = {"vrf": vrf, "page": _paginate(request, subnets, LIST_PAGE)}
    return render(request, "ipam/vrf_detail.html", context)


@permission_required("ipam.add_vrf", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vrf_create(request: AuthedRequest) -> HttpResponse:
    form = VRFForm(request.POST or None)
    return crud.edit(request, form, title="New VRF", cancel=reverse("ipam:vrf_list"), noun="VRF")


@permission_required("ipam.change_vrf", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vrf_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    vrf = get_object_or_404(VRF, pk=pk)
    form = VRFForm(request.POST or None, instance=vrf)
    return crud.edit(request, form, title=f"Edit {vrf}", cancel=vrf.get_absolute_url(), noun="VRF")


@permission_required("ipam.delete_vrf", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vrf_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    vrf = get_object_or_404(VRF, pk=pk)
    after = reverse("ipam:vrf_list")
    return crud.delete(request, vrf, noun="VRF", after=after, cancel=vrf.get_absolute_url())


@permission_required("ipam.view_vlan", raise_exception=True)
def vlan_list(request: AuthedRequest) -> HttpResponse:
    # Plain LANs first, then by VLAN id (the annotation drops the model's ordering).
    queryset = (
        VLAN.objects.annotate(n=models.Count("subnets"))
        .order_by(models.F("vid").asc(nulls_first=True), "name")
        .prefetch_related("tags")
    )
    filterset = VLANFilter(request.GET, queryset=queryset)
    context = {"filter": filterset, "page": _paginate(request, filterset.qs, 100)}
    return render(request, "ipam/vlan_list.html", context)


@permission_required("ipam.view_vlan", raise_exception=True)
def vlan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    vlan = get_object_or_404(VLAN.objects.prefetch_related("tags"), pk=pk)
    subnets = vlan.subnets.all().for_tree()
    context = {"vlan": vlan, "page": _paginate(request, subnets, LIST_PAGE)}
    return render(request, "ipam/vlan_detail.html", context)


@permission_required("ipam.add_vlan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vlan_create(request: AuthedRequest) -> HttpResponse:
    form = _tagged(VLANForm, request)
    return crud.edit(request, form, title="New VLAN", cancel=reverse("ipam:vlan_list"), noun="VLAN")


@permission_required("ipam.change_vlan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vlan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    vlan = get_object_or_404(VLAN, pk=pk)
    form = _tagged(VLANForm, request, instance=vlan)
    return crud.edit(
        request, form, title=f"Edit {vlan}", cancel=vlan.get_absolute_url(), noun="VLAN"
    )


@permission_required("ipam.delete_vlan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vlan_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    vlan = get_object_or_404(VLAN, pk=pk)
    after = reverse("ipam:vlan_list")
    return crud.delete(request, vlan, noun="VLAN", after=after, cancel=vlan.get_absolute_url())


def _tagged_count(through: type[models.Model]) -> Coalesce:
    rows = through.objects.filter(tag=OuterRef("pk")).order_by().values("tag")  # type: ignore[attr-defined]
    return Coalesce(Subquery(rows.annotate(n=models.Count("pk")).values("n")), 0)


def _tag_url(tag: Tag) -> str:
    return reverse("ipam:tag_detail", args=[tag.pk])


@permission_required("ipam.view_tag", raise_exception=True)
def tag_list(request: AuthedRequest) -> HttpResponse:
    # One subquery per count: joining both tag tables at once multiplies their rows.
    tags = Tag.objects.annotate(
        n_subnets=_tagged_count(Subnet.tags.through), n_hosts=_tagged_count(Host.tags.through)
    ).order_by("name")
    return render(request, "ipam/tag_list.html", {"page": _paginate(request, tags, 100)})


@permission_required("ipam.view_tag", raise_exception=True)
def tag_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    subnets = list(tag.subnets.all().for_tree()[: SEARCH_LIMIT + 1])
    hosts = list(tag.hosts.select_related("subnet").prefetch_related("tags")[: SEARCH_LIMIT + 1])
    context = {"tag": tag, "subnets": subnets, "hosts": hosts, "limit": SEARCH_LIMIT}
    return render(request, "ipam/tag_detail.html", context)


@permission_required("ipam.add_tag", raise_exception=True)
@require_http_methods(["GET", "POST"])
def tag_create(request: AuthedRequest) -> HttpResponse:
    form = TagForm(request.POST or None)
    cancel = reverse("ipam:tag_list")
    return crud.edit(request, form, title="New tag", cancel=cancel, noun="Tag", success=_tag_url)


@permission_required("ipam.change_tag", raise_exception=True)
@require_http_methods(["GET", "POST"])
def tag_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    form = TagForm(request.POST or None, instance=tag)
    cancel = reverse("ipam:tag_detail", args=[tag.pk])
    return crud.edit(
        request, form, title=f"Edit tag {tag}", cancel=cancel, noun="Tag", success=_tag_url
    )


@permission_required("ipam.delete_tag", raise_exception=True)
@require_http_methods(["GET", "POST"])
def tag_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    cancel = reverse("ipam:tag_detail", args=[tag.pk])
    return crud.delete(request, tag, noun="Tag", after=reverse("ipam:tag_list"), cancel=cancel)


# --- search -------------------------------------------------------------------------


@permission_required("ipam.view_host", raise_exception=True)
def search(request: AuthedRequest) -> HttpResponse:
    """Top-bar search: results grouped by type, each group bounded."""
    q = request.GET.get("q", "").strip()[:100]
    groups = search_groups(request.user, q) if q else []
    found = any(group.items for group in groups)
    context = {"q": q, "groups": groups, "limit": SEARCH_LIMIT, "found": found}
    if request.htmx and request.htmx.target == "typeahead":
        # The top bar's suggestions while typing (static/js/typeahead.js shows and hides them).
        return render(request, "ipam/_typeahead.html", context)
    if request.htmx and not request.htmx.boosted:
        return render(request, "ipam/_search_results.html", context)
    return render(request, "ipam/search.html", context)
