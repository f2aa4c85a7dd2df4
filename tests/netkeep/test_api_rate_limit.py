"""Every API endpoint that queues jobs answers a user's rate limit with 429 and its words."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from backups.models import BackupSchedule
from netkeep.jobs import Run, queue
from tests.factories import make_device, make_host, make_subnet

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/15"]
    monkeypatch.setattr(queue, "RATE_LIMIT", (0, 60))
    subnet = make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.1", subnet)
    device = make_device("edge1", platform="cisco_ios", management_host=host)
    schedule = BackupSchedule.objects.create(name="nightly", cron="0 2 * * *")
    return {"subnet": subnet, "device": device, "schedule": schedule}


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/discovery/runs", {"kind": "sweep", "target": "198.18.0.0/24"}),
        ("/api/discovery/ping", {"ips": ["198.18.0.1"]}),
        ("/api/discovery/scan", {"targets": [{"cidr": "198.18.0.0/28"}]}),
        ("/api/inventory/devices/{device}/test", {}),
        ("/api/backups/trigger", {"device": "{device}"}),
        ("/api/backups/schedules/{schedule}/run-now", {}),
    ],
)
def test_a_rate_limited_request_gets_429_with_what_to_wait_for(
    alice: User, world: dict[str, Any], url: str, body: dict[str, Any]
) -> None:
    pks = {name: obj.pk for name, obj in world.items()}
    client = APIClient()
    client.force_authenticate(alice)
    data = {k: v.format(**pks) if isinstance(v, str) else v for k, v in body.items()}
    response = client.post(url.format(**pks), data, format="json")
    assert response.status_code == 429, response.content
    assert "wait a minute" in response.json()["detail"]
    assert not Run.objects.exists()
