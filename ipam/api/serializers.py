"""API serializers: explicit fields, and the model's full_clean() behind every write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import F, QuerySet, Value
from django.db.models.functions import NullIf
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from ipam.hostnames import check_hostname
from ipam.models import VLAN, VRF, Host, Subnet, Tag
from ipam.querysets import IsoTime, tag_names
from netkeep.api.serializers import FullCleanSerializer, ImportRowSerializer
from netkeep.importing import upload_too_big


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
        validators: list[Callable[..., object]] = []  # full_clean() checks uniqueness


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
    gateway = serializers.CharField(
        max_length=45,
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="The router's address in this subnet; empty or null: none.",
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
            "gateway",
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
        validators: list[Callable[..., object]] = []  # full_clean() checks uniqueness

    def validate_dns_resolver(self, value: str | None) -> str | None:
        return value or None  # empty clears it, like null and like the form

    def validate_gateway(self, value: str | None) -> str | None:
        return value or None

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


class HostVRFField(serializers.PrimaryKeyRelatedField):
    """A host's VRF id read from the host row itself (its `vrf_key`), never from a join."""

    def get_attribute(self, instance: Host) -> PKOnlyObject | None:
        return PKOnlyObject(pk=instance.vrf_key) if instance.vrf_key else None


def _timestamp(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's ISO 8601 form of a datetime in the current time zone ("Z" for UTC)."""
    if value is None:
        return None
    text = (value if value.tzinfo is zone else value.astimezone(zone)).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _time(value: str | datetime | None, zone: tzinfo) -> str | None:
    """A host's time in DRF's form, from IsoTime's text or a model's datetime."""
    if value is None or (isinstance(value, str) and zone is UTC):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return _timestamp(value, zone)


HOST_TIMES = ("first_seen", "last_seen", "status_changed_at", "created", "updated")
HOST_FIELDS = [
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
    *HOST_TIMES,
]
# A host list row as `host_rows()` reads it (a tuple, no model object): the fields
# before `tags`, those after it, then the cursor's (vrf_key, family, key).
_HEAD = HOST_FIELDS[: HOST_FIELDS.index("tags")]
_TAIL = HOST_FIELDS[HOST_FIELDS.index("tags") + 1 :]


def host_rows(queryset: QuerySet[Host]) -> QuerySet[Host, Any]:
    """The hosts as the list serializer's rows: plain values in API order, times as text.

    The row is what the API shows (no VRF is null, each time is IsoTime's text),
    so a row becomes its JSON object with two zips; tags come per page.
    """
    # A plain Field as the VRF's output: an integer one adds an int() per row in Python.
    vrf = NullIf("vrf_key", Value(0), output_field=models.Field())
    columns: dict[str, Any] = {"vrf": vrf, "subnet": F("subnet_id")}
    columns.update((name, IsoTime(name)) for name in HOST_TIMES)
    fields = [columns.get(name, name) for name in HOST_FIELDS if name != "tags"]
    return queryset.values_list(*fields, "vrf_key", "family", "key")


def _row(host: Host, zone: tzinfo) -> tuple[object, ...]:
    """A host object as a row of host_rows() (allocation answers with hosts)."""
    values: dict[str, object] = {"vrf": host.vrf_key or None, "subnet": host.subnet_id}
    values.update((name, _time(getattr(host, name), zone)) for name in HOST_TIMES)
    return tuple(values.get(n, getattr(host, n, None)) for n in HOST_FIELDS if n != "tags")


class HostListSerializer(serializers.ListSerializer):
    """Host lists written field by field: the same output as HostSerializer, ten times faster.

    DRF's generic path costs about a millisecond per host (field lookups,
    time-zone handling per value); walking a /8 of 100,000 hosts took minutes.
    `tests/ipam/test_api.py` checks that a list row equals the detail of the host.
    """

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        zone: tzinfo = timezone.get_current_timezone()
        if getattr(zone, "key", "") == "UTC":
            zone = UTC  # the database's own: no conversion per value
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        # List pages come as host_rows() (HostViewSet); other callers give hosts.
        rows = [r if isinstance(r, tuple) else _row(r, zone) for r in rows]
        # The tags of the whole page in one query (prefetch_related costs more per row).
        tags = tag_names([r[0] for r in rows])
        head, out = len(_HEAD), []
        for r in rows:
            # Not strict: the row goes on with the cursor's triple.
            host = dict(zip(_HEAD, r, strict=False))
            host["tags"] = tags.get(r[0], [])
            host.update(zip(_TAIL, r[head:], strict=False))
            out.append(host)
        if zone is not UTC:
            for host in out:
                for name in HOST_TIMES:
                    host[name] = _time(host[name], zone)
        return out


class HostSerializer(FullCleanSerializer):
    tags = tag_field()
    subnet = serializers.PrimaryKeyRelatedField(
        queryset=Subnet.objects.all(),
        required=False,
        help_text="Leave out to use the most specific subnet of the VRF that contains the address.",
    )
    vrf = HostVRFField(
        queryset=VRF.objects.all(),
        required=False,
        allow_null=True,
        help_text="Only used to find the subnet when `subnet` is left out; null: global table.",
    )

    class Meta:
        model = Host
        list_serializer_class = HostListSerializer
        fields = HOST_FIELDS
        read_only_fields = ["family", "ptr_name", "status", "latency_ms", *HOST_TIMES]
        validators: list[Callable[..., object]] = []  # full_clean() checks uniqueness

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
    hostname = serializers.CharField(
        max_length=253, required=False, allow_blank=True, validators=[check_hostname]
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    tags = tag_field()


class AllocateSubnetSerializer(serializers.Serializer):
    prefix_length = serializers.IntegerField(
        min_value=1, max_value=128, help_text="The child's prefix length, e.g. 24."
    )
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class FreeSerializer(serializers.Serializer):
    subnet = serializers.CharField()
    addresses = serializers.ListField(child=serializers.CharField())


class ImportRequestSerializer(serializers.Serializer):
    """An upload; a file larger than NETKEEP_IMPORT_INLINE_ROWS rows becomes a background job."""

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

    def validate_file(self, value: Any) -> Any:
        message = upload_too_big(value.size)
        if message:
            raise serializers.ValidationError(message)
        return value

    def validate_csv(self, value: str) -> str:
        message = upload_too_big(len(value.encode("utf-8", "surrogatepass")))
        if message:
            raise serializers.ValidationError(message)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("csv") and not attrs.get("file"):
            raise serializers.ValidationError({"csv": "Send the CSV text in `csv` or a `file`."})
        return attrs


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    mode = serializers.CharField()
    dry_run = serializers.BooleanField()
    valid_only = serializers.BooleanField()
    applied = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    summary = serializers.CharField()
    rows = ImportRowSerializer(many=True)
