"""The backup job above the SSH transport: versions, events, failures, facts (transport faked)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backups import fetch, transport
from backups.models import ConfigVersion
from bench import synthetic_configs
from inventory import ssh
from inventory.models import DeviceCredential
from netkeep import jobs
from netkeep.models import Event, EventKind
from tests.factories import make_credential_set, make_device, make_host, make_subnet

pytestmark = pytest.mark.django_db

CONFIG = "\n".join(synthetic_configs.config(3)) + "\n"


@pytest.fixture(autouse=True)
def allowed(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24"]


@pytest.fixture
def device() -> Any:
    host = make_host("198.18.0.3", subnet=make_subnet("198.18.0.0/24"))
    sw = make_device("sw-3", platform="cisco_ios", management_host=host)
    DeviceCredential.objects.create(device=sw, credential_set=make_credential_set(), position=0)
    return sw


def fake(monkeypatch: pytest.MonkeyPatch, make: Callable[[], transport.Fetched]) -> list[Any]:
    calls: list[Any] = []

    def fetched(*args: Any, **kwargs: Any) -> transport.Fetched:
        calls.append((args, kwargs))
        return make()

    monkeypatch.setattr(transport, "fetch", fetched)
    return calls


def ok(config: str = CONFIG, **extra: str) -> Callable[[], transport.Fetched]:
    return lambda: transport.Fetched(
        ssh.Diagnosis.OK, "", [config], dict(extra), "ops", "ssh-ed25519 AAAAkey", "sw-3#"
    )


def backup(device: Any) -> jobs.Run:
    run = jobs.enqueue(fetch.KIND, target=device.name, queue=False, device=device.pk)
    fetch.run_backup(run.pk)
    run.refresh_from_db()
    return run


def test_a_first_backup_stores_a_version_and_pins_the_host_key(
    monkeypatch: Any, device: Any
) -> None:
    fake(monkeypatch, ok())
    run = backup(device)
    assert run.status == jobs.RunStatus.SUCCEEDED, run.error_message
    assert run.counts["first"] and run.counts["version"] == 1
    assert ConfigVersion.objects.filter(device=device).count() == 1
    device.refresh_from_db()
    assert device.ssh_host_key == "ssh-ed25519 AAAAkey"


def test_an_unchanged_config_is_not_a_new_version(monkeypatch: Any, device: Any) -> None:
    fake(monkeypatch, ok())
    backup(device)
    run = backup(device)
    assert run.status == jobs.RunStatus.SUCCEEDED
    assert not run.counts["changed"] and not run.counts["first"]
    assert ConfigVersion.objects.filter(device=device).count() == 1


def test_a_change_is_a_version_and_an_event_with_a_diff_summary(
    monkeypatch: Any, device: Any
) -> None:
    fake(monkeypatch, ok())
    backup(device)
    fake(monkeypatch, ok(CONFIG.replace("logging trap informational", "logging trap debugging")))
    run = backup(device)
    assert run.counts["changed"] and (run.counts["added"], run.counts["removed"]) == (1, 1)
    event = Event.objects.get(kind=EventKind.CONFIG_CHANGED)
    assert event.details["summary"] == ["- logging trap informational", "+ logging trap debugging"]


@pytest.mark.parametrize(
    "output",
    [
        CONFIG[: len(CONFIG) // 2],
        CONFIG.replace("end\n", " --More-- "),
        "% Invalid input detected\n",
    ],
)
def test_incomplete_output_fails_the_run_and_stores_nothing(
    monkeypatch: Any, device: Any, output: str
) -> None:
    fake(monkeypatch, ok(output))
    run = backup(device)
    assert run.status == jobs.RunStatus.FAILED
    assert run.error_class == "IncompleteOutput"
    assert not ConfigVersion.objects.exists()
    assert Event.objects.filter(kind=EventKind.BACKUP_FAILED).count() == 1


def test_a_failed_login_is_a_failed_run_with_its_diagnosis(monkeypatch: Any, device: Any) -> None:
    fake(monkeypatch, lambda: transport.Fetched(ssh.Diagnosis.AUTH_FAILED, "tried ops"))
    run = backup(device)
    assert run.status == jobs.RunStatus.FAILED
    assert run.error_class == ssh.Diagnosis.AUTH_FAILED
    assert "tried ops" in run.error_message


def test_a_device_outside_the_allowlist_is_refused_without_connecting(
    monkeypatch: Any, device: Any, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    calls = fake(monkeypatch, ok())
    run = backup(device)
    assert run.status == jobs.RunStatus.FAILED and calls == []
    assert "allowlist" in run.error_message


def test_the_credential_password_is_masked_when_the_device_prints_it(
    monkeypatch: Any, device: Any
) -> None:
    fake(monkeypatch, ok(CONFIG.replace("snmp-server location Building A", "banner s3cret-pass")))
    backup(device)
    from backups.versions import text_of

    assert "s3cret-pass" not in text_of(ConfigVersion.objects.get())


def test_show_version_fills_the_device_facts(monkeypatch: Any, device: Any) -> None:
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "data" / "backups" / "facts"
    fake(monkeypatch, ok(version=(data / "cisco_ios_show_version.txt").read_text()))
    backup(device)
    device.refresh_from_db()
    assert (device.serial, device.model, device.os_version) == (
        "FOC1234X0AB",
        "WS-C2960X-48FPD-L",
        "15.2(7)E4",
    )


def test_arp_entries_set_ipam_macs(monkeypatch: Any, device: Any) -> None:
    from pathlib import Path

    target = make_host("198.18.0.20", subnet=device.management_host.subnet)
    data = Path(__file__).resolve().parent.parent / "data" / "backups" / "facts"
    fake(monkeypatch, ok(arp=(data / "cisco_ios_show_ip_arp.txt").read_text()))
    run = backup(device)
    target.refresh_from_db()
    assert target.mac == "00:11:22:33:44:66"
    assert run.counts["arp_macs"] >= 1


def test_a_different_arp_mac_becomes_a_reconciliation_item(monkeypatch: Any, device: Any) -> None:
    from pathlib import Path

    from discovery.models import ReconciliationItem

    target = make_host("198.18.0.20", subnet=device.management_host.subnet, mac="00:00:00:00:00:01")
    data = Path(__file__).resolve().parent.parent / "data" / "backups" / "facts"
    fake(monkeypatch, ok(arp=(data / "cisco_ios_show_ip_arp.txt").read_text()))
    backup(device)
    item = ReconciliationItem.objects.get(host=target)
    assert item.details == {"documented": "00:00:00:00:00:01", "seen": "00:11:22:33:44:66"}
    target.refresh_from_db()
    assert target.mac == "00:00:00:00:00:01"  # the documented value stands until accepted


def test_a_backup_turns_the_cdp_table_into_links(monkeypatch: Any, device: Any) -> None:
    from pathlib import Path

    from inventory.models import InterfaceLink

    peer = make_device("dist-sw-02")
    facts_dir = Path(__file__).resolve().parent.parent / "data" / "backups" / "facts"
    output = (facts_dir / "cisco_ios_show_cdp_neighbors_detail.txt").read_text()
    fake(monkeypatch, ok(neighbours=output))
    run = backup(device)
    assert run.counts["neighbours"] == 2
    links = {
        (link.interface.name, link.remote_name, link.remote_device_id)
        for link in InterfaceLink.objects.select_related("interface")
    }
    assert links == {
        ("GigabitEthernet0/1", "dist-sw-02.corp.example.net", peer.pk),
        ("GigabitEthernet0/7", "ap-floor2-07", None),
    }
    # A backup whose neighbour table answered empty clears them; no answer keeps them.
    fake(monkeypatch, ok())
    backup(device)
    assert InterfaceLink.objects.count() == 2
    fake(monkeypatch, ok(neighbours="Total cdp entries displayed : 0\n"))
    backup(device)
    assert not InterfaceLink.objects.exists()
