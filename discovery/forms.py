"""Forms for the discovery pages: run filters, allowlist rows, webhooks, scan profiles."""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from discovery.models import AllowedNetwork, ReconKind, Run, RunKind, RunStatus, ScanProfileDef
from ipam.addresses import parse_network
from netkeep.models import EventKind, Webhook
from netkeep.params import parse_pk


class RunFilterForm(forms.Form):
    """Filters of the run list; every field is optional and a bad value is a field error."""

    kind = forms.ChoiceField(choices=[("", "Any kind"), *RunKind.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *RunStatus.choices], required=False)
    subnet = forms.CharField(
        required=False,
        max_length=60,
        help_text="A subnet such as 198.18.0.0/24, or part of a target.",
        widget=forms.TextInput(attrs={"placeholder": "198.18.0.0/24", "spellcheck": "false"}),
    )

    def filter(self, runs: QuerySet[Run]) -> QuerySet[Run]:
        if not self.is_valid():
            return runs.none()
        data = self.cleaned_data
        if data["kind"]:
            runs = runs.filter(kind=data["kind"])
        if data["status"]:
            runs = runs.filter(status=data["status"])
        if data["subnet"]:
            text = data["subnet"].strip()
            match = Q(target__icontains=text)
            # The network field parses strictly: compare with it only when the
            # text is a network, so free text never raises.
            with contextlib.suppress(ValidationError):
                match |= Q(subnet__network=str(parse_network(text)))
            pk = parse_pk(text)
            if pk is not None:
                match |= Q(subnet_id=pk)
            runs = runs.filter(match)
        return runs


class ReconFilterForm(forms.Form):
    """Which differences to show on the reconciliation page."""

    kind = forms.ChoiceField(choices=[("", "All differences"), *ReconKind.choices], required=False)
    days = forms.IntegerField(
        label="Unseen for (days)",
        min_value=1,
        max_value=365,
        required=False,
        initial=30,
        help_text="Documented hosts not seen for this many days.",
    )

    def unseen_days(self) -> int:
        if self.is_valid() and self.cleaned_data.get("days"):
            return int(self.cleaned_data["days"])
        return 30


class AllowedNetworkForm(forms.ModelForm):  # type: ignore[type-arg]
    """One allowlist row; the model's clean() parses and scope-checks the network."""

    class Meta:
        model = AllowedNetwork
        fields = ["network", "description"]
        widgets = {
            "network": forms.TextInput(
                attrs={"placeholder": "198.18.0.0/24", "spellcheck": "false"}
            )
        }
        help_texts = {
            "network": "A network in CIDR form. Loopback, link-local, multicast and very large"
            " ranges are refused."
        }


class WebhookForm(forms.ModelForm):  # type: ignore[type-arg]
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
            self.fields["secret"].help_text = (
                "Secret: <strong>set</strong>. Type a new one to replace it;"
                " leave blank to keep it."
            )
        else:
            self.fields["secret"].help_text = (
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


class ScanProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    """An admin-defined Nmap profile from allowed options; the model refuses bad combinations."""

    class Meta:
        model = ScanProfileDef
        fields = ScanProfileDef.FORM_FIELDS
        widgets = {"port_list": forms.TextInput(attrs={"placeholder": "22,80,443"})}
