"""The real nmap binary against the lab's TCP services."""

from __future__ import annotations

import shutil
from ipaddress import ip_address, ip_network

import pytest

from discovery.nmap import get_profile, run_scan
from tests.lab.netns import Lab

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(
        shutil.which("nmap") is None, reason="nmap is not installed (apt-get install nmap)"
    ),
]


def test_the_quick_profile_finds_the_open_ports(lab: Lab) -> None:
    v4_hosts = [a for a in lab.open_ports if ":" not in a]
    quiet = lab.dead[0]
    with lab.enter():
        result = run_scan(
            get_profile("quick"), [ip_address(a) for a in [*v4_hosts, quiet]], timeout_s=60
        )
    found = {h.address: tuple(sorted(p.port for p in h.open_ports)) for h in result.hosts}
    assert found == {**{a: lab.open_ports[a] for a in v4_hosts}, quiet: ()}
    assert result.command[0].endswith("nmap")
    assert result.elapsed_s > 0


def test_the_quick_profile_scans_ipv6_hosts(lab: Lab) -> None:
    with lab.enter():
        result = run_scan(get_profile("quick"), [ip_address("2001:2::a")], timeout_s=60)
    assert [(h.address, [p.port for p in h.open_ports]) for h in result.hosts] == [
        ("2001:2::a", [22])
    ]


def test_a_network_target_is_scanned_host_by_host(lab: Lab) -> None:
    with lab.enter():
        result = run_scan(get_profile("quick"), [ip_network("198.18.0.8/29")], timeout_s=120)
    found = {h.address: {p.port for p in h.open_ports} for h in result.hosts}
    assert found["198.18.0.10"] == {22, 80}
    assert found["198.18.0.11"] == {443, 8080}
    assert found["198.18.0.12"] == {8000}
