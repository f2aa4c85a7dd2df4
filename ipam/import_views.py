"""CSV import (upload → preview → apply) and export of filtered lists."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse


@permission_required("ipam.add_host", raise_exception=True)
def import_csv(request: HttpRequest) -> HttpResponse:
    return HttpResponse("CSV import is not built yet.", status=501)


@permission_required("ipam.view_host", raise_exception=True)
def export_csv(request: HttpRequest, kind: str) -> HttpResponse:
    return HttpResponse("CSV export is not built yet.", status=501)
