"""Events fan out to webhooks; deliveries are signed, logged and retried with backoff.

Receivers are real HTTP servers on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.utils import timezone

from netkeep import events, webhooks
from netkeep.models import Event, EventKind, Webhook, WebhookDelivery
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


class Receiver:
    """Answers each POST with the next status in `statuses` (the last one repeats)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                index = min(len(receiver.requests) - 1, len(receiver.statuses) - 1)
                self.send_response(receiver.statuses[index])
                self.end_headers()
                self.wfile.write(b"thanks")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver([200])
    yield server
    server.close()


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int, Any]]:
    calls: list[tuple[int, int, int, Any]] = []
    monkeypatch.setattr(
        webhooks, "enqueue", lambda w, e, attempt, at=None: calls.append((w, e, attempt, at))
    )
    return calls


def make_event(kind: str = EventKind.HOST_DOWN) -> Event:
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.5", hostname="nas")
    return Event.objects.create(
        kind=kind, object_id=str(host.pk), object_repr=str(host), details={"rtt_ms": None}
    )


def test_an_event_is_queued_for_subscribed_webhooks_only_after_commit(
    queued: list, django_capture_on_commit_callbacks: Any
) -> None:
    down = Webhook.objects.create(name="down", url="http://127.0.0.1:9/", kinds=["host_down"])
    Webhook.objects.create(name="ports", url="http://127.0.0.1:9/", kinds=["port_opened"])
    Webhook.objects.create(
        name="off", url="http://127.0.0.1:9/", kinds=["host_down"], enabled=False
    )
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.5")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        event = events.record(EventKind.HOST_DOWN, host, last_seen=None)
        assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [(down.pk, event.pk, 1, None)]
    assert event.object_repr == "198.18.0.5"


def test_a_delivery_is_signed_with_the_webhook_secret(receiver: Receiver, queued: list) -> None:
    hook = Webhook.objects.create(
        name="ops", url=receiver.url, kinds=["host_down"], secret="topsecret"
    )
    event = make_event()
    assert webhooks.deliver(hook.pk, event.pk) == "delivered"
    headers, body = receiver.requests[0]
    expected = hmac.new(b"topsecret", body, hashlib.sha256).hexdigest()
    assert headers["X-Netkeep-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["kind"] == "host_down"
    assert payload["object"]["repr"] == "198.18.0.5 nas"
    assert "topsecret" not in body.decode()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivered, delivery.status_code, delivery.response_excerpt) == (
        True,
        200,
        "thanks",
    )
    assert queued == []


def test_a_failed_delivery_is_retried_with_growing_delays_then_given_up(queued: list) -> None:
    server = Receiver([500])
    try:
        hook = Webhook.objects.create(name="ops", url=server.url, kinds=["host_down"])
        event = make_event()
        for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
            webhooks.deliver(hook.pk, event.pk, attempt)
    finally:
        server.close()
    rows = list(WebhookDelivery.objects.order_by("attempt"))
    assert [r.status_code for r in rows] == [500] * webhooks.MAX_ATTEMPTS
    assert not any(r.delivered for r in rows)
    delays = [(r.next_retry_at - r.at).total_seconds() for r in rows[:-1]]
    assert all(later > earlier for earlier, later in itertools.pairwise(delays))
    assert delays[0] >= webhooks.BACKOFF_BASE_S - 1
    assert rows[-1].next_retry_at is None
    assert [c[2] for c in queued] == list(range(2, webhooks.MAX_ATTEMPTS + 1))
    assert "HTTP 500" in rows[0].error


def test_a_retry_that_succeeds_stops_the_retries(queued: list) -> None:
    server = Receiver([503, 200])
    try:
        hook = Webhook.objects.create(name="ops", url=server.url, kinds=["host_down"])
        event = make_event()
        assert webhooks.deliver(hook.pk, event.pk, 1) == "retry scheduled"
        assert webhooks.deliver(hook.pk, event.pk, 2) == "delivered"
        assert webhooks.deliver(hook.pk, event.pk, 3).startswith("skipped")
    finally:
        server.close()
    assert len(server.requests) == 2


def test_the_same_attempt_twice_posts_once(receiver: Receiver, queued: list) -> None:
    hook = Webhook.objects.create(name="ops", url=receiver.url, kinds=["host_down"])
    event = make_event()
    WebhookDelivery.objects.create(webhook=hook, event=event, attempt=1, error="in flight")
    assert webhooks.deliver(hook.pk, event.pk, 1).startswith("skipped")
    assert receiver.requests == []


def test_an_unreachable_receiver_is_logged_with_the_reason(queued: list) -> None:
    server = Receiver([200])
    url = server.url
    server.close()  # nothing listens there any more
    hook = Webhook.objects.create(name="ops", url=url, kinds=["host_down"])
    event = make_event()
    assert webhooks.deliver(hook.pk, event.pk, 1) == "retry scheduled"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code is None
    assert "refused" in delivery.error.lower()


@pytest.mark.parametrize(
    ("fmt", "key"), [("discord", "content"), ("slack", "text"), ("generic", "details")]
)
def test_each_format_has_its_own_payload(fmt: str, key: str) -> None:
    hook = Webhook(name="x", url="http://127.0.0.1:9/", format=fmt)
    payload = webhooks.payload(hook, make_event())
    assert key in payload
    text = json.dumps(payload)
    assert "198.18.0.5" in text


def test_lost_retries_are_requeued_by_the_safety_net(queued: list) -> None:
    hook = Webhook.objects.create(name="ops", url="http://127.0.0.1:9/", kinds=["host_down"])
    event = make_event()
    WebhookDelivery.objects.create(
        webhook=hook,
        event=event,
        attempt=1,
        next_retry_at=timezone.now() - timezone.timedelta(hours=1),
    )
    assert webhooks.retry_due() == 1
    assert queued == [(hook.pk, event.pk, 2, None)]
