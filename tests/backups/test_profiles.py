"""Platform profiles on recorded outputs: secrets masked, volatile lines ignored, cuts caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from backups import profiles
from backups.profiles import MASK, IncompleteOutput, process

DATA = Path(__file__).resolve().parent.parent / "data" / "backups"
CANARY = "Kanary9x"


def recorded(platform: str) -> str:
    return (DATA / f"{platform}.txt").read_text()


@pytest.mark.parametrize("platform", profiles.PLATFORMS)
def test_every_platform_has_a_profile_and_a_recorded_config(platform: str) -> None:
    profile = profiles.get(platform)
    assert profile.platform == platform
    assert profile.commands, "a profile names the command(s) that print the configuration"
    assert (DATA / f"{platform}.txt").exists()


@pytest.mark.parametrize("platform", profiles.PLATFORMS)
def test_the_secret_canary_never_survives_masking(platform: str) -> None:
    result = process(profiles.get(platform), [recorded(platform)])
    assert CANARY not in result.text
    assert result.masked > 0
    # What was masked is kept (for the encrypted store), line by line.
    assert all(
        CANARY in line or "PRIVATE KEY" in line or line for line in result.originals.values()
    )
    assert any(CANARY in line for line in result.originals.values())


@pytest.mark.parametrize("platform", profiles.PLATFORMS)
def test_masking_keeps_the_lines_that_are_not_secret(platform: str) -> None:
    raw = recorded(platform)
    result = process(profiles.get(platform), [raw])
    plain = [line for line in raw.splitlines() if CANARY not in line and line.strip()]
    kept = set(result.lines)
    # A private key block is masked whole; every other line without a secret stays as it was.
    outside_keys = {
        line for line in plain if "PRIVATE KEY" not in line and not line.startswith(("MII", "b3Bl"))
    }
    assert {line.rstrip() for line in outside_keys} - kept == set()


def test_a_known_credential_printed_verbatim_is_masked_too() -> None:
    raw = recorded("cisco_ios").replace(
        "description uplink to isp-box", "description pw=Hunter2xyz"
    )
    result = process(profiles.get("cisco_ios"), [raw], known_secrets=["Hunter2xyz"])
    assert "Hunter2xyz" not in result.text
    assert f" description pw={MASK}" in result.lines


@pytest.mark.parametrize(
    ("platform", "volatile"),
    [
        ("cisco_ios", "! Last configuration change at 11:00:00 UTC Sat Nov 28 2026 by admin"),
        ("cisco_nxos", "!Time: Sun Nov 29 01:02:03 2026"),
        ("juniper_junos", "## Last commit: 2026-11-28 11:00:00 UTC by admin"),
        ("fortinet", "#config-version=FGT60F-7.2.5-FW-build1517-230606:opmode=0:vdom=0:user=bob"),
        ("mikrotik_routeros", "# 2026-11-29 09:14:02 by RouterOS 7.12.1"),
        ("huawei_vrp", "!Last configuration was updated at 2026-11-28 10:00:00+00:00 by bob"),
    ],
)
def test_a_change_in_volatile_lines_only_keeps_the_digest(platform: str, volatile: str) -> None:
    profile = profiles.get(platform)
    raw = recorded(platform)
    lines = raw.splitlines()
    index = next(i for i, line in enumerate(lines) if profile.is_volatile(line))
    lines[index] = volatile
    assert profile.is_volatile(volatile)
    assert process(profile, [raw]).digest == process(profile, ["\n".join(lines) + "\n"]).digest


def test_fortios_resalted_enc_values_do_not_count_as_a_change() -> None:
    profile = profiles.get("fortinet")
    raw = recorded("fortinet")
    resalted = raw.replace("SH2Kanary9xREsaltedhashvalue", "SH2Kanary9xOTHERsalt")
    assert process(profile, [raw]).digest == process(profile, [resalted]).digest


def test_a_changed_secret_is_a_change_though_the_text_looks_the_same() -> None:
    profile = profiles.get("cisco_ios")
    raw = recorded("cisco_ios")
    rotated = raw.replace(
        "snmp-server community Kanary9xRO RO", "snmp-server community Kanary9xNEW RO"
    )
    before, after = process(profile, [raw]), process(profile, [rotated])
    assert before.lines == after.lines
    assert before.digest != after.digest


def test_a_real_change_changes_the_digest() -> None:
    profile = profiles.get("arista_eos")
    raw = recorded("arista_eos")
    changed = raw.replace("description spine-1", "description spine-2")
    assert process(profile, [raw]).digest != process(profile, [changed]).digest


@pytest.mark.parametrize(
    "platform",
    [p for p in profiles.PLATFORMS if profiles.get(p).ends_with],
)
def test_a_truncated_config_is_refused(platform: str) -> None:
    lines = recorded(platform).rstrip("\n").splitlines()
    with pytest.raises(IncompleteOutput, match="truncated"):
        process(profiles.get(platform), ["\n".join(lines[: len(lines) * 2 // 3])])


@pytest.mark.parametrize(
    "output",
    [
        "hostname a\ninterface Gi0/1\n --More-- ",
        "hostname a\n% Invalid input detected at '^' marker.\nend",
        "",
        "end",
    ],
)
def test_pager_prompts_errors_and_empty_output_are_refused(output: str) -> None:
    with pytest.raises(IncompleteOutput):
        process(profiles.get("cisco_ios"), [output])


def test_an_unknown_platform_names_the_supported_ones() -> None:
    with pytest.raises(KeyError, match="cisco_ios"):
        profiles.get("cisco_unknown")


def test_no_profile_changes_device_state() -> None:
    forbidden = ("write", "copy", "configure", "set output", "commit", "reload", "delete")
    for profile in profiles.all_profiles():
        for command in profile.commands:
            assert not command.lower().startswith(forbidden), (profile.platform, command)
