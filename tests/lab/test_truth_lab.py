"""Issue 8 in the lab: what Netkeep records is what happened on the (namespaced) wire."""

from __future__ import annotations

import ipaddress
import shutil
import statistics
import subprocess
from typing import Any

import pytest

from discovery import dns, icmp, scans, scope, tasks
from discovery.models import OpenPort, RunKind, ScanRun
from ipam.models import Host, HostStatus, Subnet
from netkeep.jobs import RunStatus
from tests.lab.netns import Lab

pytestmark = [pytest.mark.lab, pytest.mark.django_db]
ALLOWED = ["198.18.0.0/15", "2001:2::/48"]


def test_a_host_target_sweeps_that_one_address(lab: Lab, settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ALLOWED
    subnet = Subnet(network=str(lab.net24))
    subnet.save()
    Host(address="198.18.0.10", subnet=subnet).save()
    run = scans.enqueue_scan(RunKind.SWEEP, "198.18.0.10", queue=False)
    with lab.enter():
        tasks.execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.done, run.total, run.counts["swept"]) == (1, 1, 1)
    assert Host.objects.get(address="198.18.0.10").status == HostStatus.UP
    # No other alive address of the /24 was pinged, so none was discovered.
    assert Host.objects.count() == 1


def dns_pass_with_resolver(lab: Lab, settings: Any, resolver: str, timeout: float = 2.0) -> ScanRun:
    settings.SCAN_ALLOWED_NETWORKS = ALLOWED
    settings.NETKEEP_DNS_TIMEOUT_S = timeout
    subnet = Subnet(network=str(lab.net24), dns_resolver=resolver)
    subnet.save()
    for address in sorted(lab.alive_in(lab.net24))[:8]:
        Host(address=address, subnet=subnet, status=HostStatus.UP).save()
    run = scans.enqueue_scan(RunKind.DNS, subnet, queue=False)
    dns.clear_cache()
    with lab.enter():
        tasks.execute(run.pk)
    run.refresh_from_db()
    return run


def test_a_dns_pass_whose_resolver_never_answers_fails_and_says_so(lab: Lab, settings: Any) -> None:
    run = dns_pass_with_resolver(lab, settings, lab.dead[0], timeout=0.5)  # a blackholed address
    assert run.status == RunStatus.FAILED
    assert run.counts["timeout"] == 8 and run.counts["resolved"] == 0
    assert f"The resolver {lab.dead[0]} never answered (8 timed out of 8" in run.error_message


def test_a_dns_pass_against_a_host_without_a_dns_server_fails(lab: Lab, settings: Any) -> None:
    run = dns_pass_with_resolver(lab, settings, "198.18.0.10", timeout=0.5)  # nothing on :53
    assert run.status == RunStatus.FAILED
    assert run.counts["answer"] == run.counts["nxdomain"] == 0
    assert "198.18.0.10 never answered" in run.error_message


def test_a_dns_pass_whose_resolver_has_no_route_fails_as_unreachable(
    lab: Lab, settings: Any
) -> None:
    # An "unreachable" route inside the scanner namespace: sending fails at once.
    resolver = "198.19.254.53"
    subprocess.run(
        ["ip", "-n", lab.scanner_ns, "route", "add", "unreachable", f"{resolver}/32"], check=True
    )
    try:
        run = dns_pass_with_resolver(lab, settings, resolver)
    finally:
        subprocess.run(["ip", "-n", lab.scanner_ns, "route", "del", f"{resolver}/32"], check=True)
    assert run.status == RunStatus.FAILED
    assert run.counts["unreachable"] == 8, run.error_message
    assert f"{resolver} never answered (8 unreachable of 8 lookups)" in run.error_message


def test_a_dns_pass_against_the_lab_resolver_counts_nxdomain_as_answers(
    lab: Lab, settings: Any
) -> None:
    run = dns_pass_with_resolver(lab, settings, lab.dns_server)
    assert run.status == RunStatus.SUCCEEDED, run.error_message
    assert run.counts["answer"] + run.counts["nxdomain"] == 8
    assert run.counts["nxdomain"] > 0


@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")
def test_a_quick_port_scan_after_a_standard_one_keeps_what_service_detection_found(
    lab: Lab, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ALLOWED
    subnet = Subnet(network=str(lab.net24))
    subnet.save()
    Host(address="198.18.0.11", subnet=subnet, status=HostStatus.UP).save()  # 443, 8080
    Host(address="198.18.0.12", subnet=subnet, status=HostStatus.UP).save()  # 8000: HTTP

    def scan(profile: str) -> dict[int, tuple[str, str, str, bool]]:
        run = scans.enqueue_scan(RunKind.PORTS, subnet, profile=profile, queue=False)
        with lab.enter():
            tasks.execute(run.pk)
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED, run.error_message
        return {
            p.port: (p.service, p.product, p.version, p.current) for p in OpenPort.objects.all()
        }

    standard = scan("standard")
    assert standard[8000][1], "service detection names the lab's HTTP server's product"
    assert scan("quick") == standard


def fping_latencies(lab: Lab, addresses: list[str]) -> dict[str, float]:
    """Per address, the median of `fping -C 3` (ms)."""
    done = lab.exec(["fping", "-C", "3", "-q", "-t", "500", *addresses], timeout=60)
    medians: dict[str, float] = {}
    for line in str(done.stderr).splitlines():
        address, _, figures = line.partition(" : ")
        values = [float(v) for v in figures.split() if v != "-"]
        if values:
            medians[address.strip()] = statistics.median(values)
    return medians


@pytest.mark.skipif(shutil.which("fping") is None, reason="fping is not installed")
def test_sweep_latency_matches_fping_and_does_not_trend_with_position(lab: Lab) -> None:
    hosts = list(scope.sweep_addresses(lab.net24))
    alive = sorted(lab.alive_in(lab.net24), key=lambda a: ipaddress.ip_address(a))
    rounds: list[dict[str, float]] = []
    with lab.enter():
        for _ in range(3):
            results = icmp.sweep(hosts, timeout=0.5, retries=0)
            rounds.append({r.address: r.rtt_ms for r in results if r.rtt_ms is not None})
    ours = {a: statistics.median(r[a] for r in rounds) for a in alive}
    theirs = fping_latencies(lab, alive)
    assert set(theirs) == set(alive)
    differences = [abs(ours[a] - theirs[a]) for a in alive]
    assert statistics.median(differences) <= 0.1, (ours, theirs)
    # No trend with the position in the sweep: the first and last alive hosts of the
    # /24 (.1 and .254 are 253 addresses apart) read alike.
    third = len(alive) // 3
    first = statistics.median(ours[a] for a in alive[:third])
    last = statistics.median(ours[a] for a in alive[-third:])
    assert abs(first - last) <= 0.1, (ours, theirs)
