"""A stored CSV import: its progress, its preview page by page, and applying it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from netkeep import importing, jobs
from netkeep.models import ImportBatch, ImportStatus
from netkeep.types import AuthedRequest

ROWS_PER_PAGE = 100
SHOW = {"all": None, "errors": "error", "create": "create", "update": "update", "skip": "skip"}


def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Progress while a job works on it; then the summary, the rows page by page, Apply."""
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)
    batch.follow_run()
    show = request.GET.get("show", "errors" if batch.counts.get("error") else "all")
    show = show if show in SHOW else "all"
    rows = batch.rows.order_by("line")
    if SHOW[show]:
        rows = rows.filter(action=SHOW[show])
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    tabs = [
        (key, batch.counts.get(action) if action else batch.total) for key, action in SHOW.items()
    ]
    context = {"batch": batch, "page": page, "show": show, "tabs": tabs}
    template = "imports/_batch.html" if request.htmx else "imports/batch.html"
    return render(request, template, context)


@require_POST
def batch_apply(request: AuthedRequest, pk: int) -> HttpResponse:
    """Write the previewed rows (in a job when the file is large)."""
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)
    if not request.user.has_perms(importing.get_importer(batch.kind).permissions(batch.mode)):
        raise PermissionDenied("Your role may not import these rows.")
    if batch.status != ImportStatus.READY:
        messages.info(request, f"This import is {batch.get_status_display().lower()}.")
        return redirect("imports:batch", pk=batch.pk)
    try:
        importing.start_apply(batch, valid_only="valid_only" in request.POST)
    except jobs.RateLimited as refusal:
        messages.error(request, str(refusal))
    return redirect("imports:batch", pk=batch.pk)
