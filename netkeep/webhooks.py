"""Webhook delivery: a payload per format, an HMAC signature, retries with backoff, a log.

Each attempt is one WebhookDelivery row, unique per (webhook, event, attempt):
the task queue delivers at least once, and a repeated task finds its row and
stops, so a receiver never gets the same attempt twice from us.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from netkeep.models import Event, EventKind, Webhook, WebhookDelivery, WebhookFormat

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_S = 30
TIMEOUT_S = 10
SIGNATURE_HEADER = "X-Netkeep-Signature"
DELIVER_TASK = "netkeep.webhooks.deliver"


def backoff(attempt: int) -> timedelta:
    """Wait before attempt `attempt + 1`: 30 s, 60 s, 120 s, 240 s, ..."""
    return timedelta(seconds=BACKOFF_BASE_S * 2 ** max(0, attempt - 1))


def summary(event: Event) -> str:
    """One line a person reads in a chat channel."""
    label = EventKind(event.kind).label if event.kind in EventKind.values else event.kind
    text = f"{label}: {event.object_repr}" if event.object_repr else label
    described = event.summary
    if described:
        text += f" ({described[:300]})"
    return text


def payload(webhook: Webhook, event: Event) -> dict[str, object]:
    """The JSON body for the webhook's format."""
    text = summary(event)
    if webhook.format == WebhookFormat.DISCORD:
        return {"username": "Netkeep", "content": f"**Netkeep** {text}"[:2000]}
    if webhook.format == WebhookFormat.SLACK:
        return {"text": f"*Netkeep* {text}"}
    ct = event.content_type
    return {
        "id": event.pk,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "object": {
            "type": ct.model if ct is not None else None,
            "app": ct.app_label if ct is not None else None,
            "id": event.object_id or None,
            "repr": event.object_repr,
        },
        "details": event.details,
        "text": text,
    }


def sign(secret: str, body: bytes) -> str:
    """The signature header value: "sha256=" + HMAC-SHA256(secret, body) in hex."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A webhook URL is used as configured: a redirect is an answer, not an instruction.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, str]:
    """POST the body; (HTTP status, start of the response). Raises OSError when unreachable."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"{url} is not an http(s) URL")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        excerpt = error.read(500).decode("utf-8", "replace") if error.fp else ""
        return error.code, excerpt


def enqueue(webhook_id: int, event_id: int, attempt: int, at: datetime | None = None) -> None:
    """Queue a delivery attempt now, or at `at` through a one-off schedule."""
    from django_q.models import Schedule
    from django_q.tasks import async_task, schedule

    if at is None:
        async_task(DELIVER_TASK, webhook_id, event_id, attempt, group="webhooks")
    else:
        schedule(
            DELIVER_TASK,
            webhook_id,
            event_id,
            attempt,
            schedule_type=Schedule.ONCE,
            repeats=1,
            next_run=at,
        )


def send_test(webhook: Webhook, user: AbstractBaseUser) -> Event:
    """Record a test event for this webhook only and queue its delivery after commit.

    Not through netkeep.events.record(): that would notify every subscribed webhook.
    """
    kind = webhook.kinds[0] if webhook.kinds else EventKind.HOST_UP
    with transaction.atomic():
        event = Event.objects.create(
            kind=kind,
            object_repr="Netkeep test delivery",
            details={"test": True, "webhook": webhook.name, "by": user.get_username()},
        )
        transaction.on_commit(lambda: enqueue(webhook.pk, event.pk, 1))
    return event


def deliver(webhook_id: int, event_id: int, attempt: int = 1) -> str:
    """Make delivery attempt `attempt`; schedule the next one on failure. Returns the outcome."""
    webhook = Webhook.objects.filter(pk=webhook_id).first()
    event = Event.objects.select_related("content_type").filter(pk=event_id).first()
    if webhook is None or event is None or not webhook.enabled:
        return "skipped: webhook or event gone, or webhook disabled"
    if WebhookDelivery.objects.filter(webhook=webhook, event=event, delivered=True).exists():
        return "skipped: already delivered"
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(webhook=webhook, event=event, attempt=attempt)
    except IntegrityError:
        return "skipped: this attempt was already made"

    body = json.dumps(payload(webhook, event), separators=(",", ":"), default=str).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Netkeep-Webhook/1",
        "X-Netkeep-Event": event.kind,
        "X-Netkeep-Delivery": str(delivery.pk),
    }
    if webhook.secret:
        headers[SIGNATURE_HEADER] = sign(webhook.secret, body)
    timeout = float(getattr(settings, "NETKEEP_WEBHOOK_TIMEOUT", TIMEOUT_S))
    try:
        status, excerpt = post(webhook.url, body, headers, timeout)
        delivery.status_code = status
        delivery.response_excerpt = excerpt[:500]
        delivery.delivered = 200 <= status < 300
        if not delivery.delivered:
            delivery.error = f"the receiver answered HTTP {status}"
    except (OSError, ValueError) as error:
        delivery.error = (str(getattr(error, "reason", "") or error) or type(error).__name__)[:500]
    if not delivery.delivered and attempt < MAX_ATTEMPTS:
        delivery.next_retry_at = timezone.now() + backoff(attempt)
    delivery.save()
    if delivery.next_retry_at is not None:
        enqueue(webhook.pk, event.pk, attempt + 1, at=delivery.next_retry_at)
    if delivery.delivered:
        return "delivered"
    log.warning(
        "webhook %s: attempt %s for event %s failed: %s",
        webhook.name,
        attempt,
        event.pk,
        delivery.error,
    )
    return "retry scheduled" if delivery.next_retry_at else "failed after the last attempt"


def retry_due(grace: timedelta = timedelta(minutes=5)) -> int:
    """Queue retries whose one-off schedule was lost (a safety net run by a schedule)."""
    horizon = timezone.now() - grace
    queued = 0
    due = WebhookDelivery.objects.filter(delivered=False, next_retry_at__lt=horizon)
    for delivery in due.select_related("webhook")[:500]:
        later = WebhookDelivery.objects.filter(
            webhook_id=delivery.webhook_id,
            event_id=delivery.event_id,
            attempt__gt=delivery.attempt,
        ).exists()
        if not later and delivery.webhook.enabled:
            enqueue(delivery.webhook_id, delivery.event_id, delivery.attempt + 1)
            queued += 1
    return queued
