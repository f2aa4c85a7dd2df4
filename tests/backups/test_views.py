"""Backups pages and API: the permission matrix, masked by default, audited unmasking, diffs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry
from backups import profiles, store
from backups.models import BackupSchedule, ConfigVersion
from bench import synthetic_configs
from tests.factories import make_device

pytestmark = pytest.mark.django_db

CANARY = "Kanary9xVIEW"


@pytest.fixture
def world() -> dict[str, Any]:
    device = make_device("sw-9", platform="cisco_ios")
    profile = profiles.get("cisco_ios")
    lines = synthetic_configs.config(9)
    lines.insert(5, f"snmp-server community {CANARY} RO")
    first = store.save(device, profiles.process(profile, ["\n".join(lines) + "\n"])).version
    lines.insert(-1, "ip route 203.0.113.0 255.255.255.0 10.0.0.9")
    second = store.save(device, profiles.process(profile, ["\n".join(lines) + "\n"])).version
    schedule = BackupSchedule.objects.create(name="nightly", cron="0 2 * * *")
    return {"device": device, "first": first, "second": second, "schedule": schedule}


def url(name: str, world: dict[str, Any], *keys: str) -> str:
    return reverse(name, args=[world[k].pk for k in keys])


READS = [
    ("backups:index", ()),
    ("backups:search", ()),
    ("backups:device", ("device",)),
    ("backups:version", ("second",)),
    ("backups:version_download", ("second",)),
    ("backups:diff", ("first", "second")),
    ("backups:schedule_list", ()),
]


@pytest.mark.parametrize(("name", "keys"), READS)
def test_every_role_reads_and_no_role_is_refused(
    world: dict[str, Any], viewer_client: Client, noaccess_client: Client, name: str, keys: tuple
) -> None:
    assert viewer_client.get(url(name, world, *keys)).status_code == 200
    assert noaccess_client.get(url(name, world, *keys)).status_code == 403


@pytest.mark.parametrize(
    ("name", "keys"),
    [("backups:backup_now", ("device",)), ("backups:schedule_run_now", ("schedule",))],
)
def test_running_backups_needs_an_editor(
    world: dict[str, Any], viewer_client: Client, name: str, keys: tuple
) -> None:
    assert viewer_client.post(url(name, world, *keys)).status_code == 403


def test_a_version_is_masked_and_unmasking_is_for_admins_and_audited(
    world: dict[str, Any], editor_client: Client, admin_client: Client
) -> None:
    page = url("backups:version", world, "second")
    assert CANARY not in editor_client.get(page).content.decode()
    assert editor_client.get(page + "?raw=1").status_code == 403
    assert (
        CANARY
        not in editor_client.get(url("backups:version_download", world, "second")).content.decode()
    )
    shown = admin_client.get(page + "?raw=1")
    assert shown.status_code == 200 and CANARY in shown.content.decode()
    entry = AuditEntry.objects.get(action="view")
    assert entry.object_id == str(world["second"].pk) and entry.username == "alice"


def test_the_diff_shows_exactly_the_change(world: dict[str, Any], viewer_client: Client) -> None:
    side = viewer_client.get(url("backups:diff", world, "first", "second")).content.decode()
    assert "ip route 203.0.113.0 255.255.255.0 10.0.0.9" in side and "+1" in side
    unified = viewer_client.get(url("backups:diff", world, "first", "second") + "?view=unified")
    text = unified.content.decode()
    assert "+ip route 203.0.113.0 255.255.255.0 10.0.0.9" in text
    assert CANARY not in text


def test_search_page_finds_the_line_and_refuses_bad_patterns(
    world: dict[str, Any], viewer_client: Client
) -> None:
    found = viewer_client.get(reverse("backups:search"), {"q": "203.0.113.0"}).content.decode()
    assert "sw-9" in found and "v2" in found
    assert (
        CANARY
        not in viewer_client.get(reverse("backups:search"), {"q": "community"}).content.decode()
    )
    bad = viewer_client.get(reverse("backups:search"), {"q": "(a+)+", "regex": "on"})
    assert bad.status_code == 400 and "Nested" in bad.content.decode()


def test_the_schedule_form_refuses_a_bad_cron_line(
    world: dict[str, Any], editor_client: Client
) -> None:
    response = editor_client.post(
        reverse("backups:schedule_create"), {"name": "bad", "enabled": "on", "cron": "every day"}
    )
    assert response.status_code == 200 and "not a cron line" in response.content.decode()
    assert not BackupSchedule.objects.filter(name="bad").exists()


# API ------------------------------------------------------------------------------


def test_api_versions_never_carry_secrets(world: dict[str, Any], viewer_client: Client) -> None:
    listing = viewer_client.get("/api/backups/versions").json()
    assert listing["count"] == 2
    detail = viewer_client.get(f"/api/backups/versions/{world['second'].pk}").json()
    assert "hostname sw-00009" in detail["text"] and CANARY not in detail["text"]
    assert "secrets" not in detail


def test_api_compare_structured_unified_and_side_by_side(
    world: dict[str, Any], viewer_client: Client
) -> None:
    params = {"old": world["first"].pk, "new": world["second"].pk}
    structured = viewer_client.get("/api/backups/compare", params).json()
    assert (structured["added"], structured["removed"]) == (1, 0)
    assert structured["blocks"][0]["added"] == ["ip route 203.0.113.0 255.255.255.0 10.0.0.9"]
    assert 0.99 < structured["similarity"] < 1
    unified = viewer_client.get("/api/backups/compare", {**params, "layout": "unified"}).json()
    assert "+ip route 203.0.113.0" in unified["unified"]
    side = viewer_client.get("/api/backups/compare", {**params, "layout": "side_by_side"}).json()
    assert "<table" in side["side_by_side_html"]
    previous = viewer_client.get(f"/api/backups/versions/{world['second'].pk}/previous").json()
    assert previous["added"] == 1


def test_api_search_and_statistics(world: dict[str, Any], viewer_client: Client) -> None:
    found = viewer_client.get("/api/backups/search", {"q": "203.0.113.0"}).json()
    assert found["hits"][0]["device_name"] == "sw-9"
    assert found["hits"][0]["ranges"][0]["first_seq"] == 2
    bad = viewer_client.get("/api/backups/search", {"q": "[", "regex": "true"})
    assert bad.status_code == 400 and "q" in bad.json()
    stats = viewer_client.get("/api/backups/statistics").json()
    assert stats["devices"] == 1 and len(stats["trend"]) == 30


def test_api_deleting_a_version_is_for_admins_audited_and_keeps_the_chain(
    world: dict[str, Any], editor_client: Client, admin_client: Client
) -> None:
    first = world["first"]
    assert editor_client.delete(f"/api/backups/versions/{first.pk}").status_code == 403
    assert admin_client.delete(f"/api/backups/versions/{first.pk}").status_code == 204
    assert AuditEntry.objects.filter(action="delete", object_id=str(first.pk)).exists()
    remaining = ConfigVersion.objects.get()
    assert "ip route 203.0.113.0 255.255.255.0 10.0.0.9" in store.lines_of(remaining)


def test_api_schedules_enable_disable_and_run_now_permissions(
    world: dict[str, Any], viewer_client: Client, editor_client: Client
) -> None:
    pk = world["schedule"].pk
    assert viewer_client.post(f"/api/backups/schedules/{pk}/disable").status_code == 403
    disabled = editor_client.post(f"/api/backups/schedules/{pk}/disable")
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert viewer_client.post(f"/api/backups/schedules/{pk}/run-now").status_code == 403
    created = editor_client.post(
        "/api/backups/schedules",
        {"name": "hourly", "interval_minutes": 60, "platform": "cisco_ios"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    both = editor_client.post(
        "/api/backups/schedules",
        {"name": "both", "interval_minutes": 60, "cron": "0 * * * *"},
        content_type="application/json",
    )
    assert both.status_code == 400 and "cron" in both.json()


def test_api_trigger_needs_something_to_back_up(
    world: dict[str, Any], editor_client: Client
) -> None:
    response = editor_client.post("/api/backups/trigger", {}, content_type="application/json")
    assert response.status_code == 400
    refused = editor_client.post(
        "/api/backups/trigger", {"device": world["device"].pk}, content_type="application/json"
    ).json()
    assert refused["runs"] == [] and "sw-9" in refused["refused"]


def test_the_backups_lists_are_styled_tables_like_every_other_list(
    viewer_client: Client, world: dict[str, Any]
) -> None:
    for name, keys in (("backups:index", ()), ("backups:device", ("device",))):
        html = viewer_client.get(url(name, world, *keys)).content.decode()
        tables = re.findall(r'<table class="([^"]*)"', html)
        assert tables and all("table" in c.split() for c in tables), (name, tables)
    html = viewer_client.get(url("backups:schedule_list", world)).content.decode()
    assert '<table class="table list">' in html
