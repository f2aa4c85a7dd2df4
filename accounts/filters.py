"""FilterSets for the audit trail (shared by the page and the API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType

from accounts.models import AuditEntry, Door, User
from netkeep.filtering import FilterSet

# The browser's date-time picker sends "2026-05-01T14:30", which ISO parsing accepts.
_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"})


class AuditFilter(FilterSet):
    user = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    object_type = django_filters.ModelChoiceFilter(
        field_name="content_type",
        queryset=ContentType.objects.filter(
            app_label__in=["accounts", "ipam", "inventory", "discovery", "backups"]
        ).order_by("app_label", "model"),
        label="Object type",
    )
    door = django_filters.ChoiceFilter(choices=Door.choices)
    since = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="gte", label="From", widget=_WHEN
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="lte", label="Until", widget=_WHEN
    )

    class Meta:
        model = AuditEntry
        fields = ["user", "object_type", "door", "since", "until"]
