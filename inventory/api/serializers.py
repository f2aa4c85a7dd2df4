"""Inventory API serializers: explicit fields, full_clean() behind writes, secrets write-only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.addressing import claimed_by, resolve
from inventory.devices import InterfaceRow, save_device
from inventory.models import CheckChange, CredentialSet, Device, Interface, ServiceCheck
from ipam.api.serializers import tag_field
from ipam.models import MAC, VLAN, VRF, Host, Site, normalise_mac
from netkeep.api.serializers import FullCleanSerializer


def _errors(error: DjangoValidationError) -> list[str]:
    return list(error.messages)


class SiteSerializer(FullCleanSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "description"]
        validators: list[Callable[..., object]] = []  # full_clean() checks uniqueness


SECRET_HELP = "Write-only. Leave out to keep the stored value; an empty string removes it."


def _secret() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=20000,
        style={"input_type": "password"},
        help_text=SECRET_HELP,
    )


class SecretsSetSerializer(serializers.Serializer):
    password = serializers.BooleanField()
    enable_secret = serializers.BooleanField()
    ssh_private_key = serializers.BooleanField()
    ssh_key_passphrase = serializers.BooleanField()


class CredentialSetSerializer(FullCleanSerializer):
    password = _secret()
    enable_secret = _secret()
    ssh_private_key = _secret()
    ssh_key_passphrase = _secret()
    secrets_set = serializers.SerializerMethodField(
        help_text="Which secrets hold a value; the values never leave the server."
    )
    default_for_sites = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Site.objects.all(), required=False
    )
    default_for_tags = tag_field()

    class Meta:
        model = CredentialSet
        fields = [
            "id",
            "name",
            "description",
            "username",
            *CredentialSet.SECRET_FIELDS,
            "secrets_set",
            "priority",
            "default_for_sites",
            "default_for_tags",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]
        validators: list[Callable[..., object]] = []  # full_clean() checks uniqueness

    @extend_schema_field(SecretsSetSerializer)
    def get_secrets_set(self, cred: CredentialSet) -> dict[str, bool]:
        return cred.secrets_set()


class InterfaceItem(TypedDict, total=False):
    """One interface as InterfaceSerializer validated it."""

    name: str
    address: str | None
    vlan: VLAN | None
    mac: str
    is_upstream: bool
    description: str


def _address_field() -> serializers.CharField:
    """An address typed by the user (a device's or an interface's): IPAM gets it when new."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=64,
        help_text="An IP address; added to IPAM in its subnet when new.",
    )


class InterfaceSerializer(serializers.Serializer):
    """One interface of a device; its address becomes an IPAM host (created when new)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=64)
    address = _address_field()
    vlan = serializers.PrimaryKeyRelatedField(
        queryset=VLAN.objects.all(), required=False, allow_null=True
    )
    mac = serializers.CharField(required=False, allow_blank=True, max_length=32)
    is_upstream = serializers.BooleanField(required=False, default=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def to_representation(self, instance: Interface) -> dict[str, object]:
        return {
            "id": instance.pk,
            "name": instance.name,
            "address": instance.host.address if instance.host else None,
            "vlan": instance.vlan_id,
            "mac": instance.mac,
            "is_upstream": instance.is_upstream,
            "description": instance.description,
        }

    def validate_mac(self, value: str) -> str:
        mac = normalise_mac(value or "")
        if mac:
            try:
                MAC(mac)
            except DjangoValidationError as error:
                raise serializers.ValidationError(_errors(error)) from None
        return mac


class CredentialNamesField(serializers.ListField):
    """The device's own credential sets by name, in the order they are tried."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(max_length=100), **kwargs)

    def get_attribute(self, instance: Device) -> list[str]:
        return [link.credential_set.name for link in instance.device_credentials.all()]


class DeviceSerializer(FullCleanSerializer):
    """A device with its interfaces: POST creates both, PUT replaces the interfaces."""

    tags = tag_field()
    site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(), required=False, allow_null=True
    )
    vrf = serializers.PrimaryKeyRelatedField(
        queryset=VRF.objects.all(),
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Where the device's addresses live; null or left out: the global table.",
    )
    management_address = _address_field()
    interfaces = InterfaceSerializer(many=True, required=False)
    credential_sets = CredentialNamesField(
        required=False, help_text="Credential set names, in the order they are tried."
    )
    working_credential: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="name",
        read_only=True,
        allow_null=True,
        help_text="The credential set that last worked; null until one has.",
    )
    device_type = serializers.CharField(read_only=True, help_text="Netmiko's device_type.")

    class Meta:
        model = Device
        read_only_fields = [
            "facts_read_at",
            "ssh_host_key",
            "offered_host_key",
            "last_test_at",
            "last_test_ok",
            "last_test_message",
            "suggested_platform",
            "unavailable_reason",
            "created",
            "updated",
        ]
        fields = [
            "id",
            "name",
            "role",
            "description",
            "platform",
            "device_type",
            "site",
            "vrf",
            "management_address",
            "ssh_host",
            "is_gateway",
            "virtualisation",
            "url",
            "tags",
            "notes",
            "serial",
            "model",
            "os_version",
            "interfaces",
            "credential_sets",
            "working_credential",
            *read_only_fields,
        ]
        validators: list[Callable[..., object]] = []  # full_clean() checks uniqueness

    def to_representation(self, instance: Device) -> dict[str, object]:
        data = super().to_representation(instance)
        host = instance.management_host
        data["management_address"] = host.address if host else None
        return data

    def _address(self, text: str | None, vrf: VRF | None, field: str) -> Host | None:
        if not text:
            return None
        try:
            host = resolve(text, vrf)
        except DjangoValidationError as error:
            raise serializers.ValidationError({field: _errors(error)}) from None
        owner = claimed_by(host, self.instance.pk if self.instance else None)
        if owner:
            raise serializers.ValidationError(
                {field: [f"{host.address} already belongs to device {owner}."]}
            )
        return host

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        vrf = attrs.pop("vrf", None)
        extra: dict[str, object] = {}
        if "management_address" in attrs:
            extra["management_host"] = self._address(
                attrs.pop("management_address"), vrf, "management_address"
            )
        if "interfaces" in attrs:
            extra["interfaces"] = self._interface_rows(attrs.pop("interfaces"), vrf)
        if "credential_sets" in attrs:
            from inventory.forms import parse_credential_names

            try:
                extra["credential_sets"] = parse_credential_names(
                    ",".join(attrs.pop("credential_sets"))
                )
            except DjangoValidationError as error:
                raise serializers.ValidationError({"credential_sets": _errors(error)}) from None
        attrs = super().validate(attrs)
        attrs.update(extra)
        return attrs

    def _interface_rows(self, items: list[InterfaceItem], vrf: VRF | None) -> list[InterfaceRow]:
        rows: list[InterfaceRow] = []
        errors: list[dict[str, Any]] = []
        names: set[str] = set()
        addresses: set[str] = set()
        for item in items:
            error: dict[str, Any] = {}
            name = item["name"].strip()
            host = None
            if name in names:
                error["name"] = [f"Two interfaces are named {name}: names are unique per device."]
            names.add(name)
            try:
                host = self._address(item.get("address"), vrf, "address")
            except serializers.ValidationError as invalid:
                error.update(invalid.detail)  # type: ignore[arg-type]
            if host is not None:
                if host.address in addresses:
                    error["address"] = [
                        f"{host.address} is given to two interfaces: give it to one."
                    ]
                addresses.add(host.address)
            errors.append(error)
            rows.append(
                InterfaceRow(
                    name=name,
                    host=host,
                    vlan=item.get("vlan"),
                    mac=item.get("mac", ""),
                    is_upstream=item.get("is_upstream", False),
                    description=item.get("description", ""),
                )
            )
        if any(errors):
            raise serializers.ValidationError({"interfaces": errors})
        return rows

    def _save(self, device: Device, attrs: dict[str, Any]) -> Device:
        tags = attrs.pop("tags", None)
        management = attrs.pop("management_host", device.management_host)
        interfaces = attrs.pop("interfaces", None)
        credentials = attrs.pop("credential_sets", None)
        for name, value in attrs.items():
            setattr(device, name, value)
        return save_device(
            device,
            management_host=management,
            interfaces=interfaces,
            credential_sets=credentials,
            save_m2m=(lambda: device.tags.set(tags)) if tags is not None else None,
        )

    def create(self, validated_data: dict[str, Any]) -> Device:
        return self._save(Device(), validated_data)

    def update(self, instance: Device, validated_data: dict[str, Any]) -> Device:
        # PUT replaces the interfaces: leaving them out of a PUT means none.
        if not self.partial and "interfaces" not in validated_data:
            validated_data["interfaces"] = []
        return self._save(instance, validated_data)


class ServiceCheckSerializer(FullCleanSerializer):
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    device = serializers.PrimaryKeyRelatedField(
        queryset=Device.objects.all(), required=False, allow_null=True
    )
    host = serializers.PrimaryKeyRelatedField(
        queryset=Host.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = ServiceCheck
        read_only_fields = [*ServiceCheck.RESULT_FIELDS, "created"]
        fields = ["id", *ServiceCheck.SETTING_FIELDS, "host", *read_only_fields]


class CheckChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckChange
        fields = ["at", "status", "message"]
        read_only_fields = fields


class CheckHistorySerializer(serializers.Serializer):
    uptime_24h = serializers.FloatField(allow_null=True)
    uptime_7d = serializers.FloatField(allow_null=True)
    uptime_30d = serializers.FloatField(allow_null=True)
    changes = CheckChangeSerializer(many=True)


class ServiceSnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    where = serializers.CharField()
    device = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    latency_ms = serializers.FloatField(allow_null=True)
    message = serializers.CharField()
    last_checked = serializers.DateTimeField(allow_null=True)
    last_change = serializers.DateTimeField(allow_null=True)


class PlatformDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["accept", "dismiss"],
        help_text="accept: the device's platform becomes the suggested one; dismiss: drop it.",
    )


class RunStartedSerializer(serializers.Serializer):
    run = serializers.IntegerField(help_text="The run id; the device page shows its progress.")
    kind = serializers.CharField()
    status = serializers.CharField()
