"""Django admin for bulk edits of IPAM objects: filters, search and bulk actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ipam.models import VLAN, VRF, Host, HostOrigin, Subnet, Tag


class BulkChoiceForm(forms.Form):
    """The value a bulk action applies to every selected row."""

    vlan = forms.ModelChoiceField(VLAN.objects.all(), required=False, label="VLAN")
    tags = forms.ModelMultipleChoiceField(Tag.objects.all(), required=False)


def _bulk_form(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    action: str,
    fields: list[str],
    title: str,
) -> forms.Form | HttpResponse:
    """Return the bound, valid form on confirmation, or the page that asks for the value."""
    form = BulkChoiceForm(request.POST if "apply" in request.POST else None)
    for name in list(form.fields):
        if name not in fields:
            del form.fields[name]
    if "apply" in request.POST and form.is_valid():
        return form
    return render(
        request,
        "admin/ipam/bulk_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "action": action,
            "opts": modeladmin.model._meta,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        },
    )


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "colour", "description"]
    search_fields = ["name", "description"]


@admin.register(VRF)
class VRFAdmin(admin.ModelAdmin):
    list_display = ["name", "rd", "description"]
    search_fields = ["name", "rd", "description"]


@admin.register(VLAN)
class VLANAdmin(admin.ModelAdmin):
    list_display = ["__str__", "vid", "name", "colour", "description"]
    list_filter = [("vid", admin.EmptyFieldListFilter), "tags"]
    search_fields = ["name", "description", "vid"]
    autocomplete_fields = ["tags"]
    actions = ["add_tags"]

    @admin.action(description="Add tags to the selected VLANs", permissions=["change"])
    def add_tags(self, request: HttpRequest, queryset: QuerySet[VLAN]) -> HttpResponse | None:
        form = _bulk_form(self, request, queryset, "add_tags", ["tags"], "Add tags")
        if isinstance(form, HttpResponse):
            return form
        for vlan in queryset:
            vlan.tags.add(*form.cleaned_data["tags"])
        self.message_user(request, f"Tagged {queryset.count()} VLAN(s).", messages.SUCCESS)
        return None


@admin.register(Subnet)
class SubnetAdmin(admin.ModelAdmin):
    list_display = ["network", "name", "vrf", "vlan", "parent", "scan_enabled", "scan_interval"]
    list_filter = ["family", "vrf", "vlan", "site", "scan_enabled", "tags", "prefix_length"]
    search_fields = ["network", "name", "description"]
    autocomplete_fields = ["vrf", "vlan", "site", "tags"]
    readonly_fields = ["parent", "family", "prefix_length", "created", "updated"]
    list_select_related = ["vrf", "vlan", "parent"]
    actions = ["enable_scanning", "disable_scanning", "set_vlan", "add_tags"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Subnet], search_term: str
    ) -> tuple[QuerySet[Subnet], bool]:
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        # "198.51.100.7" finds the subnets that contain it, not only text matches.
        from ipam.filters import _network

        try:
            net = _network(search_term)
        except ValidationError:  # not an address or network: a plain text search
            return queryset, distinct
        return queryset | self.model.objects.containing(net), distinct

    @admin.action(description="Enable scanning of the selected subnets", permissions=["change"])
    def enable_scanning(self, request: HttpRequest, queryset: QuerySet[Subnet]) -> None:
        self._save_each(request, queryset, scan_enabled=True)

    @admin.action(description="Disable scanning of the selected subnets", permissions=["change"])
    def disable_scanning(self, request: HttpRequest, queryset: QuerySet[Subnet]) -> None:
        self._save_each(request, queryset, scan_enabled=False)

    @admin.action(description="Set the VLAN of the selected subnets", permissions=["change"])
    def set_vlan(self, request: HttpRequest, queryset: QuerySet[Subnet]) -> HttpResponse | None:
        form = _bulk_form(self, request, queryset, "set_vlan", ["vlan"], "Set VLAN")
        if isinstance(form, HttpResponse):
            return form
        self._save_each(request, queryset, vlan=form.cleaned_data["vlan"])
        return None

    @admin.action(description="Add tags to the selected subnets", permissions=["change"])
    def add_tags(self, request: HttpRequest, queryset: QuerySet[Subnet]) -> HttpResponse | None:
        form = _bulk_form(self, request, queryset, "add_tags", ["tags"], "Add tags")
        if isinstance(form, HttpResponse):
            return form
        for subnet in queryset:
            subnet.tags.add(*form.cleaned_data["tags"])
        self.message_user(request, f"Tagged {queryset.count()} subnet(s).", messages.SUCCESS)
        return None

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Hosts are not lost with their subnet: Subnet.delete() hands them to the parent.
        # They block only a subnet without a parent.
        protected = [p for p in protected if not str(p).startswith("Host: ")]
        protected += [
            f"{o.network} still has hosts and no parent subnet to take them"
            for o in objs
            if o.parent_id is None and o.hosts.exists()
        ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Subnet) -> None:
        try:
            obj.delete()
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Subnet]) -> None:
        # One by one, so that children and hosts move to the parent (Subnet.delete()).
        for subnet in queryset.order_by("-prefix_length"):
            try:
                subnet.delete()
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)

    def _save_each(self, request: HttpRequest, queryset: QuerySet[Subnet], **values: Any) -> None:
        # Save one by one (not update()) so that the audit trail records each change.
        for subnet in queryset:
            for name, value in values.items():
                setattr(subnet, name, value)
            subnet.save()
        self.message_user(request, f"Changed {queryset.count()} subnet(s).", messages.SUCCESS)


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = [
        "address",
        "hostname",
        "subnet",
        "status",
        "origin",
        "mac",
        "last_seen",
        "description",
    ]
    list_filter = ["status", "origin", "family", "hostname_source", "tags", "subnet__vrf"]
    search_fields = ["address", "hostname", "ptr_name", "description", "mac"]
    autocomplete_fields = ["subnet", "tags"]
    readonly_fields = [
        "status",
        "latency_ms",
        "first_seen",
        "last_seen",
        "status_changed_at",
        "ptr_name",
        "created",
        "updated",
    ]
    list_select_related = ["subnet"]
    actions = ["mark_documented", "add_tags", "remove_tags"]

    ordering = ["vrf_key", "family", "key"]

    @admin.action(description="Mark the selected hosts as documented", permissions=["change"])
    def mark_documented(self, request: HttpRequest, queryset: QuerySet[Host]) -> None:
        changed = 0
        for host in queryset.exclude(origin=HostOrigin.DOCUMENTED):
            host.origin = HostOrigin.DOCUMENTED
            host.save(update_fields=["origin", "updated"])
            changed += 1
        self.message_user(request, f"Marked {changed} host(s) documented.", messages.SUCCESS)

    @admin.action(description="Add tags to the selected hosts", permissions=["change"])
    def add_tags(self, request: HttpRequest, queryset: QuerySet[Host]) -> HttpResponse | None:
        form = _bulk_form(self, request, queryset, "add_tags", ["tags"], "Add tags")
        if isinstance(form, HttpResponse):
            return form
        for host in queryset:
            host.tags.add(*form.cleaned_data["tags"])
        self.message_user(request, f"Tagged {queryset.count()} host(s).", messages.SUCCESS)
        return None

    @admin.action(description="Remove tags from the selected hosts", permissions=["change"])
    def remove_tags(self, request: HttpRequest, queryset: QuerySet[Host]) -> HttpResponse | None:
        form = _bulk_form(self, request, queryset, "remove_tags", ["tags"], "Remove tags")
        if isinstance(form, HttpResponse):
            return form
        for host in queryset:
            host.tags.remove(*form.cleaned_data["tags"])
        self.message_user(request, f"Untagged {queryset.count()} host(s).", messages.SUCCESS)
        return None
