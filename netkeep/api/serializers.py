"""The API's base serializer, and the webhook endpoints' serializers (secrets write-only)."""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from netkeep.models import ImportBatch, Run, Webhook, WebhookDelivery


class FullCleanSerializer(serializers.ModelSerializer):
    """Runs the model's full_clean() on a copy of the object, so the API and the forms agree.

    Django ValidationErrors become field errors (400), never a 500.
    """

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        attrs = super().validate(attrs)
        model: type[models.Model] = self.Meta.model
        many = {f.name for f in model._meta.many_to_many}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name not in many:
                setattr(instance, name, value)
        self.prepare_instance(instance, attrs)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        return attrs

    def prepare_instance(self, instance: models.Model, attrs: dict[str, object]) -> None:
        """Hook to fill fields the client may leave out before full_clean()."""


class WebhookSerializer(FullCleanSerializer):
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        style={"input_type": "password"},
        help_text="Write-only. Leave out to keep the current secret; empty removes it.",
    )
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = Webhook
        fields = [
            "id",
            "name",
            "url",
            "kinds",
            "format",
            "secret",
            "has_secret",
            "enabled",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]

    def get_has_secret(self, webhook: Webhook) -> bool:
        return bool(webhook.secret)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "attempt",
            "at",
            "status_code",
            "response_excerpt",
            "error",
            "delivered",
            "next_retry_at",
        ]
        read_only_fields = fields


class ImportBatchSerializer(serializers.ModelSerializer):
    """A stored CSV import: follow `url` until `status` is ready, applied or failed."""

    url = serializers.HyperlinkedIdentityField(view_name="api:importbatch-detail")
    rows_url = serializers.HyperlinkedIdentityField(view_name="api:importbatch-rows")
    counts = serializers.DictField(child=serializers.IntegerField())
    percent = serializers.IntegerField(read_only=True)
    run: serializers.PrimaryKeyRelatedField[Run] = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The background job previewing or applying it, on /api/jobs/ (null when the "
        "file was small enough to do at once).",
    )

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "url",
            "rows_url",
            "run",
            "kind",
            "mode",
            "filename",
            "status",
            "total",
            "done",
            "percent",
            "counts",
            "message",
            "auto_apply",
            "valid_only",
            "created",
            "finished",
        ]
        read_only_fields = fields


class ImportRowSerializer(serializers.Serializer):
    """One row's outcome (the import's answer and a stored preview's rows alike)."""

    line = serializers.IntegerField()
    action = serializers.ChoiceField(choices=["create", "update", "skip", "error"])
    label = serializers.CharField()  # type: ignore[assignment]
    message = serializers.CharField(allow_blank=True)


class ImportRowPageSerializer(serializers.Serializer):
    """One page of a stored import's rows (StandardPagination's shape)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ImportRowSerializer(many=True)


class ImportApplySerializer(serializers.Serializer):
    valid_only = serializers.BooleanField(
        default=False, help_text="Write the valid rows even when others have errors."
    )
