"""Backups forms: schedules, search and the version pair of a diff."""

from __future__ import annotations

from typing import Any

from django import forms

from backups.models import BackupSchedule
from inventory.models import DeviceRole, Platform
from ipam.models import Site, Tag


class ScheduleForm(forms.ModelForm):
    platform = forms.ChoiceField(choices=[("", "Any"), *Platform.choices], required=False)
    role = forms.ChoiceField(choices=[("", "Any"), *DeviceRole.choices], required=False)

    class Meta:
        model = BackupSchedule
        fields = ["name", "enabled", "interval_minutes", "cron", "tag", "platform", "role", "site"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("tag", "site"):
            choice = self.fields[name]
            assert isinstance(choice, forms.ModelChoiceField)
            choice.empty_label = "Any"


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=200, required=False, strip=False)
    regex = forms.BooleanField(label="Regular expression", required=False)
    case = forms.BooleanField(label="Match case", required=False)
    current = forms.BooleanField(label="Current configs only", required=False)
    platform = forms.ChoiceField(choices=[("", "Any"), *Platform.choices], required=False)
    tag = forms.ModelChoiceField(
        Tag.objects.all(), required=False, empty_label="Any", to_field_name="name"
    )
    site = forms.ModelChoiceField(Site.objects.all(), required=False, empty_label="Any")
