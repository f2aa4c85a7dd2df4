"""Inventory API viewsets: devices with nested interfaces, sites and credential sets."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory import checks
from inventory import jobs as inventory_jobs
from inventory.api import serializers
from inventory.filters import (
    CredentialSetFilter,
    DeviceFilter,
    ServiceCheckFilter,
    SiteFilter,
)
from inventory.models import CredentialSet, Device, ServiceCheck
from ipam.api.views import CleanDeleteMixin
from ipam.models import Site
from netkeep.api.pagination import StandardPagination


class DeviceViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Devices with their interfaces; a POST or PUT writes both in one transaction."""

    serializer_class = serializers.DeviceSerializer
    pagination_class = StandardPagination
    filterset_class = DeviceFilter
    ordering_fields = ["name", "last_test_at"]

    def get_queryset(self) -> QuerySet[Device]:
        return Device.objects.with_related().prefetch_related(
            "interfaces__host", "device_credentials__credential_set"
        )

    def get_permissions(self) -> Any:
        if self.action in ("test", "detect"):
            self.required_permission = "inventory.run_device_jobs"
        elif self.action == "platform":
            self.required_permission = "inventory.change_device"
        return super().get_permissions()

    def _start(self, kind: str) -> Response:
        device = self.get_object()
        run = inventory_jobs.start(kind, device, self.request.user)
        data = {"run": run.pk, "kind": run.kind, "status": run.status}
        return Response(
            serializers.RunStartedSerializer(data).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        request=None,
        responses={202: serializers.RunStartedSerializer},
        summary="Queue a connection test (returns its run id)",
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        return self._start(inventory_jobs.TEST)

    @extend_schema(
        request=None,
        responses={202: serializers.RunStartedSerializer},
        summary="Queue platform detection (returns its run id)",
    )
    @action(detail=True, methods=["post"])
    def detect(self, request: Request, pk: str | None = None) -> Response:
        return self._start(inventory_jobs.DETECT)

    @extend_schema(
        request=serializers.PlatformDecisionSerializer,
        responses={200: serializers.DeviceSerializer},
        summary="Accept or dismiss the platform that detection suggested",
    )
    @action(detail=True, methods=["post"])
    def platform(self, request: Request, pk: str | None = None) -> Response:
        device = self.get_object()
        decision = serializers.PlatformDecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        try:
            device.settle_suggested_platform(accept=decision.validated_data["action"] == "accept")
        except DjangoValidationError as error:
            return Response({"action": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(serializers.DeviceSerializer(device, context={"request": request}).data)


class SiteViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Sites: devices and subnets may belong to one."""

    queryset = Site.objects.all()
    serializer_class = serializers.SiteSerializer
    pagination_class = StandardPagination
    filterset_class = SiteFilter
    ordering_fields = ["name"]


class CredentialSetViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Credential sets: secrets are write-only, the response says which are set."""

    queryset = CredentialSet.objects.prefetch_related("default_for_sites", "default_for_tags")
    serializer_class = serializers.CredentialSetSerializer
    pagination_class = StandardPagination
    filterset_class = CredentialSetFilter
    ordering_fields = ["name", "priority"]


class ServiceCheckViewSet(viewsets.ModelViewSet):
    """Service checks (HTTP(S) and TCP) with their history."""

    queryset = ServiceCheck.objects.select_related("device").order_by("name", "id")
    serializer_class = serializers.ServiceCheckSerializer
    pagination_class = StandardPagination
    filterset_class = ServiceCheckFilter
    ordering_fields = ["name", "status", "last_change"]

    @extend_schema(responses=serializers.CheckHistorySerializer)
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        check = self.get_object()
        data = {
            "uptime_24h": checks.uptime(check, 1),
            "uptime_7d": checks.uptime(check, 7),
            "uptime_30d": checks.uptime(check, 30),
            "changes": check.changes.all()[:200],
        }
        return Response(serializers.CheckHistorySerializer(data).data)


class ServicesView(APIView):
    """The live snapshot of every service check in one call: status, latency, last change."""

    queryset = ServiceCheck.objects.none()  # for the model permission check (view_servicecheck)

    @extend_schema(responses=serializers.ServiceSnapshotSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(serializers.ServiceSnapshotSerializer(checks.snapshot(), many=True).data)
