"""The admin pages for discovery and events load, and never show a webhook secret."""

from __future__ import annotations

import pytest
from django.test import Client

from discovery.models import OpenPort, RunKind, ScanRun
from netkeep.models import Event, EventKind, Webhook
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "discovery/allowednetwork",
        "netkeep/run",
        "discovery/hostsample",
        "discovery/hosthourly",
        "discovery/openport",
        "discovery/scanprofiledef",
        "discovery/reconciliationitem",
        "netkeep/event",
        "netkeep/webhook",
        "netkeep/webhookdelivery",
    ],
)
def test_each_admin_list_loads(admin_client: Client, path: str) -> None:
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.10")
    ScanRun.objects.create(kind=RunKind.SWEEP, target="198.18.0.0/24")
    OpenPort.objects.create(host=host, port=22, protocol="tcp")
    Event.objects.create(kind=EventKind.HOST_UP, object_repr="198.18.0.10")
    assert admin_client.get(f"/admin/{path}/").status_code == 200


def test_the_webhook_form_never_shows_the_secret_and_keeps_it_when_left_empty(
    admin_client: Client,
) -> None:
    hook = Webhook.objects.create(
        name="ops", url="https://hooks.example.org/x", kinds=["host_down"], secret="s3cret"
    )
    page = admin_client.get(f"/admin/netkeep/webhook/{hook.pk}/change/")
    assert page.status_code == 200
    assert "s3cret" not in page.content.decode()
    response = admin_client.post(
        f"/admin/netkeep/webhook/{hook.pk}/change/",
        {
            "name": "ops",
            "url": "https://hooks.example.org/x",
            "kinds": '["host_down", "host_up"]',
            "format": "generic",
            "secret": "",
            "enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hook.refresh_from_db()
    assert hook.secret == "s3cret"
    assert hook.kinds == ["host_down", "host_up"]


def test_scan_records_cannot_be_edited_in_the_admin(admin_client: Client) -> None:
    run = ScanRun.objects.create(kind=RunKind.SWEEP, target="198.18.0.0/24")
    assert admin_client.get("/admin/netkeep/run/add/").status_code == 403
    page = admin_client.get(f"/admin/netkeep/run/{run.pk}/change/")
    assert page.status_code == 200
    assert 'name="target"' not in page.content.decode()


def test_admin_pages_need_staff(editor_client: Client) -> None:
    assert editor_client.get("/admin/netkeep/webhook/").status_code in (302, 403)
