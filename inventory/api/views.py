"""Inventory API viewsets: devices with nested interfaces, sites and credential sets."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets

from inventory.api import serializers
from inventory.filters import CredentialSetFilter, DeviceFilter, SiteFilter
from inventory.models import CredentialSet, Device
from ipam.api.views import CleanDeleteMixin
from ipam.models import Site
from netkeep.api.pagination import StandardPagination


class DeviceViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Devices with their interfaces; a POST or PUT writes both in one transaction."""

    serializer_class = serializers.DeviceSerializer
    pagination_class = StandardPagination
    filterset_class = DeviceFilter
    ordering_fields = ["name", "last_test_at"]

    def get_queryset(self) -> QuerySet[Device]:
        return Device.objects.with_related().prefetch_related(
            "interfaces__host", "device_credentials__credential_set"
        )


class SiteViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Sites: devices and subnets may belong to one."""

    queryset = Site.objects.all()
    serializer_class = serializers.SiteSerializer
    pagination_class = StandardPagination
    filterset_class = SiteFilter
    ordering_fields = ["name"]


class CredentialSetViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Credential sets: secrets are write-only, the response says which are set."""

    queryset = CredentialSet.objects.prefetch_related("default_for_sites", "default_for_tags")
    serializer_class = serializers.CredentialSetSerializer
    pagination_class = StandardPagination
    filterset_class = CredentialSetFilter
    ordering_fields = ["name", "priority"]
