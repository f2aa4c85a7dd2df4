"""The webhook form: kinds as checkboxes, a write-only secret."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import mark_safe

from netkeep.models import EventKind, Webhook


class WebhookForm(forms.ModelForm):
    """A webhook; the secret is write-only: blank keeps the stored one."""

    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    kinds = forms.MultipleChoiceField(
        label="Event kinds",
        choices=EventKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Nothing is sent until at least one kind is chosen.",
    )
    secret = forms.CharField(
        required=False,
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_secret = forms.BooleanField(
        label="Remove the secret (send unsigned requests)", required=False
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "format", "kinds", "enabled"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Reorder so the secret sits with the delivery settings, not after "enabled".
        self.order_fields(["name", "url", "format", "kinds", "secret", "clear_secret", "enabled"])
        if self.instance.secret:
            self.fields["secret"].help_text = mark_safe(  # a constant, no user text
                "Secret: <strong>set</strong>. Type a new one to replace it;"
                " leave blank to keep it."
            )
        else:
            self.fields["secret"].help_text = mark_safe(  # a constant, no user text
                "Secret: <strong>not set</strong>. Type one to sign each request"
                " (X-Netkeep-Signature: sha256=HMAC)."
            )
            del self.fields["clear_secret"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(f"{url} is not an http(s) URL: webhooks are HTTP POSTs.")
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("secret") and data.get("clear_secret"):
            self.add_error("secret", "Either type a new secret or remove it, not both.")
        return data

    def save(self, commit: bool = True) -> Webhook:
        webhook = super().save(commit=False)
        webhook.kinds = list(self.cleaned_data.get("kinds") or [])
        if self.cleaned_data.get("clear_secret"):
            webhook.secret = ""
        elif self.cleaned_data.get("secret"):
            webhook.secret = self.cleaned_data["secret"]
        if commit:
            webhook.save()
        return webhook
