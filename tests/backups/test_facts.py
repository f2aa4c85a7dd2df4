"""Facts from recorded show outputs, parsed with ntc-templates."""

from __future__ import annotations

from pathlib import Path

from backups import facts

DATA = Path(__file__).resolve().parent.parent / "data" / "backups" / "facts"


def read(name: str) -> str:
    return (DATA / f"{name}.txt").read_text()


def test_ios_show_version_gives_serial_model_and_version() -> None:
    found = facts.version("cisco_ios", "show version", read("cisco_ios_show_version"))
    assert found == facts.DeviceFacts("FOC1234X0AB", "WS-C2960X-48FPD-L", "15.2(7)E4")


def test_eos_show_version_gives_serial_model_and_version() -> None:
    found = facts.version("arista_eos", "show version", read("arista_eos_show_version"))
    assert found == facts.DeviceFacts("JPE12345678", "DCS-7050TX-64-R", "4.28.3M")


def test_arp_entries_have_normalised_macs_and_skip_incomplete_ones() -> None:
    entries = facts.arp("cisco_ios", "show ip arp", read("cisco_ios_show_ip_arp"))
    assert [(e.address, e.mac) for e in entries] == [
        ("198.18.0.1", "00:11:22:33:44:55"),
        ("198.18.0.10", "00:1a:2b:3c:4d:00"),
        ("198.18.0.20", "00:11:22:33:44:66"),
    ]
    eos = facts.arp("arista_eos", "show ip arp", read("arista_eos_show_ip_arp"))
    assert eos[1].mac == "00:50:56:00:0b:02"


def test_cdp_and_lldp_neighbours() -> None:
    cdp = facts.neighbours(
        "cisco_ios", "show cdp neighbors detail", read("cisco_ios_show_cdp_neighbors_detail")
    )
    assert cdp[0] == facts.Neighbour(
        "GigabitEthernet0/1", "dist-sw-02.corp.example.net", "GigabitEthernet1/0/24", "198.18.0.2"
    )
    lldp = facts.neighbours(
        "arista_eos", "show lldp neighbors", read("arista_eos_show_lldp_neighbors")
    )
    assert [(n.local_interface, n.name) for n in lldp] == [
        ("Et1", "spine-1.corp"),
        ("Et2", "spine-2.corp"),
        ("Ma1", "oob-sw-01"),
    ]


def test_a_platform_without_a_template_gives_no_facts() -> None:
    assert facts.version("linux", "uname -a", "Linux host 6.1.0 x86_64") == facts.DeviceFacts()
    assert facts.arp("cisco_ios", "show ip arp", "") == []
