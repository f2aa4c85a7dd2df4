"""FilterSets for the audit trail (shared by the page and the API)."""

from __future__ import annotations

import django_filters
from django import forms

from accounts import audit
from accounts.models import AuditEntry, Door, User
from netkeep.filtering import FilterSet

# The browser's date-time picker sends "2026-05-01T14:30", which ISO parsing accepts.
_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"})


def _object_type_choices() -> list[tuple[int, str]]:
    return [(one.pk, audit.type_label(one)) for one in audit.object_types()]


class AuditFilter(FilterSet):
    user = django_filters.ModelChoiceFilter(
        queryset=User.objects.order_by("username"), empty_label="Anyone"
    )
    # Only what the trail records: internal tables (samples, hourly roll-ups) never appear.
    object_type = django_filters.ChoiceFilter(
        field_name="content_type",
        choices=_object_type_choices,
        empty_label="Any type",
        label="Object type",
    )
    action = django_filters.ChoiceFilter(
        choices=AuditEntry.Action.choices, empty_label="Any action"
    )
    door = django_filters.ChoiceFilter(choices=Door.choices, empty_label="Any door")
    since = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="gte", label="From", widget=_WHEN
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="lte", label="Until", widget=_WHEN
    )

    class Meta:
        model = AuditEntry
        fields = ["user", "object_type", "action", "door", "since", "until"]
