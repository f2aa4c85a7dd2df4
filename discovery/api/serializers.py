"""Discovery API serializers: explicit fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from discovery import scope, scope_rules
from discovery.models import OpenPort
from ipam.addresses import usable_count
from netkeep.jobs.api import RunSerializer as JobRunSerializer
from netkeep.models import Event

MAX_PING = 256
MAX_SCAN_ADDRESSES = 4096

Target = TypeVar("Target", scope.Network, scope.Address)


class ScanRunSerializer(JobRunSerializer):
    """A scan run as /api/jobs/ shows it, plus the subnet and host it is about."""

    subnet = serializers.IntegerField(
        source="refs.subnet", read_only=True, allow_null=True, default=None
    )
    host = serializers.IntegerField(
        source="refs.host", read_only=True, allow_null=True, default=None
    )

    class Meta(JobRunSerializer.Meta):
        fields = [*JobRunSerializer.Meta.fields, "subnet", "host"]
        read_only_fields = fields


class ScanRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["sweep", "known_hosts", "ports", "dns"])
    target = serializers.CharField(
        max_length=100, help_text="A network (198.18.0.0/24) or, for ports, an address."
    )
    profile = serializers.CharField(max_length=50, required=False, default="")


class OpenPortSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="host.address", read_only=True)

    class Meta:
        model = OpenPort
        fields = [
            "id",
            "host",
            "address",
            "port",
            "protocol",
            "state",
            "service",
            "product",
            "version",
            "label",
            "first_seen",
            "last_seen",
            "current",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "at", "kind", "object_type", "object_id", "object_repr", "details"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_object_type(self, event: Event) -> str | None:
        ct = event.content_type
        return f"{ct.app_label}.{ct.model}" if ct is not None else None


class UptimeSerializer(serializers.Serializer):
    last_24h = serializers.FloatField(allow_null=True, source="24h")
    last_7d = serializers.FloatField(allow_null=True, source="7d")
    last_30d = serializers.FloatField(allow_null=True, source="30d")


class LatencyPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    up = serializers.BooleanField()
    rtt_ms = serializers.FloatField(allow_null=True)


class HostHistorySerializer(serializers.Serializer):
    host = serializers.IntegerField()
    address = serializers.CharField()
    status = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)
    uptime = UptimeSerializer()
    latency = LatencyPointSerializer(many=True)


def _in_scope(texts: list[str], parse: Callable[[str], Target]) -> list[Target]:
    """Each text parsed and inside the allowlist, or every problem as one field error."""
    allowed = scope_rules.allowed_networks()
    parsed: list[Target] = []
    problems: list[str] = []
    for text in texts:
        try:
            target = parse(text)
            scope.check_scope(target, allowed)
        except scope.ScopeError as error:
            problems.append(str(error))
            continue
        parsed.append(target)
    if problems:
        raise serializers.ValidationError(problems)
    return parsed


class PingRequestSerializer(serializers.Serializer):
    ips = serializers.ListField(
        child=serializers.CharField(max_length=45),
        min_length=1,
        max_length=MAX_PING,
        help_text=f"Up to {MAX_PING} addresses, all inside the scan allowlist.",
    )

    def validate_ips(self, value: list[str]) -> list[scope.Address]:
        return _in_scope(value, scope.parse_address)


class PingResultSerializer(serializers.Serializer):
    ip = serializers.CharField()
    alive = serializers.BooleanField()
    latency_ms = serializers.FloatField(allow_null=True)


class ScanTargetSerializer(serializers.Serializer):
    cidr = serializers.CharField(max_length=50)
    vlan = serializers.IntegerField(required=False, min_value=1, max_value=4094, allow_null=True)


class SweepRequestSerializer(serializers.Serializer):
    targets = ScanTargetSerializer(many=True, allow_empty=False)
    dns_server = serializers.CharField(
        max_length=45, required=False, allow_null=True, allow_blank=True
    )

    def validate_targets(
        self, value: list[dict[str, Any]]
    ) -> list[tuple[scope.Network, int | None]]:
        """(network, VLAN) pairs, every network inside the allowlist and small enough in total."""
        if len(value) > 64:
            raise serializers.ValidationError("At most 64 targets per request.")
        networks = _in_scope([target["cidr"] for target in value], scope.parse_network)
        total = sum(usable_count(network) for network in networks)
        if total > MAX_SCAN_ADDRESSES:
            raise serializers.ValidationError(
                f"{total} addresses is more than the {MAX_SCAN_ADDRESSES} this endpoint sweeps"
                " at once: split the request, or add the subnet with scanning on."
            )
        return [
            (network, target.get("vlan")) for network, target in zip(networks, value, strict=True)
        ]

    def validate_dns_server(self, value: str | None) -> scope.Address | None:
        return _in_scope([value], scope.parse_address)[0] if value else None


class SweepHostSerializer(serializers.Serializer):
    ip = serializers.CharField()
    ptr = serializers.CharField(allow_null=True)
    latency_ms = serializers.FloatField(allow_null=True)
    vlan = serializers.IntegerField(allow_null=True)


class SweepResultSerializer(serializers.Serializer):
    hosts = SweepHostSerializer(many=True)
    total_scanned = serializers.IntegerField()
    duration_s = serializers.FloatField()
