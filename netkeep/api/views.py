"""Netkeep's own API: webhooks with their delivery log; stored CSV imports."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Authenticated, HasRole, PasswordChanged, TokenScope
from netkeep import importing
from netkeep.api import serializers
from netkeep.api.pagination import StandardPagination
from netkeep.filters import WebhookFilter
from netkeep.models import ImportBatch, ImportStatus, Webhook


class WebhookViewSet(viewsets.ModelViewSet):
    """Webhooks subscribed to event kinds; the secret is write-only."""

    queryset = Webhook.objects.all()
    serializer_class = serializers.WebhookSerializer
    pagination_class = StandardPagination
    filterset_class = WebhookFilter
    ordering_fields = ["name"]

    @extend_schema(responses={200: serializers.WebhookDeliverySerializer(many=True)})
    # The webhook list's filters do not apply to one webhook's log (nor are documented).
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The delivery log of this webhook, newest first."""
        webhook = self.get_object()
        page = self.paginate_queryset(webhook.deliveries.order_by("-at", "-id"))
        out = serializers.WebhookDeliverySerializer(page, many=True)
        return self.get_paginated_response(out.data)


@extend_schema(deprecated=True)
class DiscoveryWebhookViewSet(WebhookViewSet):
    """The same webhooks at their old address, /api/discovery/webhooks (use /api/webhooks)."""


class ImportBatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Your stored CSV imports: progress, the preview row by row, and applying it."""

    serializer_class = serializers.ImportBatchSerializer
    pagination_class = StandardPagination
    # Each user sees their own uploads only; applying asks the importer's model permissions.
    permission_classes = [TokenScope, PasswordChanged, Authenticated, HasRole]
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created"]

    def get_queryset(self) -> QuerySet[ImportBatch]:
        batches = ImportBatch.objects.visible_to(self.request.user).select_related("run")
        return batches.defer("source", "plan")

    def get_object(self) -> ImportBatch:
        batch: ImportBatch = super().get_object()
        batch.follow_run()
        return batch

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "action",
                str,
                enum=["create", "update", "skip", "error"],
                description="Only rows with this outcome.",
            ),
            OpenApiParameter("page", int, description="Page number (1, 2, …)."),
            OpenApiParameter("page_size", int, description="Rows per page (50; at most 1000)."),
        ],
        responses={200: serializers.ImportRowPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def rows(self, request: Request, pk: str | None = None) -> Response:
        """Every row's outcome, in file order, paginated."""
        batch = self.get_object()
        rows = batch.rows.order_by("line")
        wanted = request.query_params.get("action")
        if wanted is not None:
            if wanted not in ("create", "update", "skip", "error"):
                raise ValidationError({"action": "Choose create, update, skip or error."})
            rows = rows.filter(action=wanted)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializers.ImportRowSerializer(page, many=True).data)

    @extend_schema(
        request=serializers.ImportApplySerializer,
        responses={
            202: serializers.ImportBatchSerializer,
            409: serializers.ImportBatchSerializer,
            429: OpenApiResponse(description="Too many import jobs: wait a minute."),
        },
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        """Write the previewed rows (in a job when the file is large); 409 unless ready."""
        # A role that may import nothing is refused before any lookup: 403, not 404.
        if not importing.may_import(request.user):
            raise PermissionDenied("Your role may not import rows.")
        batch = self.get_object()
        params = serializers.ImportApplySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        importer = importing.get_importer(batch.kind)
        if not request.user.has_perms(importer.permissions(batch.mode)):
            raise PermissionDenied("Your role may not import these rows.")
        if batch.status != ImportStatus.READY:
            out = serializers.ImportBatchSerializer(batch, context={"request": request})
            return Response(out.data, status=status.HTTP_409_CONFLICT)
        valid_only = bool(params.validated_data["valid_only"])
        batch = importing.start_apply(batch, valid_only)
        out = serializers.ImportBatchSerializer(batch, context={"request": request})
        return Response(out.data, status=status.HTTP_202_ACCEPTED)
