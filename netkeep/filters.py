"""FilterSets of the netkeep API (webhooks)."""

from __future__ import annotations

import django_filters

from netkeep.filtering import FilterSet
from netkeep.models import Webhook, WebhookFormat


class WebhookFilter(FilterSet):
    enabled = django_filters.BooleanFilter()
    # Not "format": DRF reads ?format= as the response format and answers 404 to "discord".
    payload_format = django_filters.ChoiceFilter(
        field_name="format", choices=WebhookFormat.choices, label="Payload format"
    )

    class Meta:
        model = Webhook
        fields = ["enabled", "payload_format"]
