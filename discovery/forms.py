"""Forms for the discovery pages: run filters, allowlist rows, scan profiles."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from discovery import scope
from discovery.models import AllowedNetwork, ReconKind, RunKind, ScanProfileDef
from ipam.models import Host, Subnet
from netkeep.jobs import Run, RunStatus
from netkeep.params import parse_pk


def target_match(text: str) -> Q:
    """Runs of this target: exactly, when the text is an address or network; else by substring.

    "198.18.0.1" is one host's target: it must not match the runs of .10-.19 or
    .100-.199. A run of a subnet matches its network whatever the target text
    (and so do its hosts' runs, which link the subnet); a VRF's run carries the
    VRF after the address.
    """
    try:
        network = scope.parse_network(text)
    except scope.ScopeError:
        match = Q(target__icontains=text)
        pk = parse_pk(text)
        return match | Q(refs__subnet=pk) if pk is not None else match
    canonical = str(network.network_address) if network.num_addresses == 1 else str(network)
    match = Q(target=canonical) | Q(target__startswith=f"{canonical} (VRF ")
    if network.num_addresses == 1:
        hosts = Host.objects.filter(address=canonical).values_list("pk", flat=True)
        return match | Q(refs__host__in=list(hosts))
    subnets = Subnet.objects.filter(network=canonical).values_list("pk", flat=True)
    return match | Q(refs__subnet__in=list(subnets))


class RunFilterForm(forms.Form):
    """Filters of the run list; every field is optional and a bad value is a field error."""

    kind = forms.ChoiceField(choices=[("", "Any kind"), *RunKind.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *RunStatus.choices], required=False)
    subnet = forms.CharField(
        required=False,
        max_length=60,
        help_text="A subnet such as 198.18.0.0/24 or an address (exact), or part of a target.",
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
            runs = runs.filter(target_match(data["subnet"].strip()))
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


class AllowedNetworkForm(forms.ModelForm):
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


class ScanProfileForm(forms.ModelForm):
    """An admin-defined Nmap profile from allowed options; the model refuses bad combinations."""

    class Meta:
        model = ScanProfileDef
        fields = ScanProfileDef.FORM_FIELDS
        widgets = {"port_list": forms.TextInput(attrs={"placeholder": "22,80,443"})}
