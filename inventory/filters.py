"""FilterSets shared by the inventory pages and the API viewsets."""

from __future__ import annotations

import django_filters
from django.db.models import Case, IntegerField, Q, QuerySet, When

from inventory.models import (
    CheckKind,
    CheckStatus,
    CredentialSet,
    Device,
    DeviceRole,
    Platform,
    ServiceCheck,
)
from ipam.filters import TagFilter
from ipam.models import Site


class DeviceStatus:
    """The states a device list filters on (derived, not stored)."""

    CHOICES = [
        ("unavailable", "Unavailable"),
        ("failed", "Last test failed"),
        ("ok", "Last test passed"),
        ("untested", "Never tested"),
        ("host_key_changed", "Host key changed"),
    ]


class DeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), null_label="No site")
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    role = django_filters.ChoiceFilter(choices=DeviceRole.choices)
    tag = TagFilter()
    status = django_filters.ChoiceFilter(
        choices=DeviceStatus.CHOICES, method="filter_status", label="Status"
    )
    failures_first = django_filters.BooleanFilter(
        method="order_failures_first", label="Failures first"
    )

    class Meta:
        model = Device
        fields = ["q", "site", "platform", "role", "tag", "status", "failures_first"]

    def search(self, qs: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        value = value.strip()
        return qs.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(serial__icontains=value)
            | Q(model__icontains=value)
            | Q(management_host__address__startswith=value)
            | Q(interfaces__host__address__startswith=value)
        ).distinct()

    def filter_status(self, qs: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        conditions = {
            "unavailable": ~Q(unavailable_reason=""),
            "failed": Q(last_test_ok=False),
            "ok": Q(last_test_ok=True),
            "untested": Q(last_test_ok__isnull=True),
            "host_key_changed": ~Q(offered_host_key=""),
        }
        return qs.filter(conditions[value]) if value in conditions else qs

    def order_failures_first(
        self, qs: QuerySet[Device], name: str, value: bool | None
    ) -> QuerySet[Device]:
        if not value:
            return qs
        # Failed tests, unavailable devices and changed host keys on top, then untested.
        rank = Case(
            When(
                ~Q(unavailable_reason="") | Q(last_test_ok=False) | ~Q(offered_host_key=""), then=0
            ),
            When(last_test_ok__isnull=True, then=1),
            default=2,
            output_field=IntegerField(),
        )
        return qs.order_by(rank, "name")


class SiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Site
        fields = ["q"]

    def search(self, qs: QuerySet[Site], name: str, value: str) -> QuerySet[Site]:
        return qs.filter(Q(name__icontains=value) | Q(description__icontains=value))


class CredentialSetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = CredentialSet
        fields = ["q"]

    def search(self, qs: QuerySet[CredentialSet], name: str, value: str) -> QuerySet[CredentialSet]:
        return qs.filter(
            Q(name__icontains=value)
            | Q(username__icontains=value)
            | Q(description__icontains=value)
        )


class ServiceCheckFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=CheckStatus.choices)
    kind = django_filters.ChoiceFilter(choices=CheckKind.choices)
    device = django_filters.ModelChoiceFilter(queryset=Device.objects.all())
    site = django_filters.ModelChoiceFilter(field_name="device__site", queryset=Site.objects.all())
    tag = TagFilter(field_name="device__tags__name", label="Device tag")

    class Meta:
        model = ServiceCheck
        fields = ["q", "status", "kind", "device", "site", "tag"]

    def search(self, qs: QuerySet[ServiceCheck], name: str, value: str) -> QuerySet[ServiceCheck]:
        return qs.filter(
            Q(name__icontains=value) | Q(url__icontains=value) | Q(target__icontains=value)
        )
