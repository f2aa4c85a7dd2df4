"""The run FilterSet, shared by the Jobs page and the /api/jobs/ endpoint."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.db.models import QuerySet

from netkeep.jobs.models import Run, RunStatus
from netkeep.jobs.registry import kind_choices


class RunFilter(django_filters.FilterSet):
    """Runs by kind, status, exact target and who started them ("schedule" for the scheduler)."""

    kind = django_filters.ChoiceFilter(choices=kind_choices, empty_label="Any kind")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, empty_label="Any status")
    target = django_filters.CharFilter(
        method="exact_target",
        label="Target",
        help_text="Exactly as shown, e.g. 198.18.0.0/24 or 198.18.0.10.",
    )
    started_by = django_filters.CharFilter(
        method="who",
        label="Started by",
        help_text='A user name, or "schedule" for runs the scheduler started.',
    )
    by_schedule = django_filters.BooleanFilter()

    class Meta:
        model = Run
        fields = ["kind", "status", "target", "started_by", "by_schedule"]

    def exact_target(self, runs: QuerySet[Run], name: str, value: str) -> QuerySet[Run]:
        text = value.strip()
        return runs.filter(target=text) if text else runs

    def who(self, runs: QuerySet[Run], name: str, value: str) -> QuerySet[Run]:
        text = value.strip()
        if not text:
            return runs
        if text.lower() == "schedule":
            return runs.filter(by_schedule=True)
        return runs.filter(started_by__username=text)


def refs_filter(name: str) -> django_filters.NumberFilter:
    """A filter on one id in a run's refs, for an app's own API (`?subnet=5`)."""

    def about(runs: QuerySet[Run], field: str, value: Decimal | None) -> QuerySet[Run]:
        return runs.filter(**{f"refs__{name}": int(value)}) if value is not None else runs

    return django_filters.NumberFilter(method=about, label=f"About this {name} (id)")
