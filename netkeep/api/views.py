"""Netkeep's own API: webhooks subscribed to event kinds, with their delivery log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from netkeep.api import serializers
from netkeep.api.pagination import StandardPagination
from netkeep.filters import WebhookFilter
from netkeep.models import Webhook


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
