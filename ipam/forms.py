"""Forms of the IPAM pages: VRFs, VLANs, tags, subnets, hosts, inline host edit, allocation."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from ipam.addresses import parse_address
from ipam.hostnames import check_hostname
from ipam.models import SCAN_PROFILE_CHOICES, VLAN, VRF, Host, HostnameSource, Subnet, Tag

TAG_NAME_MAX = Tag._meta.get_field("name").max_length or 64


class TagNamesField(forms.CharField):
    """Tags typed as text ("core, printers"): far quicker than a multi-select of every tag."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Comma-separated tag names, e.g. core, printers.")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        # The initial value of a model form is a list of Tag objects or primary keys.
        if isinstance(value, (list, tuple)):
            names = []
            for item in value:
                if isinstance(item, Tag):
                    names.append(item.name)
                else:
                    tag = Tag.objects.filter(pk=item).first()
                    names.append(tag.name if tag else str(item))
            return ", ".join(names)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        names: list[str] = []
        for raw in text.replace(";", ",").split(","):
            name = raw.strip().lower()
            if name and name not in names:
                names.append(name)
        bad: list[str] = []
        long: list[str] = []
        for name in names:
            try:
                Tag.check_name(name)
            except ValidationError:
                (long if len(name) > TAG_NAME_MAX else bad).append(name)
        if bad:
            raise ValidationError(
                "%(names)s: a tag name may hold only letters, digits, “-” and “_”.",
                params={"names": ", ".join(bad)},
            )
        if long:
            raise ValidationError(
                "A tag name has at most %(max)d characters: shorten %(names)s.",
                params={"max": TAG_NAME_MAX, "names": ", ".join(n[:20] + "…" for n in long)},
            )
        return names


def _dedupe_errors(form: forms.BaseForm, field: str) -> None:
    """Show each message once: the model reports a parse error from the field and clean()."""
    errors = form.errors.get(field)
    if errors:
        unique = list(dict.fromkeys(errors))
        del errors[:]
        errors.extend(unique)


class TaggedModelForm(forms.ModelForm):
    """A model form with a `tags` text field; unknown tags are created when the user may."""

    tags = TagNamesField()

    def __init__(self, *args: Any, can_add_tags: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.can_add_tags = can_add_tags
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())

    def clean_tags(self) -> list[str]:
        names: list[str] = self.cleaned_data["tags"]
        known = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
        unknown = [n for n in names if n not in known]
        if unknown and not self.can_add_tags:
            raise ValidationError(
                f"No tag named {', '.join(unknown)}: ask an editor to create it under Tags."
            )
        return names

    def _save_m2m(self) -> None:
        super()._save_m2m()  # type: ignore[misc]
        names = self.cleaned_data.get("tags", [])
        tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
        self.instance.tags.set(tags)


class VRFForm(forms.ModelForm):
    class Meta:
        model = VRF
        fields = ["name", "rd", "description"]


class VLANForm(TaggedModelForm):
    class Meta:
        model = VLAN
        fields = ["vid", "name", "colour", "description"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "colour", "description"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}


SCAN_SETTINGS = ("scan_interval", "nmap_profile", "dns_resolver")


class SubnetForm(TaggedModelForm):
    class Meta:
        model = Subnet
        fields = [
            "network",
            "vrf",
            "name",
            "description",
            "gateway",
            "vlan",
            "site",
            "scan_enabled",
            "scan_interval",
            "nmap_profile",
            "dns_resolver",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "network": "For example 198.18.0.0/24 or 2001:2::/64. "
            "The parent subnet is found automatically."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["vrf"]).empty_label = "Global table"
        cast(forms.ModelChoiceField, self.fields["vlan"]).empty_label = "None"
        self.fields["network"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["nmap_profile"] = forms.ChoiceField(
            label="Port scan profile",
            required=False,
            choices=self._profile_choices(),
            help_text="Profiles are defined under Discovery → Scan profiles.",
        )
        # Scan settings hide while "scan this subnet" is off (ipam.css, no script).
        for name in SCAN_SETTINGS:
            self.fields[name].widget.attrs["data-scan-setting"] = ""

    def _profile_choices(self) -> list[tuple[str, str]]:
        choices = [("", "Default")]
        for lister in SCAN_PROFILE_CHOICES:
            choices += lister()
        current = self.initial.get("nmap_profile") or self.instance.nmap_profile
        if current and current not in dict(choices):
            # A profile deleted since: shown as it is, so saving asks for a new choice.
            choices.append((current, f"{current} (no longer exists)"))
        return choices

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        _dedupe_errors(self, "network")


class HostForm(TaggedModelForm):
    """A host; its subnet is the most specific one containing the address in the chosen VRF."""

    vrf = forms.ModelChoiceField(
        VRF.objects.all(), required=False, empty_label="Global table", label="VRF"
    )

    class Meta:
        model = Host
        fields = ["address", "vrf", "hostname", "description", "mac", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["vrf"] = self.instance.subnet.vrf_id
        self.fields["address"].widget.attrs.update(autocomplete="off", spellcheck="false")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        text = cleaned.get("address")
        if not text:
            return cleaned
        try:
            address = parse_address(str(text))
        except ValidationError as error:
            self.add_error("address", error.messages)
            return cleaned
        vrf: VRF | None = cleaned.get("vrf")
        subnet = Subnet.objects.best_match(vrf.pk if vrf else 0, address)
        if subnet is None:
            where = f"VRF {vrf}" if vrf else "the global table"
            self.add_error(
                "address", f"No subnet in {where} contains {address}: add the subnet first."
            )
            return cleaned
        self.instance.subnet = subnet
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        _dedupe_errors(self, "address")

    def save(self, commit: bool = True) -> Host:
        return _save_host(self, commit)


class HostInlineForm(TaggedModelForm):
    """The fields a user annotates from the subnet view or the host drawer."""

    class Meta:
        model = Host
        fields = ["hostname", "description", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def save(self, commit: bool = True) -> Host:
        return _save_host(self, commit)


def _save_host(form: TaggedModelForm, commit: bool) -> Host:
    host: Host = forms.ModelForm.save(form, commit=False)
    # A hostname typed by a person wins over PTR and SNMP names from now on.
    if "hostname" in form.changed_data and host.hostname:
        host.hostname_source = HostnameSource.MANUAL
    if commit:
        host.save()
        form._save_m2m()
    return host


class AllocateForm(forms.Form):
    """Allocate the next N free addresses of a subnet."""

    count = forms.IntegerField(
        min_value=1, max_value=256, initial=1, help_text="1–256 addresses at a time."
    )
    hostname = forms.CharField(
        max_length=253,
        required=False,
        validators=[check_hostname],
        help_text="For a single address only: leave it empty when allocating several.",
    )
    description = forms.CharField(max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if (cleaned.get("count") or 0) > 1 and cleaned.get("hostname"):
            self.add_error(
                "hostname", "Leave the hostname empty when allocating several addresses."
            )
        return cleaned


class AllocateSubnetForm(forms.Form):
    """Allocate the first free child prefix of a subnet."""

    prefix_length = forms.IntegerField(
        min_value=1, max_value=128, label="Prefix length", help_text="For example 24."
    )
    name = forms.CharField(max_length=100, required=False)


class JumpForm(forms.Form):
    """An address to jump to inside the subnet view."""

    address = forms.CharField(max_length=45)

    def clean_address(self) -> Any:
        return parse_address(self.cleaned_data["address"].strip())
