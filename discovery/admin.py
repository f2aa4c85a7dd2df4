"""Admin for discovery: runs and history are read-only records; the rest is editable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from discovery.models import (
    AllowedNetwork,
    HostHourly,
    HostSample,
    OpenPort,
    ReconciliationItem,
    ScanProfileDef,
)
from netkeep.admin import ReadOnlyAdmin


@admin.register(AllowedNetwork)
class AllowedNetworkAdmin(admin.ModelAdmin):
    list_display = ["network", "description", "created"]
    search_fields = ["network", "description"]


@admin.register(HostSample)
class HostSampleAdmin(ReadOnlyAdmin):
    list_display = ["host", "at", "up", "rtt_ms"]
    list_filter = ["up"]
    raw_id_fields = ["host"]
    date_hierarchy = "at"


@admin.register(HostHourly)
class HostHourlyAdmin(ReadOnlyAdmin):
    list_display = ["host", "hour", *HostHourly.FIGURES]
    raw_id_fields = ["host"]
    date_hierarchy = "hour"


@admin.register(OpenPort)
class OpenPortAdmin(ReadOnlyAdmin):
    list_display = ["host", "port", "protocol", "service", "product", "version", "current"]
    list_filter = ["protocol", "current"]
    search_fields = ["host__address", "service", "product"]
    raw_id_fields = ["host"]


@admin.register(ScanProfileDef)
class ScanProfileDefAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "ports", "service_detection", "udp", "timing"]
    fields = ScanProfileDef.FORM_FIELDS


@admin.register(ReconciliationItem)
class ReconciliationItemAdmin(admin.ModelAdmin):
    list_display = ["kind", "host", "state", "created", "decided_by", "decided_at"]
    list_filter = ["kind", "state"]
    raw_id_fields = ["host", "decided_by"]
    readonly_fields = ["kind", "host", "details", "created", "decided_by", "decided_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from django.utils import timezone

        # A decision made here is recorded as one, like on the reconciliation page.
        if change and "state" in form.changed_data:
            obj.decided_by = request.user
            obj.decided_at = timezone.now()
        super().save_model(request, obj, form, change)
