"""Backups filters, shared by the API lists (and usable by pages)."""

from __future__ import annotations

import django_filters

from backups.models import BackupSchedule, ConfigVersion
from inventory.models import Platform


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
