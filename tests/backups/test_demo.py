"""The generated demo devices and backups of `make run`: pages work on them, nothing connects."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from backups import transport
from backups.models import ConfigVersion
from backups.versions import text_of
from inventory.models import Device, InterfaceLink
from netkeep.jobs import Run, RunStatus
from tests.factories import make_hosts, make_subnet

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> list[Device]:
    monkeypatch.setattr(transport, "fetch", lambda *a, **k: pytest.fail("no SSH in the demo"))
    subnet = make_subnet("198.18.0.0/24")
    make_hosts(subnet, [f"198.18.0.{i}" for i in range(10, 20)], status="up")
    call_command("seed_demo_devices", verbosity=0)
    return list(Device.objects.order_by("name"))


def test_demo_devices_get_facts_links_and_a_history_of_versions(seeded: list[Device]) -> None:
    assert len(seeded) == 6
    assert all(d.serial and d.model and d.facts_read_at for d in seeded)
    assert InterfaceLink.objects.exclude(remote_device=None).count() == 5
    for device in seeded:
        versions = ConfigVersion.objects.filter(device=device)
        assert versions.count() > 2
        assert "demo-community" not in text_of(versions.order_by("-seq").first())
    changed = Run.objects.filter(counts__changed=True)
    assert changed.exists() and all(r.counts["added"] + r.counts["removed"] for r in changed)
    failed = Run.objects.filter(target="access-sw-02", status=RunStatus.FAILED)
    assert failed.count() == 2


def test_the_backup_pages_show_the_demo(seeded: list[Device], admin_client: Client) -> None:
    fleet = admin_client.get(reverse("backups:index")).content.decode()
    assert fleet.index("access-sw-02") < fleet.index("core-sw-01")  # failures first
    device = seeded[0]
    assert admin_client.get(reverse("backups:device", args=[device.pk])).status_code == 200
    old, new = ConfigVersion.objects.filter(device=device).order_by("-seq")[:2][::-1]
    diff = admin_client.get(reverse("backups:diff", args=[old.pk, new.pk]))
    assert diff.status_code == 200


def test_if_empty_adds_nothing_the_second_time(seeded: list[Device]) -> None:
    counts = (Device.objects.count(), ConfigVersion.objects.count(), Run.objects.count())
    call_command("seed_demo_devices", "--if-empty", verbosity=0)
    assert (Device.objects.count(), ConfigVersion.objects.count(), Run.objects.count()) == counts
