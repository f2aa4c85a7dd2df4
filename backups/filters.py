"""Backups filters, shared by the API lists (and usable by pages)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from backups.models import BackupSchedule, ConfigVersion
from inventory.models import Device, Platform
from ipam.filters import TagFilter
from ipam.models import Site
from netkeep.filtering import FilterSet
from netkeep.jobs import RunStatus

# A run that ended failed or partial counts as a failing backup (as on the fleet page).
FAILED = [RunStatus.FAILED, RunStatus.PARTIAL]


class ConfigVersionFilter(django_filters.FilterSet):
    device = django_filters.NumberFilter(field_name="device")
    device_name = django_filters.CharFilter(field_name="device_name", lookup_expr="iexact")
    platform = django_filters.ChoiceFilter(field_name="device__platform", choices=Platform.choices)
    since = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="first_seen", lookup_expr="lte")

    class Meta:
        model = ConfigVersion
        fields = ["device", "device_name", "platform", "since", "until"]


class BackupScheduleFilter(django_filters.FilterSet):
    enabled = django_filters.BooleanFilter()

    class Meta:
        model = BackupSchedule
        fields = ["enabled"]


class FleetFilter(FilterSet):
    """The backup fleet page's filters; the queryset must come from `stats.fleet()`."""

    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), null_label="No site")
    tag = TagFilter(field_name="tags__name")
    failing = django_filters.ChoiceFilter(
        choices=[("1", "Failed or partial")],
        method="filter_failing",
        label="Last backup",
        empty_label="Any",
    )

    class Meta:
        model = Device
        fields = ["site", "tag", "failing"]

    def filter_failing(self, qs: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        # `backup_status` is annotated by stats.fleet(), which the plugin cannot see.
        failed: dict[str, Any] = {"backup_status__in": FAILED}
        return qs.filter(**failed) if value == "1" else qs
