"""Admin for events, webhooks and their delivery log; webhook secrets are never shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from netkeep.models import Event, Run, Webhook, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by workers and scanners: looked at, filtered, deleted, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "object_repr"]
    list_filter = ["kind"]
    search_fields = ["object_repr"]
    date_hierarchy = "at"


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current secret.",
    )
    clear_secret = forms.BooleanField(required=False, help_text="Remove the secret.")

    class Meta:
        model = Webhook
        fields = ["name", "url", "kinds", "format", "secret", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._stored_secret = self.instance.secret if self.instance.pk else ""
        self.initial["secret"] = ""

    def clean_secret(self) -> str:
        value: str = self.cleaned_data.get("secret") or ""
        return value or self._stored_secret

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("clear_secret"):
            data["secret"] = ""
        return data


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "format", "enabled"]
    list_filter = ["enabled", "format"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["at", "webhook", "event", "attempt", "status_code", "delivered", "error"]
    list_filter = ["delivered", "webhook"]
    raw_id_fields = ["event"]


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    """Runs are written by workers: looked at, filtered, deleted, never edited by hand."""

    list_display = ["id", "kind", "target", "status", "done", "total", "created", "finished"]
    list_filter = ["kind", "status", "by_schedule"]
    search_fields = ["target", "error_message"]
    date_hierarchy = "created"
    raw_id_fields = ["started_by"]
