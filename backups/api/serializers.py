"""Backups API serializers: versions (never the secrets), diffs, search, schedules, statistics."""

from __future__ import annotations

from typing import TypedDict

from rest_framework import serializers

from backups.models import BackupSchedule, ConfigVersion
from backups.search import DeviceHits
from inventory.models import Platform
from netkeep.api.serializers import FullCleanSerializer


class ExcerptLine(TypedDict):
    """One line of a search excerpt: its number, its text, and whether it matched."""

    line: int
    text: str
    match: bool


class ConfigVersionSerializer(serializers.ModelSerializer):
    device = serializers.IntegerField(source="device_id", read_only=True, allow_null=True)

    class Meta:
        model = ConfigVersion
        fields = [
            "id",
            "device",
            "device_name",
            "seq",
            "digest",
            "line_count",
            "size",
            "first_seen",
            "last_seen",
            "last_checked",
        ]
        read_only_fields = fields


class ConfigVersionDetailSerializer(ConfigVersionSerializer):
    text = serializers.SerializerMethodField(help_text="The configuration, secrets masked.")

    class Meta(ConfigVersionSerializer.Meta):
        fields = [*ConfigVersionSerializer.Meta.fields, "text"]
        read_only_fields = fields

    def get_text(self, version: ConfigVersion) -> str:
        from backups.versions import text_of

        return text_of(version)


class BlockSerializer(serializers.Serializer):
    tag = serializers.ChoiceField(choices=["replace", "delete", "insert"])
    old_start = serializers.IntegerField()
    old_end = serializers.IntegerField()
    new_start = serializers.IntegerField()
    new_end = serializers.IntegerField()
    removed = serializers.ListField(child=serializers.CharField())
    added = serializers.ListField(child=serializers.CharField())


class DiffSerializer(serializers.Serializer):
    old = serializers.IntegerField()
    new = serializers.IntegerField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    similarity = serializers.FloatField()
    blocks = BlockSerializer(many=True)
    unified = serializers.CharField(required=False)
    side_by_side_html = serializers.CharField(required=False)


class CompareRequestSerializer(serializers.Serializer):
    old = serializers.IntegerField(min_value=1, help_text="Id of the older version.")
    new = serializers.IntegerField(min_value=1, help_text="Id of the newer version.")
    # Not "format" (DRF reads ?format= as the renderer) nor "style" (a Field attribute).
    layout = serializers.ChoiceField(
        choices=["structured", "unified", "side_by_side"], default="structured", required=False
    )


class SearchRequestSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200, trim_whitespace=False, required=False, allow_blank=True, default=""
    )
    regex = serializers.BooleanField(default=False, required=False)
    case = serializers.BooleanField(default=False, required=False, help_text="Match case.")
    current = serializers.BooleanField(default=False, required=False, help_text="Current only.")
    platform = serializers.ChoiceField(
        choices=["", *Platform.values], required=False, allow_blank=True, default=""
    )
    tag = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    site = serializers.IntegerField(required=False, allow_null=True, default=None)
    limit = serializers.IntegerField(required=False, default=50, min_value=1, max_value=200)


class RangeSerializer(serializers.Serializer):
    first_seq = serializers.IntegerField()
    last_seq = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()


class HitSerializer(serializers.Serializer):
    device = serializers.IntegerField(source="device_id")
    device_name = serializers.CharField()
    current = serializers.BooleanField()
    ranges = RangeSerializer(many=True)
    excerpts = serializers.SerializerMethodField()

    def get_excerpts(self, hit: DeviceHits) -> list[list[ExcerptLine]]:
        return [
            [ExcerptLine(line=n, text=text, match=match) for n, text, match in ex.lines]
            for ex in hit.excerpts
        ]


class SearchResultSerializer(serializers.Serializer):
    query = serializers.CharField()
    regex = serializers.BooleanField()
    devices = serializers.IntegerField()
    lines = serializers.IntegerField()
    truncated = serializers.BooleanField()
    elapsed_ms = serializers.FloatField()
    hits = HitSerializer(many=True)


class TriggerRequestSerializer(serializers.Serializer):
    device = serializers.IntegerField(required=False, min_value=1)
    tag = serializers.CharField(required=False, max_length=64)
    platform = serializers.CharField(required=False, max_length=24)
    site = serializers.IntegerField(required=False, min_value=1)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        if not any(attrs.get(k) for k in ("device", "tag", "platform", "site", "all")):
            raise serializers.ValidationError(
                "Say what to back up: a device id, or a tag, platform or site, or all=true."
            )
        return attrs


class TriggerResultSerializer(serializers.Serializer):
    runs = serializers.ListField(child=serializers.IntegerField())
    refused = serializers.DictField(child=serializers.CharField())


class BackupScheduleSerializer(FullCleanSerializer):
    next_run = serializers.SerializerMethodField()

    class Meta:
        model = BackupSchedule
        fields = [
            "id",
            "name",
            "enabled",
            "interval_minutes",
            "cron",
            "tag",
            "platform",
            "role",
            "site",
            "next_run",
        ]

    def get_next_run(self, schedule: BackupSchedule) -> str | None:
        from backups.jobs import next_runs

        known = self.context.get("next_runs")
        when = (known if known is not None else next_runs([schedule])).get(schedule.pk)
        return when.isoformat() if when else None


class StatisticsSerializer(serializers.Serializer):
    devices = serializers.IntegerField()
    active = serializers.IntegerField()
    last_24h = serializers.DictField()
    health = serializers.DictField(child=serializers.IntegerField())
    trend = serializers.ListField(child=serializers.DictField())
    storage = serializers.ListField(child=serializers.DictField())
