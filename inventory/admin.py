"""Django admin for bulk edits of devices, interfaces and credential sets."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from inventory.forms import CredentialSetForm
from inventory.models import CredentialSet, Device, DeviceCredential, Interface, InterfaceLink
from ipam.models import Site


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "description"]


class InterfaceInline(admin.TabularInline):
    model = Interface
    extra = 0
    autocomplete_fields = ["host", "vlan"]


class DeviceCredentialInline(admin.TabularInline):
    model = DeviceCredential
    extra = 0
    autocomplete_fields = ["credential_set"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "role",
        "platform",
        "site",
        "management_host",
        "is_gateway",
        "last_test_ok",
        "serial",
        "model",
        "os_version",
    ]
    list_filter = ["role", "platform", "site", "virtualisation", "is_gateway", "tags"]
    search_fields = ["name", "description", "serial", "model", "management_host__address"]
    autocomplete_fields = ["management_host", "site", "tags"]
    list_select_related = ["site", "management_host"]
    readonly_fields = [
        "working_credential",
        "ssh_host_key",
        "ssh_host_key_pinned_at",
        "offered_host_key",
        "offered_host_key_at",
        "last_test_at",
        "last_test_ok",
        "last_test_message",
        "unavailable_reason",
        "facts_read_at",
    ]
    inlines = [InterfaceInline, DeviceCredentialInline]


@admin.register(Interface)
class InterfaceAdmin(admin.ModelAdmin):
    list_display = ["device", "name", "host", "vlan", "mac", "is_upstream"]
    list_filter = ["is_upstream", "vlan"]
    search_fields = ["device__name", "name", "mac", "host__address"]
    autocomplete_fields = ["device", "host", "vlan"]
    list_select_related = ["device", "host", "vlan"]


@admin.register(InterfaceLink)
class InterfaceLinkAdmin(admin.ModelAdmin):
    """Links learned from LLDP/CDP by backups (each backup replaces a device's links)."""

    list_display = ["interface", "remote_name", "remote_interface", "remote_device", "seen_at"]
    search_fields = ["interface__device__name", "interface__name", "remote_name"]
    list_select_related = ["interface__device", "remote_device"]
    raw_id_fields = ["interface", "remote_device"]


@admin.register(CredentialSet)
class CredentialSetAdmin(admin.ModelAdmin):
    form = CredentialSetForm
    list_display = ["name", "username", "priority", "description"]
    search_fields = ["name", "username", "description"]
    filter_horizontal = ["default_for_sites", "default_for_tags"]

    def has_view_permission(self, request: HttpRequest, obj: CredentialSet | None = None) -> bool:
        # Only those who may change credential sets see them in the admin.
        return self.has_change_permission(request, obj)
