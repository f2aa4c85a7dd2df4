"""Connection tests and platform detection as jobs: queued with ids only, run by the worker."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from inventory import jobs as inventory_jobs
from inventory import ssh
from inventory.addressing import host_for
from inventory.models import Device, DeviceCredential
from netkeep.jobs import Run
from tests.factories import make_credential_set, make_device, make_subnet

pytestmark = pytest.mark.django_db

CANARY = "canary-JOBS-55e1"


@pytest.fixture
def device(settings: Any) -> Device:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24"]
    make_subnet("198.18.0.0/24")
    device = make_device("edge", platform="cisco_ios", management_host=host_for("198.18.0.5"))
    cred = make_credential_set("ops", password=CANARY)
    DeviceCredential.objects.create(device=device, credential_set=cred)
    return device


def test_editors_queue_a_test_whose_run_carries_only_the_device_id(
    editor_client: Client, device: Device
) -> None:
    response = editor_client.post(reverse("inventory:device_run", args=[device.pk, "test"]))
    assert response.status_code == 302
    run = Run.objects.get()
    assert (run.kind, run.refs, run.target) == (inventory_jobs.TEST, {"device": device.pk}, "edge")
    assert CANARY not in str(Run.objects.values().get())
    # Asking again while it is queued returns the same run.
    editor_client.post(reverse("inventory:device_run", args=[device.pk, "test"]))
    assert Run.objects.count() == 1
    page = editor_client.get(reverse("inventory:device_detail", args=[device.pk]))
    assert "Connection test" in page.content.decode()


def test_viewers_and_no_role_cannot_queue_runs(
    viewer_client: Client, noaccess_client: Client, device: Device, victor: Any
) -> None:
    for client in (viewer_client, noaccess_client):
        url = reverse("inventory:device_run", args=[device.pk, "detect"])
        assert client.post(url).status_code == 403
    assert (
        noaccess_client.get(reverse("inventory:device_runs", args=[device.pk])).status_code == 403
    )
    api = APIClient()
    api.force_authenticate(victor)
    assert api.post(f"/api/inventory/devices/{device.pk}/test").status_code == 403
    assert not Run.objects.exists()


def test_the_api_returns_the_run_id(erin: Any, device: Device) -> None:
    api = APIClient()
    api.force_authenticate(erin)
    response = api.post(f"/api/inventory/devices/{device.pk}/detect")
    assert response.status_code == 202
    assert response.json()["run"] == Run.objects.get().pk


def test_the_worker_records_the_outcome_on_the_device_and_the_run(
    device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_connect(
        device_type: str, address: str, creds: list[ssh.Credentials], **kw: Any
    ) -> ssh.Result:
        seen.update(device_type=device_type, address=address, passwords=[c.password for c in creds])
        return ssh.Result(
            "ok",
            "Connected.",
            address=address,
            host_key="ssh-ed25519 AAAAkey",
            prompt="edge#",
            working="ops",
            attempts=[ssh.Attempt("ops", "ok")],
        )

    monkeypatch.setattr(ssh, "connect", fake_connect)
    run = inventory_jobs.start(inventory_jobs.TEST, device, None)
    assert inventory_jobs.run_connection_test(run.pk) == "succeeded"
    assert seen == {"device_type": "cisco_ios", "address": "198.18.0.5", "passwords": [CANARY]}
    device.refresh_from_db()
    run.refresh_from_db()
    assert (device.last_test_ok, device.last_prompt, device.ssh_host_key) == (
        True,
        "edge#",
        "ssh-ed25519 AAAAkey",
    )
    assert device.working_credential is not None and run.counts["prompt"] == "edge#"
    # A second delivery of the same task changes nothing.
    assert inventory_jobs.run_connection_test(run.pk) == "skipped"


def test_a_failed_test_fails_the_run_with_the_diagnosis(
    device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        ssh,
        "connect",
        lambda *a, **k: ssh.Result("refused", "Connection refused: nothing listens."),
    )
    run = inventory_jobs.start(inventory_jobs.TEST, device, None)
    assert inventory_jobs.run_connection_test(run.pk) == "failed"
    run.refresh_from_db()
    assert (run.error_class, run.error_message) == (
        "refused",
        "Connection refused: nothing listens.",
    )
    device.refresh_from_db()
    assert device.last_test_ok is False and device.last_test_diagnosis == "refused"


def test_the_buttons_are_disabled_with_the_reason_when_the_allowlist_refuses(
    editor_client: Client, device: Device, settings: Any
) -> None:
    page = editor_client.get(reverse("inventory:device_detail", args=[device.pk])).content.decode()
    assert "Test connection</button>" in page and "disabled title=" not in page
    settings.SCAN_ALLOWED_NETWORKS = ["198.19.0.0/24"]
    page = editor_client.get(reverse("inventory:device_detail", args=[device.pk])).content.decode()
    assert 'disabled title="198.18.0.5 is outside the scan allowlist' in page
    bad = editor_client.post(reverse("inventory:device_run", args=[device.pk, "reboot"]))
    assert bad.status_code == 404


def test_editors_accept_or_dismiss_the_platform_detection_suggested(
    editor_client: Client, viewer_client: Client, noaccess_client: Client, device: Device
) -> None:
    url = reverse("inventory:device_platform", args=[device.pk])
    Device.objects.filter(pk=device.pk).update(platform="", suggested_platform="arista_eos")
    for client in (viewer_client, noaccess_client):
        assert client.post(url, {"action": "accept"}).status_code == 403
    assert editor_client.post(url, {"action": "accept"}).status_code == 302
    device.refresh_from_db()
    assert (device.platform, device.suggested_platform) == ("arista_eos", "")
    Device.objects.filter(pk=device.pk).update(suggested_platform="linux")
    editor_client.post(url, {"action": "dismiss"})
    device.refresh_from_db()
    assert (device.platform, device.suggested_platform) == ("arista_eos", "")
    page = editor_client.post(url, {"action": "accept"}, follow=True).content.decode()
    assert "Platform detection has suggested nothing for this device." in page


def test_the_api_accepts_or_dismisses_the_suggested_platform(
    erin: Any, victor: Any, nora: Any, device: Device
) -> None:
    Device.objects.filter(pk=device.pk).update(platform="", suggested_platform="juniper_junos")
    url = f"/api/inventory/devices/{device.pk}/platform"
    api = APIClient()
    for user in (victor, nora):
        api.force_authenticate(user)
        assert api.post(url, {"action": "accept"}, format="json").status_code in (403, 404)
    api.force_authenticate(erin)
    assert api.get(f"/api/inventory/devices/{device.pk}").json()["suggested_platform"] == (
        "juniper_junos"
    )
    assert api.post(url, {"action": "maybe"}, format="json").status_code == 400
    accepted = api.post(url, {"action": "accept"}, format="json")
    assert accepted.status_code == 200
    assert (accepted.json()["platform"], accepted.json()["suggested_platform"]) == (
        "juniper_junos",
        "",
    )
    again = api.post(url, {"action": "dismiss"}, format="json")
    assert again.status_code == 400 and "suggested nothing" in str(again.json())


def test_the_device_page_lists_a_backup_run_beside_a_failed_connection_test(
    viewer_client: Client, device: Device
) -> None:
    # A backup counts its tries as a number; a connection test lists its attempts per set.
    Run.objects.create(
        kind="backup",
        target="edge",
        refs={"device": device.pk},
        status="succeeded",
        counts={"attempts": 1, "version": 2},
    )
    Run.objects.create(
        kind=inventory_jobs.TEST,
        target="edge",
        refs={"device": device.pk},
        status="failed",
        counts={
            "diagnosis": "auth_failed",
            "attempts": [{"set": "ops", "diagnosis": "auth_failed", "detail": "password refused"}],
        },
    )
    for name in ("inventory:device_detail", "inventory:device_runs"):
        page = viewer_client.get(reverse(name, args=[device.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "set ops: auth failed (password refused)" in text
        assert "version 2, unchanged" in text
