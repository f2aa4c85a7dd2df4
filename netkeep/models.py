"""Cross-cutting records: events, watches and the webhooks events fan out to; CSV import previews.

This module must not import any app (ipam, discovery, ...): events point at
their object through a content type and an id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from netkeep.crypto import EncryptedTextField

if TYPE_CHECKING:
    from netkeep.types import Actor


class EventKind(models.TextChoices):
    HOST_UP = "host_up", "Host up"
    HOST_DOWN = "host_down", "Host down"
    HOST_NEW = "host_new", "New host"
    PORT_OPENED = "port_opened", "Port opened"
    PORT_CLOSED = "port_closed", "Port closed"
    PTR_CHANGED = "ptr_changed", "PTR changed"
    CONFIG_CHANGED = "config_changed", "Configuration changed"
    BACKUP_FAILED = "backup_failed", "Backup failed"
    BACKUP_OVERDUE = "backup_overdue", "Backup overdue"
    SERVICE_DOWN = "service_down", "Service down"
    SERVICE_UP = "service_up", "Service up"
    SERVICE_DEGRADED = "service_degraded", "Service degraded"


class EventQuerySet(models.QuerySet["Event"]):
    def for_object(self, obj: models.Model) -> EventQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        )


class Event(models.Model):
    """Something that happened to an object (a host went down, a port opened, ...)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"]),
            models.Index(fields=["kind", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.object_repr}"

    @property
    def summary(self) -> str:
        """The details in words ("version 3 (was 2): 1 line added, 0 removed")."""
        from netkeep.events import summary

        return summary(self)

    @property
    def diff_lines(self) -> list[str]:
        """A config change's changed lines ("- old", "+ new"); empty for other kinds."""
        from netkeep.events import diff_lines

        return diff_lines(self)


class Watch(models.Model):
    """A person's watch on one object (a subnet, host or device): its events come first."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="watches")
    # Addressed like Event's object, so events and watches meet without knowing the apps.
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_watch_per_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.content_type.model} {self.object_id}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    PREVIEWING = "previewing", "Checking rows"
    READY = "ready", "Preview ready"
    APPLYING = "applying", "Applying"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


class ImportBatchQuerySet(models.QuerySet["ImportBatch"]):
    def visible_to(self, user: Actor) -> ImportBatchQuerySet:
        """A user sees their own uploads."""
        return self.filter(user=user) if getattr(user, "pk", None) else self.none()

    def prune(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Forget previews nobody applied and finished imports older than a day."""
        horizon = timezone.now() - older_than
        return self.filter(created__lt=horizon).delete()[0]


class ImportBatch(models.Model):
    """One uploaded CSV file: its stored preview (every row's planned outcome) and its fate."""

    kind = models.CharField(max_length=30)
    mode = models.CharField(max_length=8)
    user = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.CASCADE, related_name="import_batches"
    )
    filename = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0, help_text="Data rows in the file.")
    done = models.PositiveIntegerField(default=0, help_text="Rows checked so far (progress).")
    auto_apply = models.BooleanField(
        default=False, help_text="Apply as soon as the preview allows it (API, dry_run false)."
    )
    counts = models.JSONField(default=dict, blank=True, help_text="create/update/skip/error.")
    # The upload (zlib) until the preview is computed; kept for row-by-row importers,
    # whose apply runs the rows again.
    source = models.BinaryField(default=b"")
    # The batched importer's plan (zlib JSON): what apply writes without checking again.
    plan = models.BinaryField(default=b"")
    valid_only = models.BooleanField(default=False)
    message = models.TextField(blank=True, help_text="Why it failed, or the outcome.")
    run = models.ForeignKey(
        "netkeep.Run",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The background job previewing or applying it (the latest one).",
    )
    finished = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.kind} import #{self.pk} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        """A worker is (or will be) busy with it: pages poll for progress."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.PREVIEWING, ImportStatus.APPLYING)

    @property
    def percent(self) -> int:
        """The job's progress while one works on it; 100 once settled."""
        if not self.is_active:
            return 100
        if self.run is not None and self.run.is_active:
            return min(99, self.run.percent)
        return 0

    def follow_run(self) -> None:
        """Fail with the reason of a job that stopped without settling this batch.

        A worker that died (its heartbeat stopped, so the reaper failed its run)
        leaves the batch previewing or applying. An apply writes in one
        transaction, so nothing of it was kept.
        """
        if not self.is_active or self.run_id is None:
            return
        from netkeep.jobs import RunStatus, reap_stale_runs

        reap_stale_runs(pk=self.run_id)
        self.run = run = Run.objects.get(pk=self.run_id)
        if run.status not in (RunStatus.FAILED, RunStatus.PARTIAL):
            return
        message = f"The import job stopped: {run.error_message or 'no reason given'}"
        if self.status == ImportStatus.APPLYING:
            message += " Nothing was written: upload the file again."
        ImportBatch.objects.filter(pk=self.pk, status=self.status).update(
            status=ImportStatus.FAILED, message=message, finished=run.finished or timezone.now()
        )
        self.refresh_from_db()


class ImportRow(models.Model):
    """One row's outcome in a stored preview, kept for paging through it."""

    # No index of its own: the (batch, action, line) index serves it.
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    line = models.PositiveIntegerField()
    action = models.CharField(max_length=8)
    label = models.CharField(max_length=200)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["line"]
        indexes = [models.Index(fields=["batch", "action", "line"])]

    def __str__(self) -> str:
        return f"line {self.line}: {self.action} {self.label}"


class WebhookFormat(models.TextChoices):
    GENERIC = "generic", "Generic JSON"
    DISCORD = "discord", "Discord"
    SLACK = "slack", "Slack"


def _validate_kinds(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValidationError("Choose the event kinds as a list, for example ['host_down'].")
    unknown = sorted(set(value) - set(EventKind.values))
    if unknown:
        known = ", ".join(EventKind.values)
        raise ValidationError(f"Unknown event kind(s) {', '.join(unknown)}: choose from {known}.")


class Webhook(models.Model):
    """A URL that receives the events of the kinds it subscribes to."""

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField("URL", max_length=500)
    kinds = models.JSONField(
        default=list,
        blank=True,
        validators=[_validate_kinds],
        help_text="Event kinds to send; empty sends nothing.",
    )
    format = models.CharField(
        max_length=8, choices=WebhookFormat.choices, default=WebhookFormat.GENERIC
    )
    secret = EncryptedTextField(
        blank=True,
        help_text="Signs each request (X-Netkeep-Signature: sha256=HMAC). Stored encrypted.",
    )
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("netkeep:webhook_edit", args=[self.pk])

    def subscribes_to(self, kind: str) -> bool:
        return self.enabled and kind in (self.kinds or [])


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook, with what the receiver answered."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    delivered = models.BooleanField(default=False)
    next_retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt is due; empty: no more attempts."
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            # Tasks are delivered at least once: a repeated task for the same
            # attempt finds this row and does nothing.
            models.UniqueConstraint(
                fields=["webhook", "event", "attempt"], name="netkeep_delivery_unique_attempt"
            )
        ]

    def __str__(self) -> str:
        outcome = "delivered" if self.delivered else (self.error or f"HTTP {self.status_code}")
        return f"{self.webhook} #{self.event_id} attempt {self.attempt}: {outcome}"


# The jobs module's model lives in its package; importing it here registers it with the app.
from netkeep.jobs.models import Run as Run  # noqa: E402
