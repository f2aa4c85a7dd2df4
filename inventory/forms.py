"""Inventory forms: devices with their interfaces, credential sets with write-only secrets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from inventory.addressing import claimed_by, resolve
from inventory.devices import InterfaceRow
from inventory.models import CredentialSet, Device, ServiceCheck
from ipam.forms import TaggedModelForm
from ipam.models import MAC, VLAN, VRF, Host, Site, normalise_mac

SECRET_LABELS = {
    "password": "Password",
    "enable_secret": "Enable secret",
    "ssh_private_key": "SSH private key",
    "ssh_key_passphrase": "SSH key passphrase",
}


class CredentialSetForm(forms.ModelForm):
    """Secrets are write-only: blank keeps the stored value, a tick on "clear" removes it."""

    class Meta:
        model = CredentialSet
        fields = [
            "name",
            "description",
            "username",
            *CredentialSet.SECRET_FIELDS,
            "priority",
            "default_for_sites",
            "default_for_tags",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.secrets_set() if self.instance.pk else {}
        for name, label in SECRET_LABELS.items():
            is_set = stored.get(name, False)
            widget: forms.Widget = (
                forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"})
                if name == "ssh_private_key"
                else forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            )
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                strip=name != "ssh_private_key",
                widget=widget,
                help_text=(
                    "Set. Leave empty to keep it; type a new value to replace it."
                    if is_set
                    else "Not set."
                ),
            )
            if is_set:
                self.fields[f"clear_{name}"] = forms.BooleanField(
                    label=f"Remove the stored {label.lower()}", required=False
                )
        # The key textarea never shows the stored key either.
        self.initial.update(dict.fromkeys(SECRET_LABELS, ""))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in SECRET_LABELS:
            typed = data.get(name) or ""
            if typed:
                continue
            if data.get(f"clear_{name}"):
                data[name] = ""
            else:
                # The instance still holds the stored value until the form saves.
                data[name] = getattr(self.instance, name) or ""
        return data


def parse_credential_names(text: str) -> list[CredentialSet]:
    """Credential sets named in order ("core-admin, fallback"); unknown names are an error."""
    names: list[str] = []
    for raw in (text or "").replace(";", ",").split(","):
        name = raw.strip()
        if name and name not in names:
            names.append(name)
    found = {c.name: c for c in CredentialSet.objects.filter(name__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValidationError(
            f"No credential set named {', '.join(unknown)}: pick one from Credential sets "
            "(an admin creates them)."
        )
    return [found[n] for n in names]


class CredentialNamesField(forms.CharField):
    """An ordered list of credential set names: the order is the order they are tried in."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "Comma-separated names, tried in this order (after the one that worked last time, "
            "and before the site and tag defaults).",
        )
        super().__init__(**kwargs)

    def clean(self, value: object) -> list[CredentialSet]:
        return parse_credential_names(super().clean(value) or "")


class DeviceForm(TaggedModelForm):
    """A device with its management address typed as text; the address becomes an IPAM host."""

    vrf = forms.ModelChoiceField(
        VRF.objects.all(),
        required=False,
        label="VRF",
        empty_label="Global table",
        help_text="Where this device's addresses live.",
    )
    management_address = forms.CharField(
        required=False,
        help_text="An address such as 192.0.2.10; it is added to IPAM when new.",
    )
    credentials = CredentialNamesField(label="Credential sets")
    url = forms.URLField(label="URL", required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Device
        fields = [
            "name",
            "role",
            "platform",
            "site",
            "vrf",
            "management_address",
            "ssh_host",
            "is_gateway",
            "virtualisation",
            "description",
            "url",
            "credentials",
            "serial",
            "model",
            "os_version",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.management_host: Host | None = None
        device = self.instance
        if device.pk and not self.is_bound:
            host = device.management_host
            self.initial["management_address"] = host.address if host else ""
            self.initial["vrf"] = host.subnet.vrf_id if host else None
            self.initial["credentials"] = ", ".join(
                link.credential_set.name
                for link in device.device_credentials.select_related("credential_set")
            )
        names = list(CredentialSet.objects.values_list("name", flat=True)[:50])
        if names:
            self.fields["credentials"].help_text += " Known sets: " + ", ".join(names) + "."

    def clean_management_address(self) -> Host | None:
        text = (self.cleaned_data.get("management_address") or "").strip()
        if not text:
            return None
        host = resolve(text, self.cleaned_data.get("vrf"))
        owner = claimed_by(host, self.instance.pk)
        if owner:
            raise ValidationError(f"{host.address} already belongs to device {owner}.")
        self.management_host = host
        return host


class InterfaceForm(forms.Form):
    """One interface row of the device form."""

    name = forms.CharField(max_length=64)
    address = forms.CharField(required=False, help_text="Added to IPAM when new.")
    vlan = forms.ModelChoiceField(VLAN.objects.all(), required=False, label="VLAN")
    mac = forms.CharField(required=False, max_length=32, label="MAC")
    is_upstream = forms.BooleanField(required=False, label="Upstream")
    description = forms.CharField(required=False, max_length=200)

    def __init__(
        self, *args: Any, vrf: VRF | None = None, device_pk: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.vrf = vrf
        self.device_pk = device_pk

    def clean_address(self) -> Host | None:
        text = (self.cleaned_data.get("address") or "").strip()
        if not text:
            return None
        host = resolve(text, self.vrf)
        owner = claimed_by(host, self.device_pk)
        if owner:
            raise ValidationError(f"{host.address} already belongs to device {owner}.")
        return host

    def clean_mac(self) -> str:
        mac = normalise_mac(self.cleaned_data.get("mac") or "")
        if mac:
            MAC(mac)
        return mac

    def row(self) -> InterfaceRow:
        data = self.cleaned_data
        return InterfaceRow(
            name=data["name"].strip(),
            host=data.get("address"),
            vlan=data.get("vlan"),
            mac=data.get("mac") or "",
            is_upstream=bool(data.get("is_upstream")),
            description=data.get("description") or "",
        )


class BaseInterfaceFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        # The rows sit under column headers, with no <label> each: name every cell for
        # screen readers ("Interface 2: MAC"), the Delete tick included.
        row = f"Interface {index + 1}" if index is not None else "New interface"
        for name, field in form.fields.items():
            field.widget.attrs["aria-label"] = f"{row}: {form[name].label}"

    def clean(self) -> None:
        if any(self.errors):
            return
        names: set[str] = set()
        addresses: set[str] = set()
        for form in self.kept_forms():
            name = form.cleaned_data["name"].strip()
            if name in names:
                raise ValidationError(
                    f"Two interfaces are named {name}: names are unique per device."
                )
            names.add(name)
            host = form.cleaned_data.get("address")
            if host is not None:
                if host.address in addresses:
                    raise ValidationError(
                        f"{host.address} is given to two interfaces: give it to one."
                    )
                addresses.add(host.address)

    def kept_forms(self) -> list[InterfaceForm]:
        """Rows with a name that are not marked for deletion (blank extra rows are skipped)."""
        return [
            form
            for form in self.forms
            if form.cleaned_data.get("name") and not self._should_delete_form(form)  # type: ignore[attr-defined]
        ]

    def rows(self) -> list[InterfaceRow]:
        return [form.row() for form in self.kept_forms()]


InterfaceFormSet = forms.formset_factory(
    InterfaceForm, formset=BaseInterfaceFormSet, extra=2, can_delete=True, max_num=500
)


def interface_initial(device: Device) -> list[dict[str, Any]]:
    return [
        {
            "name": i.name,
            "address": i.host.address if i.host else "",
            "vlan": i.vlan_id,
            "mac": i.mac,
            "is_upstream": i.is_upstream,
            "description": i.description,
        }
        for i in device.interfaces.select_related("host")
    ]


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = ["name", "description"]


class ServiceCheckForm(forms.ModelForm):
    url = forms.URLField(label="URL", required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = ServiceCheck
        fields = ServiceCheck.SETTING_FIELDS
