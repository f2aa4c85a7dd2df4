"""API serializers: explicit fields, and the model's full_clean() behind every write."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ipam.models import VLAN, VRF, Host, Subnet, Tag
from netkeep.api.serializers import FullCleanSerializer


class TagSerializer(FullCleanSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "colour", "description"]


class VRFSerializer(FullCleanSerializer):
    class Meta:
        model = VRF
        fields = ["id", "name", "rd", "description"]


def tag_field() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        many=True, slug_field="name", queryset=Tag.objects.all(), required=False
    )


class VLANSerializer(FullCleanSerializer):
    tags = tag_field()

    class Meta:
        model = VLAN
        fields = ["id", "vid", "name", "colour", "description", "tags"]
        # full_clean() checks (vid, name) uniqueness with the model's own message.
        validators: list[Any] = []


class UtilisationSerializer(serializers.Serializer):
    used = serializers.IntegerField(help_text="Hosts in the subnet, child subnets included.")
    usable = serializers.IntegerField(help_text="Assignable addresses.")
    alive = serializers.IntegerField(help_text="Hosts that answered the last sweep.")
    free = serializers.IntegerField(help_text="usable − used.")


class SubnetSerializer(FullCleanSerializer):
    tags = tag_field()
    utilisation = serializers.SerializerMethodField()
    # Parsed by the model's AddressField in full_clean(): the words every door uses.
    dns_resolver = serializers.CharField(
        max_length=45,
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="The resolver for DNS passes, inside the scan allowlist; empty or null: the"
        " system resolver.",
    )

    class Meta:
        model = Subnet
        fields = [
            "id",
            "network",
            "family",
            "prefix_length",
            "vrf",
            "name",
            "description",
            "vlan",
            "site",
            "tags",
            "parent",
            "scan_enabled",
            "scan_interval",
            "nmap_profile",
            "dns_resolver",
            "utilisation",
            "created",
            "updated",
        ]
        read_only_fields = ["family", "prefix_length", "parent", "created", "updated"]
        validators: list[Any] = []

    def validate_dns_resolver(self, value: str | None) -> str | None:
        return value or None  # empty clears it, like null and like the form

    @extend_schema_field(UtilisationSerializer)
    def get_utilisation(self, subnet: Subnet) -> dict[str, int]:
        return utilisation(subnet)


def utilisation(subnet: Subnet) -> dict[str, int]:
    used = getattr(subnet, "used", None)
    alive = getattr(subnet, "alive", None)
    if used is None or alive is None:
        rng = subnet.host_range()
        used, alive = rng.count(), rng.filter(status="up").count()
    usable = subnet.usable
    return {"used": used, "usable": usable, "alive": alive, "free": max(0, usable - used)}


class HostSerializer(FullCleanSerializer):
    tags = tag_field()
    subnet = serializers.PrimaryKeyRelatedField(
        queryset=Subnet.objects.all(),
        required=False,
        help_text="Leave out to use the most specific subnet of the VRF that contains the address.",
    )
    vrf = serializers.PrimaryKeyRelatedField(
        queryset=VRF.objects.all(),
        required=False,
        allow_null=True,
        help_text="Only used to find the subnet when `subnet` is left out; null: global table.",
    )

    class Meta:
        model = Host
        fields = [
            "id",
            "address",
            "family",
            "vrf",
            "subnet",
            "hostname",
            "hostname_source",
            "ptr_name",
            "description",
            "notes",
            "tags",
            "mac",
            "origin",
            "status",
            "latency_ms",
            "first_seen",
            "last_seen",
            "status_changed_at",
            "created",
            "updated",
        ]
        read_only_fields = [
            "family",
            "ptr_name",
            "status",
            "latency_ms",
            "first_seen",
            "last_seen",
            "status_changed_at",
            "created",
            "updated",
        ]
        validators: list[Any] = []

    def to_representation(self, instance: Host) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["vrf"] = instance.subnet.vrf_id if instance.subnet_id else None
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        vrf = attrs.pop("vrf", None)
        if "subnet" not in attrs and self.instance is None:
            from ipam.addresses import parse_address

            try:
                address = parse_address(attrs.get("address", ""))
            except DjangoValidationError as error:
                raise serializers.ValidationError({"address": error.messages}) from None
            subnet = Subnet.objects.best_match(vrf.pk if vrf else 0, address)
            if subnet is None:
                where = f"VRF {vrf}" if vrf else "the global table"
                raise serializers.ValidationError(
                    {"subnet": f"No subnet in {where} contains {address}: create it first."}
                )
            attrs["subnet"] = subnet
        return super().validate(attrs)


class AllocateSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=1024, default=1)
    hostname = serializers.CharField(max_length=253, required=False, allow_blank=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tags = tag_field()


class FreeSerializer(serializers.Serializer):
    subnet = serializers.CharField()
    addresses = serializers.ListField(child=serializers.CharField())


class ImportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["hosts", "subnets", "vlans"])
    mode = serializers.ChoiceField(choices=["skip", "update"], default="skip")
    dry_run = serializers.BooleanField(
        default=False, help_text="Preview: report every row's outcome, write nothing."
    )
    valid_only = serializers.BooleanField(
        default=False, help_text="Apply the valid rows even when others have errors."
    )
    csv = serializers.CharField(
        required=False, trim_whitespace=False, help_text="The CSV text (or upload `file`)."
    )
    file = serializers.FileField(required=False, help_text="A CSV file (multipart).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("csv") and not attrs.get("file"):
            raise serializers.ValidationError({"csv": "Send the CSV text in `csv` or a `file`."})
        return attrs


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["create", "update", "skip", "error"])
    label = serializers.CharField()  # type: ignore[assignment]
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    mode = serializers.CharField()
    dry_run = serializers.BooleanField()
    valid_only = serializers.BooleanField()
    applied = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    summary = serializers.CharField()
    rows = ImportRowSerializer(many=True)
