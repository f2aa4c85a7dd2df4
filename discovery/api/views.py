"""Discovery API: scan requests and runs, status history, open ports, events, and
the two synchronous seed endpoints (ping a few addresses, sweep a few small networks)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from discovery import history, icmp, nmap, scans, scope
from discovery.api import serializers
from discovery.eventlog import EventFilter
from discovery.models import OpenPort
from discovery.sweep import ping_settings, sweep_now
from ipam.models import Host
from netkeep.api.pagination import StandardPagination
from netkeep.jobs import Run
from netkeep.jobs.filters import RunFilter, refs_filter
from netkeep.models import Event

SPANS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


class PingUnavailableError(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "ping_unavailable"


def _refused(error: Exception, field: str = "detail") -> ValidationError:
    return ValidationError({field: [str(error)]})


class ScanRunFilter(RunFilter):
    subnet = refs_filter("subnet")
    host = refs_filter("host")

    class Meta(RunFilter.Meta):
        fields = [*RunFilter.Meta.fields, "subnet", "host"]


class RunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Scan runs with their progress; POST asks for a scan (needs the run-scans permission)."""

    # Read permission is the run's own (netkeep.view_run), as on the Jobs page.
    queryset = Run.objects.select_related("started_by")
    serializer_class = serializers.ScanRunSerializer
    pagination_class = StandardPagination
    filterset_class = ScanRunFilter
    ordering_fields = ["created", "finished", "status"]

    def get_permissions(self) -> Any:
        if self.action == "create":
            self.required_permission = "discovery.run_scans"
        return super().get_permissions()

    @extend_schema(
        request=serializers.ScanRequestSerializer,
        responses={
            202: serializers.ScanRunSerializer,
            400: OpenApiResponse(description="Bad target, out of scope, or unknown profile."),
            429: OpenApiResponse(description="Too many scan requests: wait a minute."),
        },
        summary="Ask for a scan (returns the run already queued or running for that target)",
    )
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        params = serializers.ScanRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            run = scans.enqueue_scan(
                data["kind"], data["target"], request.user, profile=data["profile"]
            )
        except nmap.UnknownProfile as error:
            raise _refused(error, "profile") from None
        except (scope.ScopeError, ValueError) as error:
            raise _refused(error, "target") from None
        out = serializers.ScanRunSerializer(run, context={"request": request})
        return Response(out.data, status=status.HTTP_202_ACCEPTED)


class OpenPortViewSet(viewsets.ReadOnlyModelViewSet):
    """Ports found open on hosts; `current=false` once a later scan no longer sees them."""

    queryset = OpenPort.objects.select_related("host")
    serializer_class = serializers.OpenPortSerializer
    pagination_class = StandardPagination
    filterset_fields = ["host", "port", "protocol", "current", "service"]
    ordering_fields = ["port", "last_seen", "first_seen"]


class EventAPIFilter(EventFilter):
    """The events page's filters, plus the exact object id older clients use."""

    object_id = django_filters.CharFilter(label="Object id (exact)")

    class Meta(EventFilter.Meta):
        fields = [*EventFilter.Meta.fields, "object_id"]


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    """Events (host up/down, new host, port opened/closed, ...), newest first.

    The events page's filters: kind, type, object (`host:12`, with what it
    contains), name, site, period or since/until, watched.
    """

    queryset = Event.objects.select_related("content_type")
    serializer_class = serializers.EventSerializer
    pagination_class = StandardPagination
    filterset_class = EventAPIFilter
    ordering_fields = ["at"]


class HostHistoryViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Per host: uptime over 24 h / 7 d / 30 d and a latency series."""

    queryset = Host.objects.all()
    serializer_class = serializers.HostHistorySerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "span", str, enum=list(SPANS), description="Latency series span (default 24h)."
            )
        ],
        summary="A host's status history",
    )
    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        host = self.get_object()
        span = SPANS.get(request.query_params.get("span", "24h"))
        if span is None:
            raise ValidationError({"span": [f"Choose one of {', '.join(SPANS)}."]})
        now = timezone.now()
        data = {
            "host": host.pk,
            "address": host.address,
            "status": host.status,
            "status_changed_at": host.status_changed_at,
            "last_seen": host.last_seen,
            "uptime": history.uptimes(host, now),
            "latency": history.latency_series(host, span, now),
        }
        return Response(serializers.HostHistorySerializer(data).data)


def _sweep(addresses: list[scope.Address]) -> list[icmp.PingResult]:
    try:
        return icmp.sweep(addresses, **ping_settings())
    except icmp.PingUnavailable as error:
        raise PingUnavailableError(str(error)) from None


class PingView(APIView):
    """Ping up to 256 addresses inside the allowlist and say which answered."""

    required_permission = "discovery.run_scans"

    @extend_schema(
        request=serializers.PingRequestSerializer,
        responses={
            200: serializers.PingResultSerializer(many=True),
            400: OpenApiResponse(description="An address is malformed or outside the allowlist."),
            429: OpenApiResponse(description="Too many scan requests: wait a minute."),
            503: OpenApiResponse(description="This server may not send ICMP (says what to fix)."),
        },
        summary="Ping addresses now",
    )
    def post(self, request: Request) -> Response:
        params = serializers.PingRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        scans.check_rate(request.user)
        results = _sweep(params.validated_data["ips"])
        out = [{"ip": r.address, "alive": r.alive, "latency_ms": r.rtt_ms} for r in results]
        return Response(serializers.PingResultSerializer(out, many=True).data)


class ScanView(APIView):
    """Sweep small networks inside the allowlist now; alive hosts with their PTR names."""

    required_permission = "discovery.run_scans"

    @extend_schema(
        request=serializers.SweepRequestSerializer,
        responses={
            200: serializers.SweepResultSerializer,
            400: OpenApiResponse(description="A target is malformed, too large or out of scope."),
            429: OpenApiResponse(description="Too many scan requests: wait a minute."),
            503: OpenApiResponse(description="This server may not send ICMP (says what to fix)."),
        },
        summary="Sweep networks now",
    )
    def post(self, request: Request) -> Response:
        params = serializers.SweepRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        scans.check_rate(request.user)
        server = data.get("dns_server")
        try:
            result = sweep_now(data["targets"], [str(server)] if server else None)
        except icmp.PingUnavailable as error:
            raise PingUnavailableError(str(error)) from None
        return Response(serializers.SweepResultSerializer(result).data)
