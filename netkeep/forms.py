"""The webhook form: kinds as checkboxes, a write-only secret."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import mark_safe

from ipam.addresses import parse_network
from ipam.filters import SERVICE_HELP, parse_service
from ipam.models import Site, Subnet, Tag
from netkeep.dashboard import Filters
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

    def clean(self) -> dict[str, object]:
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


class DashboardFilterForm(forms.Form):
    """The home dashboard's filters; valid values are kept in the session."""

    site = forms.ModelChoiceField(
        Site.objects.order_by("name"), required=False, empty_label="All sites"
    )
    subnet = forms.CharField(
        required=False,
        max_length=64,
        help_text="A network such as 198.18.0.0/24; its child subnets count too.",
    )
    tag = forms.ModelChoiceField(
        Tag.objects.order_by("name"), to_field_name="name", required=False, empty_label="All tags"
    )
    service = forms.CharField(
        label="Open service", required=False, max_length=64, help_text=f"Use {SERVICE_HELP}."
    )
    NAMES = ("site", "subnet", "tag", "service")

    def clean_subnet(self) -> Subnet | None:
        text = self.cleaned_data["subnet"].strip()
        if not text:
            return None
        network = parse_network(text)
        matches = list(Subnet.objects.filter(network=str(network)).select_related("vrf")[:10])
        if not matches:
            raise forms.ValidationError(
                "No subnet %(network)s is documented: pick one from the suggestions.",
                params={"network": network},
            )
        # The global table first; a network only in VRFs must be unique to pick.
        matches.sort(key=lambda s: s.vrf_key)
        if matches[0].vrf_key and len(matches) > 1:
            raise forms.ValidationError(
                "%(network)s is in several VRFs (%(vrfs)s): filter the subnet list by VRF instead.",
                params={"network": network, "vrfs": ", ".join(str(s.vrf) for s in matches)},
            )
        return matches[0]

    def clean_service(self) -> str:
        text = self.cleaned_data["service"].strip().lower()
        if text:
            parse_service(text)
        return text

    def filters(self) -> Filters:
        """The valid filters (none when the form is invalid)."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            site=str(data["site"].pk) if data["site"] else "",
            subnet=data["subnet"],
            tag=data["tag"].name if data["tag"] else "",
            service=data["service"],
        )

    def stored(self) -> dict[str, str]:
        """What the session keeps: the raw text of each valid, non-empty filter."""
        if not self.is_valid():
            return {}
        return {name: self.data[name] for name in self.NAMES if self.data.get(name)}
