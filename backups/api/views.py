"""Backups API: versions, download, compare, search, trigger, schedules, statistics."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import audit
from backups import fetch, search, stats, store
from backups.api import serializers
from backups.filters import BackupScheduleFilter, ConfigVersionFilter
from backups.models import BackupSchedule, ConfigVersion
from backups.retention import relink
from backups.versions import compare, previous_of, search_devices, text_of
from inventory.models import Device
from netkeep.api.pagination import StandardPagination


class ConfigVersionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Stored configuration versions; secrets are always masked here."""

    queryset = ConfigVersion.objects.defer("secrets", "lines").order_by("device_name", "-seq")
    serializer_class = serializers.ConfigVersionSerializer
    pagination_class = StandardPagination
    filterset_class = ConfigVersionFilter
    ordering_fields = ["first_seen", "seq"]

    def get_serializer_class(self) -> type[serializers.ConfigVersionSerializer]:
        if self.action == "retrieve":
            return serializers.ConfigVersionDetailSerializer
        return serializers.ConfigVersionSerializer

    def perform_destroy(self, instance: ConfigVersion) -> None:

        audit.record(instance, "delete", {})
        device_id = instance.device_id
        with transaction.atomic():
            if device_id is not None:
                kept = [(v, ids) for v, ids in store.chain(device_id) if v.pk != instance.pk]
                relink(kept)
            instance.delete()

    @extend_schema(
        responses={(200, "text/plain"): OpenApiResponse(description="The configuration text.")},
        summary="Download a version (masked)",
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        version = self.get_object()
        response = HttpResponse(text_of(version), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{version.device_name}-v{version.seq}.cfg"'
        )
        return response

    @extend_schema(
        responses={200: serializers.DiffSerializer}, summary="This version against the one before"
    )
    @action(detail=True, methods=["get"])
    def previous(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        before = previous_of(version)
        if before is None:
            raise ValidationError({"previous": ["This is the device's first version."]})
        return Response(_diff(before, version, "structured"))


def _diff(old: ConfigVersion, new: ConfigVersion, form: str) -> dict[str, object]:
    result = compare(old, new)
    data: dict[str, object] = {"old": old.pk, "new": new.pk, **result.as_dict()}
    if form == "unified":
        data["unified"] = result.unified(str(old), str(new))
    elif form == "side_by_side":
        data["side_by_side_html"] = render_to_string(
            "backups/_diff_table.html", {"a": old, "b": new, "rows": result.side_by_side()}
        )
    return data


class CompareView(APIView):
    """Compare two versions by id: structured blocks, unified text or side-by-side HTML."""

    required_permission = "backups.view_configversion"

    @extend_schema(
        parameters=[serializers.CompareRequestSerializer],
        responses={200: serializers.DiffSerializer},
        summary="Compare two versions",
    )
    def get(self, request: Request) -> Response:
        params = serializers.CompareRequestSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        old = get_object_or_404(ConfigVersion, pk=params.validated_data["old"])
        new = get_object_or_404(ConfigVersion, pk=params.validated_data["new"])
        return Response(_diff(old, new, params.validated_data.get("layout", "structured")))


class SearchView(APIView):
    """Search current and past configurations (substring or regular expression)."""

    required_permission = "backups.view_configversion"

    @extend_schema(
        parameters=[serializers.SearchRequestSerializer],
        responses={200: serializers.SearchResultSerializer},
        summary="Search configurations",
    )
    def get(self, request: Request) -> Response:
        params = serializers.SearchRequestSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if not data["q"].strip():
            empty = search.Results(data["q"], data["regex"], 0, 0, [], 0.0)
            return Response(serializers.SearchResultSerializer(empty).data)
        from ipam.models import Site, Tag

        tag = Tag.objects.filter(name=data["tag"]).first() if data["tag"] else None
        site = Site.objects.filter(pk=data["site"]).first() if data["site"] else None
        if data["tag"] and tag is None:
            raise ValidationError({"tag": [f"No tag named {data['tag']!r}."]})
        if data["site"] and site is None:
            raise ValidationError({"site": [f"No site with id {data['site']}."]})
        try:
            results = search.search(
                data["q"],
                regex=data["regex"],
                ignore_case=not data["case"],
                devices=search_devices(data["platform"], tag, site),
                current_only=data["current"],
                limit=data["limit"],
            )
        except search.SearchError as refusal:
            raise ValidationError({"q": [str(refusal)]}) from None
        return Response(serializers.SearchResultSerializer(results).data)


class TriggerView(APIView):
    """Queue backups of a device or of the devices matching a filter; returns the run ids."""

    required_permission = "backups.run_backups"

    @extend_schema(
        request=serializers.TriggerRequestSerializer,
        responses={
            202: serializers.TriggerResultSerializer,
            400: OpenApiResponse(description="Nothing to back up, or the device is unknown."),
            429: OpenApiResponse(description="Too many backup requests: wait a minute."),
        },
        summary="Back up now",
    )
    def post(self, request: Request) -> Response:
        params = serializers.TriggerRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        devices = stats.eligible()
        if data.get("device"):
            devices = Device.objects.filter(pk=data["device"])
            if not devices.exists():
                raise ValidationError({"device": [f"No device with id {data['device']}."]})
        if data.get("tag"):
            devices = devices.filter(tags__name=data["tag"])
        if data.get("platform"):
            devices = devices.filter(platform=data["platform"])
        if data.get("site"):
            devices = devices.filter(site=data["site"])
        runs, refused = [], {}
        for device in devices.distinct().order_by("name"):
            why = fetch.refusal(device)
            if why:
                refused[device.name] = why
            else:
                runs.append(fetch.start(device, request.user).pk)
        return Response({"runs": runs, "refused": refused}, status=status.HTTP_202_ACCEPTED)


class StatisticsView(APIView):
    """The dashboard's figures: totals, success rate, activity, 30-day trend, health, storage."""

    required_permission = "backups.view_configversion"

    @extend_schema(responses={200: serializers.StatisticsSerializer}, summary="Backup statistics")
    def get(self, request: Request) -> Response:
        return Response(stats.dashboard().as_dict())


class BackupScheduleViewSet(viewsets.ModelViewSet):
    """Backup schedules by tag, platform, role or site, on an interval or a cron line."""

    queryset = BackupSchedule.objects.all()
    serializer_class = serializers.BackupScheduleSerializer
    pagination_class = StandardPagination
    filterset_class = BackupScheduleFilter

    def get_serializer_context(self) -> dict[str, object]:
        # Every schedule's next run in one query, not one per row.
        from backups.jobs import next_runs

        return {
            **super().get_serializer_context(),
            "next_runs": next_runs(list(BackupSchedule.objects.all())),
        }

    @extend_schema(
        request=None, responses={202: serializers.TriggerResultSerializer}, summary="Run now"
    )
    @action(detail=True, methods=["post"], url_path="run-now")
    def run_now(self, request: Request, pk: str | None = None) -> Response:
        if not request.user.has_perm("backups.run_backups"):
            return Response(
                {"detail": "Running backups needs the run_backups permission."}, status=403
            )
        schedule = self.get_object()
        runs = [r.pk for r in fetch.start_many(schedule.devices(), request.user)]
        return Response({"runs": runs, "refused": {}}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None, responses={200: serializers.BackupScheduleSerializer}, summary="Enable"
    )
    @action(detail=True, methods=["post"])
    def enable(self, request: Request, pk: str | None = None) -> Response:
        return self._set(True)

    @extend_schema(
        request=None, responses={200: serializers.BackupScheduleSerializer}, summary="Disable"
    )
    @action(detail=True, methods=["post"])
    def disable(self, request: Request, pk: str | None = None) -> Response:
        return self._set(False)

    def _set(self, enabled: bool) -> Response:
        if not self.request.user.has_perm("backups.change_backupschedule"):
            return Response(
                {"detail": "Changing schedules needs the change permission."}, status=403
            )
        schedule = self.get_object()
        schedule.enabled = enabled
        schedule.save()
        return Response(serializers.BackupScheduleSerializer(schedule).data)
