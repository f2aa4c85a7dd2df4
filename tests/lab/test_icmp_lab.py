"""The sweep engine against real hosts in the lab: exact alive sets, IPv6, both modes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from ipaddress import ip_address

import pytest

from discovery import icmp
from discovery.icmp import PingUnavailable, detect_capability, ping_hosts, sweep
from discovery.scope import sweep_addresses
from tests.lab.netns import Lab

pytestmark = pytest.mark.lab


def alive(results: list) -> set[str]:  # type: ignore[type-arg]
    return {r.address for r in results if r.alive}


def test_a_sweep_of_the_24_finds_exactly_the_alive_hosts(lab: Lab) -> None:
    with lab.enter():
        results = sweep(list(sweep_addresses(lab.net24)), timeout=0.5)
    assert len(results) == 254
    assert alive(results) == lab.alive_in(lab.net24)
    assert 10 <= len(alive(results)) < 254
    for result in results:
        if result.alive:
            assert result.rtt_ms is not None and 0 < result.rtt_ms < 500
        else:
            assert result.rtt_ms is None


def test_a_sweep_of_the_16_finds_exactly_the_alive_hosts(lab: Lab) -> None:
    with lab.enter():
        results = sweep(list(sweep_addresses(lab.net16)), rate_pps=200_000, timeout=0.5, retries=0)
    assert len(results) == 65534
    assert alive(results) == lab.alive_in(lab.net16)


def test_known_ipv6_hosts_are_checked(lab: Lab) -> None:
    v6_alive = sorted(lab.alive_in(lab.net6))
    dead = [a for a in lab.dead if ":" in a]
    with lab.enter():
        results = ping_hosts([ip_address(a) for a in [*v6_alive, *dead]], timeout=0.5)
    assert [r.address for r in results] == [*v6_alive, *dead]
    assert alive(results) == set(v6_alive)
    assert len(v6_alive) >= 3


def test_ipv4_and_ipv6_go_in_one_sweep(lab: Lab) -> None:
    mixed = ["198.18.0.10", "2001:2::a", lab.dead[0], "2001:2::dead"]
    with lab.enter():
        results = sweep([ip_address(a) for a in mixed], timeout=0.3, retries=0)
    assert [r.alive for r in results] == [True, True, False, False]


def test_a_host_that_goes_down_is_reported_down_and_back_up(lab: Lab) -> None:
    host = ip_address("198.18.0.34")
    lab.set_down(host)
    try:
        with lab.enter():
            assert not sweep([host], timeout=0.3)[0].alive
    finally:
        lab.set_up(host)
    with lab.enter():
        assert sweep([host], timeout=0.3)[0].alive


@pytest.fixture
def ping_group(lab: Lab) -> Iterator[None]:
    """Let every group use datagram ICMP sockets in the scanner namespace, then switch it off."""
    lab.set_ping_group_range(0, 2147483647)
    try:
        yield
    finally:
        lab.set_ping_group_range(1, 0)


def test_unprivileged_mode_finds_the_same_hosts(lab: Lab, ping_group: None) -> None:
    targets = [*sweep_addresses(lab.net24), ip_address("2001:2::a"), ip_address("2001:2::dead")]
    with lab.enter():
        results = sweep(targets, timeout=0.5, privileged=False)
    assert alive(results) == lab.alive_in(lab.net24) | {"2001:2::a"}


def test_unprivileged_mode_without_ping_group_range_says_what_to_set(lab: Lab) -> None:
    with lab.enter(), pytest.raises(PingUnavailable, match="ping_group_range"):
        sweep([ip_address("198.18.0.10")], privileged=False)


DETECT = (
    "from discovery.icmp import detect_capability as d; c = d(); print(c.mode); print(c.reason)"
)


def detect_without_cap_net_raw(lab: Lab) -> tuple[str, str]:
    """Run detection in the scanner namespace as root but without CAP_NET_RAW."""
    result = lab.exec(
        ["setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw", sys.executable, "-c", DETECT],
        env={"PYTHONPATH": os.getcwd()},
    )
    assert result.returncode == 0, result.stderr
    mode, reason = result.stdout.strip().split("\n", 1)
    return mode, reason


@pytest.mark.skipif(
    subprocess.run(["which", "setpriv"], capture_output=True).returncode != 0,
    reason="setpriv (util-linux) is not installed",
)
def test_detection_reports_each_mode_honestly(lab: Lab) -> None:
    with lab.enter():
        assert detect_capability().mode == "privileged"
    lab.set_ping_group_range(1, 0)
    mode, reason = detect_without_cap_net_raw(lab)
    assert mode == "unavailable"
    assert "CAP_NET_RAW" in reason and "ping_group_range is 1 0" in reason
    lab.set_ping_group_range(0, 0)
    try:
        mode, reason = detect_without_cap_net_raw(lab)
    finally:
        lab.set_ping_group_range(1, 0)
    assert mode == "unprivileged"
    assert "ping_group_range is 0 0" in reason


def test_an_ipv6_120_is_swept(lab: Lab) -> None:
    network = (
        lab.net6.supernet(new_prefix=120)
        if lab.net6.prefixlen > 120
        else next(lab.net6.subnets(new_prefix=120))
    )
    with lab.enter():
        results = sweep(list(sweep_addresses(network)), timeout=0.5, retries=0)
    assert alive(results) == lab.alive_in(network)
    assert {"2001:2::1", "2001:2::a", "2001:2::53"} <= alive(results)


@pytest.mark.parametrize("privileged", [True, False], ids=["privileged", "unprivileged"])
def test_a_network_where_every_host_answers_loses_no_reply(
    lab: Lab, ping_group: None, privileged: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A receive buffer the size a non-root process gets (net.core.rmem_default):
    # the engine must read replies while it sends, or they overflow it.
    monkeypatch.setattr(icmp, "_SOCKET_BUFFER", 128 * 1024)
    targets = list(sweep_addresses(lab.net_full))
    with lab.enter():
        results = sweep(targets, rate_pps=10_000_000, timeout=0.5, retries=0, privileged=privileged)
    assert len(lab.alive_in(lab.net_full)) == len(targets) == 1022
    assert alive(results) == lab.alive_in(lab.net_full)
