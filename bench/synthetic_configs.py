"""Realistic synthetic device configurations and their histories, for benchmarks and tests.

A fleet of IOS-style switches and routers built from shared templates, as real
fleets are: most lines (interface settings, AAA, logging, ACL templates) are the
same across devices; hostnames, addresses, descriptions and a few port settings
are each device's own. Sizes run from about 300 to 3,000 lines. Each new version
changes a few lines (a description, an access VLAN, an ACL entry, a static
route) plus the volatile "! Last configuration change" header.

Versions are built by editing a copy of the previous one, so a history of
10,000 devices x 20 versions is generated in seconds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

VLANS = [1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 200, 300]
ROLES = ["desk", "printer", "ap", "phone", "cam", "door", "kiosk", "lab", "spare"]


def _header(rng: random.Random, name: str, index: int) -> list[str]:
    return [
        "! Last configuration change at 09:00:00 UTC Mon Jan 5 2026 by netops",
        "!",
        "version 15.2",
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec",
        "service password-encryption",
        "!",
        f"hostname {name}",
        "!",
        "boot-start-marker",
        "boot-end-marker",
        "!",
        f"enable secret 9 $9${rng.getrandbits(64):016x}${rng.getrandbits(128):032x}",
        "!",
        f"username netops privilege 15 secret 9 $9${rng.getrandbits(64):016x}$",
        "aaa new-model",
        "aaa authentication login default group tacacs+ local",
        "aaa authorization exec default group tacacs+ local",
        "aaa accounting exec default start-stop group tacacs+",
        "!",
        "ip domain-name corp.example.net",
        "ip name-server 198.18.0.53",
        "no ip http server",
        "ip ssh version 2",
        "!",
        *[x for v in VLANS for x in (f"vlan {v}", f" name VLAN{v:04d}")],
        "!",
        f"interface Vlan{VLANS[index % len(VLANS)]}",
        f" ip address 10.{index // 250 % 250}.{index % 250}.1 255.255.255.0",
        " no shutdown",
        "!",
    ]


def _port(rng: random.Random, member: int, port: int, floor: int) -> list[str]:
    role = rng.choice(ROLES)
    lines = [
        f"interface GigabitEthernet{member}/0/{port}",
        f" description {role}-{floor}-{rng.randrange(1, 400):03d}",
        " switchport mode access",
        f" switchport access vlan {rng.choice(VLANS[1:8])}",
    ]
    if role == "phone":
        lines.append(f" switchport voice vlan {VLANS[9]}")
    lines += [" spanning-tree portfast", " spanning-tree bpduguard enable", "!"]
    return lines


def _footer(rng: random.Random, index: int) -> list[str]:
    acl = [
        f" {10 * (k + 1)} permit tcp 10.0.0.0 0.255.255.255 any eq {p}"
        for k, p in enumerate((22, 443, 161, 514, 123))
    ]
    return [
        "ip access-list extended MGMT",
        *acl,
        " 1000 deny ip any any log",
        "!",
        f"ip route 0.0.0.0 0.0.0.0 10.{index // 250 % 250}.{index % 250}.254",
        "!",
        "logging host 198.18.0.20",
        "logging trap informational",
        "snmp-server community <secret hidden> RO MGMT",
        "snmp-server location Building A",
        f"snmp-server contact noc+{index}@example.net",
        "tacacs server TAC1",
        " address ipv4 198.18.0.21",
        " key 7 <secret hidden>",
        "!",
        "ntp server 198.18.0.123",
        "ntp server 198.18.0.124",
        "!",
        "line con 0",
        " exec-timeout 5 0",
        "line vty 0 15",
        " access-class MGMT in",
        " transport input ssh",
        "!",
        "end",
    ]


def config(index: int, seed: int = 1) -> list[str]:
    """The first version of device `index`'s configuration, as lines."""
    rng = random.Random(seed * 1_000_003 + index)
    name = f"sw-{index:05d}"
    # Sizes from ~300 to ~3,000 lines: 1 to 9 stack members of 48 ports.
    members = 1 + min(8, int(rng.paretovariate(1.2)) - 1)
    floor = rng.randrange(1, 12)
    lines = _header(rng, name, index)
    for member in range(1, members + 1):
        for port in range(1, 49):
            lines += _port(rng, member, port, floor)
    return lines + _footer(rng, index)


def edit(
    lines: list[str],
    rng: random.Random,
    when: datetime,
    ports: tuple[list[int], list[int]] | None = None,
) -> list[str]:
    """The next version: a few lines changed, and the change header updated.

    `ports` are the positions of the description and access-VLAN lines (from
    `port_lines`); edits only insert after the ports, so a history computes them once.
    """
    descriptions, vlans = ports or port_lines(lines)
    new = list(lines)
    new[0] = f"! Last configuration change at {when:%H:%M:%S} UTC {when:%a %b %d %Y} by netops"
    for _ in range(rng.randrange(1, 4)):
        kind = rng.randrange(4)
        if kind == 0:  # a port's description
            i = rng.choice(descriptions)
            new[i] = (
                f" description {rng.choice(ROLES)}-{rng.randrange(1, 12)}-{rng.randrange(400):03d}"
            )
        elif kind == 1:  # a port's access VLAN
            i = rng.choice(vlans)
            new[i] = f" switchport access vlan {rng.choice(VLANS[1:8])}"
        elif kind == 2:  # an ACL entry added before the final deny
            i = new.index(" 1000 deny ip any any log")
            seq = 100 + rng.randrange(800)
            new.insert(
                i, f" {seq} permit ip host 10.9.{rng.randrange(256)}.{rng.randrange(256)} any"
            )
        else:  # a static route
            i = new.index("logging host 198.18.0.20") - 1
            new.insert(
                i,
                f"ip route 10.{rng.randrange(256)}.0.0 255.255.0.0 "
                f"10.255.0.{rng.randrange(1, 255)}",
            )
    return new


def port_lines(lines: list[str]) -> tuple[list[int], list[int]]:
    """Positions of the ports' description lines and access-VLAN lines."""
    return (
        [i for i, line in enumerate(lines) if line.startswith(" description ")],
        [i for i, line in enumerate(lines) if line.startswith(" switchport access")],
    )


def history(
    index: int, versions: int, seed: int = 1, start: datetime | None = None
) -> Iterator[tuple[datetime, list[str]]]:
    """`versions` versions of device `index`, each a day or so after the last."""
    rng = random.Random(seed * 7_000_001 + index)
    when = start or datetime(2026, 1, 5, 9, 0)
    lines = config(index, seed)
    ports = port_lines(lines)
    yield when, lines
    for _ in range(versions - 1):
        when += timedelta(hours=rng.randrange(6, 72))
        lines = edit(lines, rng, when, ports)
        yield when, lines
