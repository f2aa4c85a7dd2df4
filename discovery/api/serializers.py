"""Discovery API serializers: explicit fields."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from discovery.models import OpenPort, Run
from netkeep.models import Event

MAX_PING = 256
MAX_SCAN_ADDRESSES = 4096


class RunSerializer(serializers.ModelSerializer):
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)  # type: ignore[var-annotated]
    percent = serializers.IntegerField(read_only=True)
    duration_s = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Run
        fields = [
            "id",
            "kind",
            "target",
            "subnet",
            "host",
            "profile",
            "started_by",
            "by_schedule",
            "status",
            "done",
            "total",
            "percent",
            "counts",
            "created",
            "started",
            "finished",
            "duration_s",
            "error_class",
            "error_message",
            "attempts",
        ]
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


class PingRequestSerializer(serializers.Serializer):
    ips = serializers.ListField(
        child=serializers.CharField(max_length=45),
        min_length=1,
        max_length=MAX_PING,
        help_text=f"Up to {MAX_PING} addresses, all inside the scan allowlist.",
    )


class PingResultSerializer(serializers.Serializer):
    ip = serializers.CharField()
    alive = serializers.BooleanField()
    latency_ms = serializers.FloatField(allow_null=True)


class ScanTargetSerializer(serializers.Serializer):
    cidr = serializers.CharField(max_length=50)
    vlan = serializers.IntegerField(required=False, min_value=1, max_value=4094, allow_null=True)


class SweepRequestSerializer(serializers.Serializer):
    targets = ScanTargetSerializer(many=True, allow_empty=False)
    dns_server = serializers.IPAddressField(required=False, allow_null=True)

    def validate_targets(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > 64:
            raise serializers.ValidationError("At most 64 targets per request.")
        return value


class SweepHostSerializer(serializers.Serializer):
    ip = serializers.CharField()
    ptr = serializers.CharField(allow_null=True)
    latency_ms = serializers.FloatField(allow_null=True)
    vlan = serializers.IntegerField(allow_null=True)


class SweepResultSerializer(serializers.Serializer):
    hosts = SweepHostSerializer(many=True)
    total_scanned = serializers.IntegerField()
    duration_s = serializers.FloatField()
