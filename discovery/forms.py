"""Forms for the discovery pages: run filters, allowlist rows, scan profiles."""

from __future__ import annotations

import contextlib

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from discovery.models import AllowedNetwork, ReconKind, Run, RunKind, RunStatus, ScanProfileDef
from ipam.addresses import parse_network
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


class ScanProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    """An admin-defined Nmap profile from allowed options; the model refuses bad combinations."""

    class Meta:
        model = ScanProfileDef
        fields = ScanProfileDef.FORM_FIELDS
        widgets = {"port_list": forms.TextInput(attrs={"placeholder": "22,80,443"})}
