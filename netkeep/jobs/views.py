"""The Jobs page: running and recent runs of every kind, filtered; one run; the live fragment.

The live fragment (`jobs/_active_runs.html`) polls itself every 2 s while a run
it shows is queued or running, and stops once all have finished. Subnet, host
and device pages embed it with `?about=subnet:5`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from netkeep.jobs.filters import RunFilter
from netkeep.jobs.models import ACTIVE_STATUSES, Run, RunQuerySet
from netkeep.params import parse_pk, parse_pks
from netkeep.types import AuthedRequest

RUNS_PAGE = 50
ACTIVE_LIMIT = 50


def _runs() -> RunQuerySet:
    return Run.objects.select_related("started_by")


def _about(text: str) -> dict[str, int]:
    """`subnet:5` → {"subnet": 5}; anything else → {} (the fragment then shows every run)."""
    name, _, pk = text.partition(":")
    value = parse_pk(pk)
    return {name: value} if name.isidentifier() and value is not None else {}


def active_runs(request: AuthedRequest) -> dict[str, object]:
    """The live fragment's context: active runs (about one object, if asked) and the watched."""
    about = _about(request.GET.get("about", ""))
    watched = parse_pks(request.GET.get("watch", "").split(","))[:ACTIVE_LIMIT]
    runs = _runs().about(**about).filter(Q(status__in=ACTIVE_STATUSES) | Q(pk__in=watched))
    active = list(runs[:ACTIVE_LIMIT])
    poll_url = reverse("jobs:active")
    if about:
        poll_url += "?about=" + request.GET["about"]
    return {"active": active, "polling": any(r.is_active for r in active), "poll_url": poll_url}


@permission_required("netkeep.view_run", raise_exception=True)
def active(request: AuthedRequest) -> HttpResponse:
    return render(request, "jobs/_active_runs.html", active_runs(request))


@permission_required("netkeep.view_run", raise_exception=True)
def run_list(request: AuthedRequest) -> HttpResponse:
    runs = RunFilter(request.GET, queryset=_runs())
    found = runs.qs if runs.is_valid() else _runs().none()
    page = Paginator(found, RUNS_PAGE).get_page(request.GET.get("page"))
    context = {"filter": runs, "page": page, **active_runs(request)}
    template = "jobs/_run_table.html" if request.htmx else "jobs/run_list.html"
    return render(request, template, context)


@permission_required("netkeep.view_run", raise_exception=True)
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(_runs(), pk=pk)
    template = "jobs/_run_progress.html" if request.htmx else "jobs/run_detail.html"
    return render(request, template, {"run": run})
