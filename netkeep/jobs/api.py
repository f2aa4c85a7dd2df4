"""/api/jobs/: runs of every kind with their progress, filtered like the Jobs page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from netkeep.api.pagination import StandardPagination
from netkeep.jobs.filters import RunFilter
from netkeep.jobs.models import Run


class RunSerializer(serializers.ModelSerializer):
    kind_label = serializers.SerializerMethodField()
    started_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who asked for the run; null for scheduled runs and deleted users.",
    )
    percent = serializers.IntegerField(read_only=True)
    stalled = serializers.BooleanField(source="is_stalled", read_only=True)
    duration_s = serializers.FloatField(read_only=True, allow_null=True)
    summary = serializers.CharField(
        read_only=True, help_text='What the run found, in words ("20 of 254 addresses up").'
    )

    class Meta:
        model = Run
        fields = [
            "id",
            "kind",
            "kind_label",
            "target",
            "refs",
            "profile",
            "started_by",
            "by_schedule",
            "status",
            "stalled",
            "done",
            "total",
            "recorded",
            "percent",
            "counts",
            "summary",
            "created",
            "started",
            "heartbeat",
            "finished",
            "duration_s",
            "error_class",
            "error_message",
            "attempts",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_kind_label(self, run: Run) -> str:
        return run.get_kind_display()


class RunViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs of every kind, newest first; starting one is each app's own endpoint."""

    queryset = Run.objects.select_related("started_by")
    serializer_class = RunSerializer
    pagination_class = StandardPagination
    filterset_class = RunFilter
    ordering_fields = ["created", "finished", "status"]


router = SimpleRouter()
router.register("", RunViewSet, basename="run")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
