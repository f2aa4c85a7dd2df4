"""Webhook pages: admin only, kinds as checkboxes, write-only secret, delivery log, send test."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from netkeep import webhooks
from netkeep.models import Event, EventKind, Webhook, WebhookDelivery

SECRET = "s3cret-value-that-must-never-show"


@pytest.fixture
def hook(db: None) -> Webhook:
    return Webhook.objects.create(
        name="ops",
        url="https://hooks.example.test/netkeep",
        kinds=["host_down", "port_opened"],
        format="slack",
        secret=SECRET,
    )


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    calls: list[tuple[int, int, int]] = []
    monkeypatch.setattr(
        webhooks, "enqueue", lambda w, e, attempt, at=None: calls.append((w, e, attempt))
    )
    return calls


def form_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "chat",
        "url": "https://chat.example.test/hook",
        "format": "discord",
        "kinds": ["host_down", "host_up"],
        "enabled": "on",
    }
    return {**data, **overrides}


PAGES = ["webhook_list", "webhook_create", "webhook_edit"]


@pytest.mark.parametrize("name", PAGES)
def test_webhook_pages_are_for_admins_only(
    viewer_client: Client, editor_client: Client, noaccess_client: Client, hook: Webhook, name: str
) -> None:
    url = reverse(f"netkeep:{name}", args=[hook.pk] if name == "webhook_edit" else [])
    for who in (viewer_client, editor_client, noaccess_client):
        assert who.get(url).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_webhook_pages_send_anonymous_visitors_to_the_login(
    client: Client, hook: Webhook, name: str
) -> None:
    url = reverse(f"netkeep:{name}", args=[hook.pk] if name == "webhook_edit" else [])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_non_admins_cannot_send_tests_or_delete(
    editor_client: Client, hook: Webhook, queued: list
) -> None:
    assert editor_client.post(reverse("netkeep:webhook_test", args=[hook.pk])).status_code == 403
    assert editor_client.post(reverse("netkeep:webhook_delete", args=[hook.pk])).status_code == 403
    assert queued == [] and Webhook.objects.filter(pk=hook.pk).exists()


def test_the_list_says_whether_a_secret_is_set_but_never_shows_it(
    admin_client: Client, hook: Webhook
) -> None:
    Webhook.objects.create(name="plain", url="https://x.example.test/", kinds=[])
    html = admin_client.get(reverse("netkeep:webhook_list")).content.decode()
    assert SECRET not in html
    assert ">set</td>" in html and "not set" in html
    assert "none: nothing is sent" in html
    assert "Slack" in html and "Host down" in html and "Port opened" in html


def test_the_edit_page_never_renders_the_secret_back(admin_client: Client, hook: Webhook) -> None:
    html = admin_client.get(reverse("netkeep:webhook_edit", args=[hook.pk])).content.decode()
    assert SECRET not in html
    assert "Secret: <strong>set</strong>" in html
    assert 'type="checkbox" name="kinds" value="host_down"' in html and "checked" in html


def test_an_admin_creates_a_webhook_with_kinds_and_a_secret(admin_client: Client, db: None) -> None:
    response = admin_client.post(reverse("netkeep:webhook_create"), form_data(secret="abc"))
    hook = Webhook.objects.get(name="chat")
    assert response.status_code == 302
    assert hook.kinds == ["host_down", "host_up"] and hook.format == "discord"
    assert hook.secret == "abc"


def test_a_blank_secret_keeps_the_stored_one(admin_client: Client, hook: Webhook) -> None:
    admin_client.post(
        reverse("netkeep:webhook_edit", args=[hook.pk]), form_data(name="ops", secret="")
    )
    hook.refresh_from_db()
    assert hook.secret == SECRET and hook.name == "ops" and hook.format == "discord"


def test_the_secret_can_be_replaced_or_removed(admin_client: Client, hook: Webhook) -> None:
    url = reverse("netkeep:webhook_edit", args=[hook.pk])
    admin_client.post(url, form_data(name="ops", secret="new-one"))
    hook.refresh_from_db()
    assert hook.secret == "new-one"
    admin_client.post(url, form_data(name="ops", clear_secret="on"))
    hook.refresh_from_db()
    assert hook.secret == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": "not a url"}, "Enter a valid URL"),
        ({"url": "ftp://files.example.test/drop"}, "is not an http(s) URL"),
        ({"kinds": ["host_down", "reboot_everything"]}, "Select a valid choice"),
        ({"format": "xml"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"name": "ops"}, "already exists"),
    ],
)
def test_bad_input_is_a_field_error(
    admin_client: Client, hook: Webhook, overrides: dict, message: str
) -> None:
    response = admin_client.post(reverse("netkeep:webhook_create"), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Webhook.objects.count() == 1


def test_typing_a_secret_and_removing_it_at_once_is_an_error(
    admin_client: Client, hook: Webhook
) -> None:
    response = admin_client.post(
        reverse("netkeep:webhook_edit", args=[hook.pk]),
        form_data(name="ops", secret="x", clear_secret="on"),
    )
    assert response.status_code == 400
    assert "not both" in response.content.decode()
    hook.refresh_from_db()
    assert hook.secret == SECRET


def test_send_test_queues_one_delivery_to_this_webhook_only(
    admin_client: Client, hook: Webhook, queued: list, django_capture_on_commit_callbacks: Any
) -> None:
    other = Webhook.objects.create(name="other", url="https://o.example.test/", kinds=["host_down"])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("netkeep:webhook_test", args=[hook.pk]))
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.kind == "host_down" and event.details["test"] is True
    assert queued == [(hook.pk, event.pk, 1)]
    assert other.pk not in [w for w, _, _ in queued]


def test_the_delivery_log_shows_response_codes_and_errors(
    admin_client: Client, hook: Webhook
) -> None:
    event = Event.objects.create(kind=EventKind.HOST_DOWN, object_repr="198.18.0.9")
    WebhookDelivery.objects.create(
        webhook=hook, event=event, attempt=1, status_code=200, delivered=True
    )
    WebhookDelivery.objects.create(
        webhook=hook,
        event=event,
        attempt=2,
        status_code=503,
        error="the receiver answered HTTP 503",
    )
    html = admin_client.get(reverse("netkeep:webhook_edit", args=[hook.pk])).content.decode()
    assert ">200</td>" in html and ">503</td>" in html
    assert "the receiver answered HTTP 503" in html and "delivered" in html


def test_the_delivery_log_queries_are_bounded(admin_client: Client, hook: Webhook) -> None:
    event = Event.objects.create(kind=EventKind.HOST_DOWN, object_repr="198.18.0.9")
    WebhookDelivery.objects.create(webhook=hook, event=event, attempt=1, status_code=500)
    url = reverse("netkeep:webhook_edit", args=[hook.pk])
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for i in range(2, 40):
        e = Event.objects.create(kind=EventKind.HOST_UP, object_repr=f"198.18.0.{i}")
        WebhookDelivery.objects.create(webhook=hook, event=e, attempt=1, status_code=500)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many) == len(few)


def test_an_admin_deletes_a_webhook(admin_client: Client, hook: Webhook) -> None:
    response = admin_client.post(reverse("netkeep:webhook_delete", args=[hook.pk]))
    assert response.status_code == 302 and not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("old", "new"),
    [("/discovery/webhooks/", "/webhooks/"), ("/discovery/webhooks/new/", "/webhooks/new/")],
)
def test_the_old_discovery_addresses_redirect_to_the_webhook_pages(
    admin_client: Client, hook: Webhook, old: str, new: str
) -> None:
    response = admin_client.get(old)
    assert response.status_code == 301 and response["Location"] == new
    edit = admin_client.get(f"/discovery/webhooks/{hook.pk}/")
    assert edit.status_code == 301 and edit["Location"] == f"/webhooks/{hook.pk}/"
