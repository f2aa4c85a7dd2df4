"""Discovery pages (placeholders until the discovery work lands)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from ipam.models import Host, Subnet


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "coming_soon.html", {"area": "Discovery"})


@permission_required("ipam.view_host", raise_exception=True)
def host_drawer(request: HttpRequest, pk: int) -> HttpResponse:
    host = get_object_or_404(Host, pk=pk)
    return render(request, "coming_soon.html", {"area": f"Host {host.address}"})


@require_POST
@permission_required("ipam.change_subnet", raise_exception=True)
def scan_subnet(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Subnet, pk=pk)
    return HttpResponse("Scanning is not built yet.", status=501)


@require_POST
@permission_required("ipam.change_host", raise_exception=True)
def scan_host(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Host, pk=pk)
    return HttpResponse("Scanning is not built yet.", status=501)
