"""The host CSV export: every cell as the import reads it back, times as isoformat() writes them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from ipam.models import VRF, Host
from tests.factories import make_host, make_subnet, make_tag

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_an_exported_last_seen_is_the_times_isoformat_in_utc_whole_or_fractional(
    viewer_client, settings
):
    settings.TIME_ZONE = "Asia/Kolkata"  # the export writes UTC whatever the zone
    net = make_subnet("198.51.100.0/24")
    times = {
        "198.51.100.1": datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC),
        "198.51.100.2": datetime(2026, 3, 1, 12, 0, 5, 500000, tzinfo=UTC),
        "198.51.100.3": datetime(2026, 3, 1, 12, 0, 5, 1, tzinfo=UTC),
        "198.51.100.4": None,
    }
    for address, seen in times.items():
        make_host(address, subnet=net, last_seen=seen)
    rows = _rows(viewer_client.get(reverse("ipam:export", args=["hosts"])))
    assert {r["address"]: r["last_seen"] for r in rows} == {
        address: seen.isoformat() if seen else "" for address, seen in times.items()
    }
    assert rows[1]["last_seen"] == "2026-03-01T12:00:05.500000+00:00"


def test_every_free_text_cell_of_a_host_row_is_defused_and_nothing_else_changes(viewer_client):
    vrf = VRF.objects.create(name="=vrf")
    net = make_subnet("198.51.100.0/24", vrf=vrf)
    host = make_host("198.51.100.9", subnet=net, hostname="web", description="+1", notes="-note")
    Host.objects.filter(pk=host.pk).update(mac="@mac")  # written past the form's check
    host.tags.set([make_tag("@ops"), make_tag("core")])
    make_host("198.51.100.10", subnet=net, hostname="db", description="plain, with a comma")
    rows = _rows(viewer_client.get(reverse("ipam:export", args=["hosts"])))
    assert rows[0] | {"last_seen": ""} == {
        "address": "198.51.100.9",
        "vrf": "'=vrf",
        "subnet": "198.51.100.0/24",
        "hostname": "web",
        "description": "'+1",
        "mac": "'@mac",
        "tags": "'@ops,core",
        "notes": "'-note",
        "status": "unknown",
        "last_seen": "",
        "origin": "documented",
    }
    assert rows[1]["description"] == "plain, with a comma" and rows[1]["tags"] == ""


def test_an_empty_host_export_is_its_header(viewer_client):
    response = viewer_client.get(reverse("ipam:export", args=["hosts"]))
    assert b"".join(response.streaming_content).decode().splitlines() == [
        "address,vrf,subnet,hostname,description,mac,tags,notes,status,last_seen,origin"
    ]
