"""Backups against real SSH servers in the lab: fakenos emulators speaking Cisco IOS and Arista EOS.

Covers the path below the job: the SSH transport (credential sets in order, the
pinned host key, timeouts), the platform profiles on what a device really prints,
and the store (first version, unchanged re-run, a change and its exact diff).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backups import diff, profiles, store, transport
from bench import synthetic_configs
from inventory import ssh
from tests.lab.netns import Lab
from tests.lab.sshlab import FakeDevice

IOS_ADDRESS = "198.18.0.3"
EOS_ADDRESS = "198.18.0.5"
GOOD = ssh.Credentials("ops", "netops", "lab-password-1")
WRONG = ssh.Credentials("old", "netops", "not-the-password")


def ios_config(extra: str = "") -> str:
    lines = synthetic_configs.config(7)
    if extra:
        lines.insert(-1, extra)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def ios(lab: Lab) -> Iterator[FakeDevice]:
    device = FakeDevice(
        lab, "lab-ios", IOS_ADDRESS, "cisco_ios", outputs={"show running-config": ios_config()}
    ).start()
    yield device
    device.close()


def fetch(lab: Lab, device: FakeDevice, sets: list[ssh.Credentials], pin: str) -> transport.Fetched:
    profile = profiles.get(device.platform)
    with lab.enter():
        return transport.fetch(
            device.platform, device.address, sets, pin, profile.commands, attempts=1
        )


def test_a_wrong_password_then_a_set_that_works(lab: Lab, ios: FakeDevice) -> None:
    result = fetch(lab, ios, [WRONG, GOOD], "")
    assert result.ok, result.message
    assert result.working == "ops"
    assert result.host_key == ios.host_key
    assert "hostname sw-00007" in result.outputs[0]


def test_every_set_refused_says_so(lab: Lab, ios: FakeDevice) -> None:
    result = fetch(lab, ios, [WRONG], "")
    assert result.diagnosis == ssh.Diagnosis.AUTH_FAILED
    assert "old" in result.message


@pytest.mark.django_db
def test_first_backup_unchanged_rerun_then_a_change_with_its_exact_diff(
    lab: Lab, ios: FakeDevice
) -> None:
    from inventory.models import Device

    device = Device.objects.create(name="lab-ios", platform="cisco_ios")
    profile = profiles.get("cisco_ios")
    first = store.save(
        device, profiles.process(profile, fetch(lab, ios, [GOOD], ios.host_key).outputs)
    )
    again = store.save(
        device, profiles.process(profile, fetch(lab, ios, [GOOD], ios.host_key).outputs)
    )
    assert first.created and not again.created
    ios.restart(
        outputs={"show running-config": ios_config("ip route 203.0.113.0 255.255.255.0 10.0.0.9")}
    )
    try:
        changed = store.save(
            device, profiles.process(profile, fetch(lab, ios, [GOOD], ios.host_key).outputs)
        )
    finally:
        ios.restart(outputs={"show running-config": ios_config()})
    assert changed.created
    result = diff.compute(
        store.lines_of(first.version), store.lines_of(changed.version), profile.is_volatile
    )
    assert (result.added, result.removed) == (1, 0)
    assert result.blocks[0].new == ("ip route 203.0.113.0 255.255.255.0 10.0.0.9",)


def test_a_truncated_config_is_refused(lab: Lab, ios: FakeDevice) -> None:
    truncated = "\n".join(ios_config().splitlines()[:200]) + "\n"
    ios.restart(outputs={"show running-config": truncated})
    try:
        outputs = fetch(lab, ios, [GOOD], ios.host_key).outputs
    finally:
        ios.restart(outputs={"show running-config": ios_config()})
    with pytest.raises(profiles.IncompleteOutput, match="truncated"):
        profiles.process(profiles.get("cisco_ios"), outputs)


def test_a_changed_host_key_stops_before_any_password_is_sent(lab: Lab, ios: FakeDevice) -> None:
    pinned = ios.host_key
    ios.restart(new_key=True)
    result = fetch(lab, ios, [GOOD], pinned)
    assert result.diagnosis == ssh.Diagnosis.HOST_KEY_CHANGED
    assert result.host_key == ios.host_key != pinned


def test_arista_eos_through_its_own_profile(lab: Lab) -> None:
    config = (
        "! Command: show running-config\nhostname leaf-lab\n"
        "snmp-server community Kanary9xLAB ro\ninterface Ethernet1\n   description spine\nend\n"
    )
    eos = FakeDevice(
        lab, "lab-eos", EOS_ADDRESS, "arista_eos", outputs={"show running-config": config}
    )
    eos.start()
    try:
        result = fetch(lab, eos, [GOOD], "")
    finally:
        eos.close()
    assert result.ok, result.message
    processed = profiles.process(profiles.get("arista_eos"), result.outputs)
    assert "hostname leaf-lab" in processed.lines
    assert "Kanary9xLAB" not in processed.text
