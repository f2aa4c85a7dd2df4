"""The backup job above the SSH transport: versions, events, failures, facts (transport faked)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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
FACTS = Path(__file__).resolve().parent.parent / "data" / "backups" / "facts"


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
        # As the real session does: the extra commands run unless `extra_wanted` says no.
        calls.append((args, kwargs))
        result = make()
        wanted = kwargs.get("extra_wanted")
        result.extra_read = result.ok and (wanted is None or wanted(result.outputs))
        if not result.extra_read:
            result.extra = {}
        return result

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
    fake(monkeypatch, ok(version=(FACTS / "cisco_ios_show_version.txt").read_text()))
    backup(device)
    device.refresh_from_db()
    assert (device.serial, device.model, device.os_version) == (
        "FOC1234X0AB",
        "WS-C2960X-48FPD-L",
        "15.2(7)E4",
    )


def test_arp_entries_set_ipam_macs(monkeypatch: Any, device: Any) -> None:
    target = make_host("198.18.0.20", subnet=device.management_host.subnet)
    fake(monkeypatch, ok(arp=(FACTS / "cisco_ios_show_ip_arp.txt").read_text()))
    run = backup(device)
    target.refresh_from_db()
    assert target.mac == "00:11:22:33:44:66"
    assert run.counts["arp_macs"] >= 1


def test_a_different_arp_mac_becomes_a_reconciliation_item(monkeypatch: Any, device: Any) -> None:
    from discovery.models import ReconciliationItem

    target = make_host("198.18.0.20", subnet=device.management_host.subnet, mac="00:00:00:00:00:01")
    fake(monkeypatch, ok(arp=(FACTS / "cisco_ios_show_ip_arp.txt").read_text()))
    backup(device)
    item = ReconciliationItem.objects.get(host=target)
    assert item.details == {"documented": "00:00:00:00:00:01", "seen": "00:11:22:33:44:66"}
    target.refresh_from_db()
    assert target.mac == "00:00:00:00:00:01"  # the documented value stands until accepted


def test_a_backup_turns_the_cdp_table_into_links(
    monkeypatch: Any, device: Any, settings: Any
) -> None:
    from inventory.models import InterfaceLink

    settings.NETKEEP_BACKUP_FACTS_HOURS = 0  # every backup below reads the neighbours

    peer = make_device("dist-sw-02")
    output = (FACTS / "cisco_ios_show_cdp_neighbors_detail.txt").read_text()
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


SHOW_VERSION = FACTS / "cisco_ios_show_version.txt"


def _facts_read(monkeypatch: Any, device: Any, config: str = CONFIG) -> bool:
    fake(monkeypatch, ok(config, version=SHOW_VERSION.read_text()))
    run = backup(device)
    assert run.status == jobs.RunStatus.SUCCEEDED, run.error_message
    return bool(run.counts["facts_read"])


def test_facts_are_read_on_the_first_backup_then_not_while_fresh_and_unchanged(
    monkeypatch: Any, device: Any, settings: Any
) -> None:
    settings.NETKEEP_BACKUP_FACTS_HOURS = 24
    assert _facts_read(monkeypatch, device)
    device.refresh_from_db()
    assert device.facts_read_at is not None and device.serial == "FOC1234X0AB"
    assert not _facts_read(monkeypatch, device)


def test_a_changed_config_reads_the_facts_even_when_they_are_fresh(
    monkeypatch: Any, device: Any, settings: Any
) -> None:
    settings.NETKEEP_BACKUP_FACTS_HOURS = 24
    _facts_read(monkeypatch, device)
    changed = CONFIG.replace("logging trap informational", "logging trap debugging")
    assert _facts_read(monkeypatch, device, changed)


def test_facts_older_than_the_interval_are_read_again(
    monkeypatch: Any, device: Any, settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from inventory.models import Device

    settings.NETKEEP_BACKUP_FACTS_HOURS = 24
    _facts_read(monkeypatch, device)
    Device.objects.filter(pk=device.pk).update(
        facts_read_at=timezone.now() - timedelta(hours=24, seconds=1)
    )
    assert _facts_read(monkeypatch, device)


def test_an_interval_of_zero_reads_the_facts_on_every_backup(
    monkeypatch: Any, device: Any, settings: Any
) -> None:
    settings.NETKEEP_BACKUP_FACTS_HOURS = 0
    assert _facts_read(monkeypatch, device)
    assert _facts_read(monkeypatch, device)


def test_the_session_sends_the_fact_commands_only_when_wanted(monkeypatch: Any) -> None:
    from contextlib import contextmanager

    sent: list[str] = []

    class Connection:
        base_prompt = "sw"

        def find_prompt(self) -> str:
            raise AssertionError("the prompt is read off the output, not asked for")

        def send_command(self, command: str, strip_prompt: bool = True, **kwargs: Any) -> str:
            sent.append(command)
            text = CONFIG if command == "show running-config" else "facts"
            return text if strip_prompt else f"{text}\nsw#"

    @contextmanager
    def session(*args: Any, **kwargs: Any) -> Any:
        yield Connection()

    monkeypatch.setattr(ssh, "session", session)
    creds = ssh.Credentials("ops", "netops", "pw")
    extra = {"version": "show version"}
    for wanted, expected in ((lambda outputs: False, False), (lambda outputs: True, True)):
        sent.clear()
        got = transport._session(
            "cisco_ios", "198.18.0.3", creds, "", 22, ["show running-config"], extra, wanted
        )
        assert got.ok and got.extra_read is expected and got.prompt == "sw#"
        assert got.outputs == [CONFIG]
        assert sent == ["show running-config", *(["show version"] if expected else [])]
        assert got.extra == ({"version": "facts"} if expected else {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hostname sw\nend\nsw#", ("hostname sw\nend", "sw#")),
        ("hostname sw\nend\n  sw(config)# ", ("hostname sw\nend", "sw(config)#")),
        ("hostname sw\nend", ("hostname sw\nend", "")),
        ("sw#", ("", "sw#")),
    ],
)
def test_the_prompt_is_split_off_an_output_as_netmiko_strips_it(
    text: str, expected: tuple[str, str]
) -> None:
    assert transport.split_prompt(text, "sw") == expected


def _session_result(diagnosis: str) -> Callable[..., transport.Fetched]:
    calls: list[str] = []

    def session(*args: Any, **kwargs: Any) -> transport.Fetched:
        calls.append(args[3])  # the host key the session checks against
        return transport.Fetched(diagnosis, "", ["end"] if diagnosis == ssh.Diagnosis.OK else [])

    session.calls = calls  # type: ignore[attr-defined]
    return session


def test_a_pinned_key_is_checked_by_the_session_without_a_probe(monkeypatch: Any) -> None:
    def no_probe(*args: Any) -> ssh.Probe:
        raise AssertionError("no probe when the key is pinned and the session works")

    session = _session_result(ssh.Diagnosis.OK)
    monkeypatch.setattr(ssh, "probe", no_probe)
    monkeypatch.setattr(transport, "_session", session)
    creds = [ssh.Credentials("ops", "netops", "pw")]
    got = transport._attempt(
        "cisco_ios", "198.18.0.3", creds, "ssh-ed25519  AAAA", [], {}, None, 22
    )
    assert got.ok and got.host_key == "ssh-ed25519 AAAA"
    assert session.calls == ["ssh-ed25519 AAAA"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("probe", "diagnosis", "host_key"),
    [
        (
            ssh.Probe(ssh.Diagnosis.OK, host_key="ssh-ed25519 BBBB"),
            "host_key_changed",
            "ssh-ed25519 BBBB",
        ),
        (ssh.Probe(ssh.Diagnosis.REFUSED), "refused", ""),
        (ssh.Probe(ssh.Diagnosis.OK, host_key="ssh-ed25519 AAAA"), "error", "ssh-ed25519 AAAA"),
    ],
)
def test_a_failed_session_against_a_pinned_key_is_diagnosed_by_a_probe(
    monkeypatch: Any, probe: ssh.Probe, diagnosis: str, host_key: str
) -> None:
    monkeypatch.setattr(ssh, "probe", lambda *args: probe)
    monkeypatch.setattr(transport, "_session", _session_result(ssh.Diagnosis.ERROR))
    creds = [ssh.Credentials("ops", "netops", "pw")]
    got = transport._attempt("cisco_ios", "198.18.0.3", creds, "ssh-ed25519 AAAA", [], {}, None, 22)
    assert (got.diagnosis, got.host_key) == (diagnosis, host_key)


def test_a_failed_git_export_keeps_the_version_and_says_so(
    monkeypatch: Any, device: Any, settings: Any, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings.NETKEEP_BACKUP_GIT_DIR = str(blocked / "configs")
    fake(monkeypatch, ok())
    run = backup(device)
    assert run.status == jobs.RunStatus.SUCCEEDED
    assert ConfigVersion.objects.filter(device=device).count() == 1
    assert "NotADirectoryError" in run.counts["git_export_error"]
    assert "git export failed" in fetch.summary(run)
