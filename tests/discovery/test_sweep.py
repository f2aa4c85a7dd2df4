"""Ping sweeps and the known-hosts check, with the ICMP engine faked."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from discovery import icmp
from discovery.models import HostSample, RunKind, ScanRun
from discovery.sweep import run_sweep
from ipam.models import Host, HostOrigin, HostStatus
from netkeep.jobs import RunStatus
from netkeep.models import Event, EventKind
from tests.discovery.fakes import FakePing
from tests.factories import make_host, make_subnet, make_vrf

# The fields save() computes from the address and the subnet.
DERIVED = ("address", "family", "key", "next_key", "vrf_key", "subnet_id", "mac")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_lab")]


def sweep_run(subnet: Any = None, target: str = "", kind: str = RunKind.SWEEP) -> ScanRun:
    run = ScanRun.objects.create(
        kind=kind, target=target or (subnet.network if subnet else ""), subnet=subnet
    )
    run_sweep(run.pk)
    run.refresh_from_db()
    return run


def test_it_sweeps_every_usable_address_of_an_ipv4_subnet(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24", scan_enabled=True)
    run = sweep_run(subnet)
    assert run.status == RunStatus.SUCCEEDED
    assert len(ping.calls[0]) == 254
    assert ping.calls[0][0] == "198.18.0.1"
    assert ping.calls[0][-1] == "198.18.0.254"
    assert (run.done, run.total) == (254, 254)


def test_it_marks_documented_hosts_up_and_down_and_adds_discovered_ones(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    gateway = make_host("198.18.0.1", hostname="gw")
    printer = make_host("198.18.0.9", hostname="printer")
    ping.alive = {"198.18.0.1": 0.4, "198.18.0.77": 1.5}

    run = sweep_run(subnet)

    gateway.refresh_from_db()
    printer.refresh_from_db()
    assert (gateway.status, gateway.latency_ms) == (HostStatus.UP, 0.4)
    assert gateway.last_seen is not None and gateway.first_seen is not None
    assert printer.status == HostStatus.DOWN
    assert printer.last_seen is None
    found = Host.objects.get(address="198.18.0.77")
    assert found.origin == HostOrigin.DISCOVERED
    assert found.subnet == subnet
    assert (found.status, found.latency_ms) == (HostStatus.UP, 1.5)
    assert run.counts["alive"] == 2
    assert run.counts["new"] == 1
    assert list(Event.objects.values_list("kind", flat=True)) == [EventKind.HOST_NEW]
    assert HostSample.objects.count() == 3
    # A bulk-created host carries the same derived fields as one saved through a form.
    swept = Host.objects.filter(pk=found.pk).values(*DERIVED).get()
    found.delete()
    saved = make_host("198.18.0.77")
    assert Host.objects.filter(pk=saved.pk).values(*DERIVED).get() == swept


def test_a_host_going_down_becomes_an_event_and_a_status_change(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.5")
    ping.alive = {"198.18.0.5": 0.3}
    sweep_run(subnet)
    host.refresh_from_db()
    came_up_at = host.status_changed_at

    ping.alive = {}
    run = sweep_run(subnet)

    host.refresh_from_db()
    assert host.status == HostStatus.DOWN
    assert host.status_changed_at is not None and host.status_changed_at > came_up_at
    assert host.latency_ms is None
    assert run.counts["went_down"] == 1
    down = Event.objects.get(kind=EventKind.HOST_DOWN)
    assert down.object_id == str(host.pk)
    assert down.object_repr == "198.18.0.5"

    ping.alive = {"198.18.0.5": 0.2}
    sweep_run(subnet)
    assert Event.objects.filter(kind=EventKind.HOST_UP, object_id=str(host.pk)).count() == 1


def test_a_sweep_that_fails_midway_changes_nothing(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.5", status=HostStatus.UP)
    ping.error = RuntimeError("the receive loop died")

    run = sweep_run(subnet)

    assert run.status == RunStatus.FAILED
    assert run.error_class == "RuntimeError"
    assert "receive loop died" in run.error_message
    host.refresh_from_db()
    assert host.status == HostStatus.UP
    assert HostSample.objects.count() == 0
    assert Event.objects.count() == 0
    assert Host.objects.count() == 1


def test_missing_icmp_permission_fails_the_run_with_what_to_change(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    ping.error = icmp.PingUnavailable("run as root, grant CAP_NET_RAW ...")
    run = sweep_run(subnet)
    assert run.status == RunStatus.FAILED
    assert run.error_class == "PingUnavailable"
    assert "CAP_NET_RAW" in run.error_message


def test_a_subnet_outside_the_allowlist_is_refused_before_any_packet(
    ping: FakePing, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.19.0.0/16"]
    subnet = make_subnet("198.18.0.0/24")
    run = sweep_run(subnet)
    assert run.status == RunStatus.FAILED
    assert "outside the networks allowed" in run.error_message
    assert ping.calls == []


def test_an_empty_allowlist_refuses_everything(ping: FakePing, settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    run = sweep_run(make_subnet("198.18.0.0/24"))
    assert run.status == RunStatus.FAILED
    assert "allowlist is empty" in run.error_message
    assert ping.calls == []


def test_an_ipv6_subnet_checks_only_its_known_hosts(ping: FakePing) -> None:
    subnet = make_subnet("2001:2::/64")
    make_host("2001:2::a")
    make_host("2001:2::1")
    ping.alive = {"2001:2::a": 0.2, "2001:2::beef": 0.1}
    run = sweep_run(subnet)
    assert run.status == RunStatus.SUCCEEDED
    assert sorted(ping.calls[0]) == ["2001:2::1", "2001:2::a"]
    assert Host.objects.get(address="2001:2::a").status == HostStatus.UP


def test_an_ipv6_subnet_without_known_hosts_is_never_swept(ping: FakePing) -> None:
    run = sweep_run(make_subnet("2001:2::/64"))
    assert run.status == RunStatus.FAILED
    assert "never swept" in run.error_message
    assert ping.calls == []


def test_new_hosts_go_into_the_most_specific_subnet(ping: FakePing) -> None:
    outer = make_subnet("198.18.0.0/23")
    inner = make_subnet("198.18.1.0/26")
    ping.alive = {"198.18.0.9": 1.0, "198.18.1.9": 1.0}
    sweep_run(outer)
    assert Host.objects.get(address="198.18.0.9").subnet == outer
    assert Host.objects.get(address="198.18.1.9").subnet == inner


def test_a_vrf_subnet_sweep_touches_only_hosts_of_that_vrf(ping: FakePing) -> None:
    blue = make_vrf("blue")
    global_net = make_subnet("198.18.0.0/24")
    blue_net = make_subnet("198.18.0.0/24", vrf=blue)
    in_global = make_host("198.18.0.5", subnet=global_net)
    ping.alive = {"198.18.0.5": 1.0}
    sweep_run(blue_net, target="198.18.0.0/24 (VRF blue)")
    in_global.refresh_from_db()
    assert in_global.status == HostStatus.UNKNOWN
    assert Host.objects.get(address="198.18.0.5", vrf_key=blue.pk).origin == "discovered"


def test_a_cidr_target_without_a_subnet_records_only_addresses_inside_subnets(
    ping: FakePing,
) -> None:
    make_subnet("198.18.0.0/25")
    ping.alive = {"198.18.0.9": 1.0, "198.18.0.200": 1.0}
    run = sweep_run(target="198.18.0.0/24")
    assert run.counts["new"] == 1
    assert run.counts["unrecorded"] == 1
    assert not Host.objects.filter(address="198.18.0.200").exists()


def test_results_are_written_in_batches_not_per_address(
    ping: FakePing, django_assert_max_num_queries: Any
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    for n in range(1, 60):
        make_host(f"198.18.0.{n}")
    ping.alive = {f"198.18.0.{n}": 1.0 for n in range(30, 200)}
    run = ScanRun.objects.create(kind=RunKind.SWEEP, target=subnet.network, subnet=subnet)
    with django_assert_max_num_queries(40):
        run_sweep(run.pk)
    run.refresh_from_db()
    assert run.counts["new"] == 140
    assert HostSample.objects.count() == 199


def test_a_run_is_executed_once_even_if_its_task_runs_twice(ping: FakePing) -> None:
    subnet = make_subnet("198.18.0.0/24")
    run = ScanRun.objects.create(kind=RunKind.SWEEP, target=subnet.network, subnet=subnet)
    assert run_sweep(run.pk) == RunStatus.SUCCEEDED
    assert run_sweep(run.pk) == "skipped"
    assert len(ping.calls) == 1


def test_the_known_hosts_check_pings_known_hosts_and_never_adds_any(ping: FakePing) -> None:
    scanned = make_subnet("198.18.0.0/24", scan_enabled=True)
    make_subnet("198.18.1.0/24", scan_enabled=False)
    make_host("198.18.0.5", subnet=scanned, status=HostStatus.UP, last_seen=timezone.now())
    make_host("198.18.1.5")
    ping.alive = {"198.18.0.77": 1.0}
    run = sweep_run(kind=RunKind.KNOWN_HOSTS, target="known hosts")
    assert run.status == RunStatus.SUCCEEDED
    assert ping.calls == [["198.18.0.5"]]
    assert ping.options["retries"] >= 2
    assert Host.objects.get(address="198.18.0.5").status == HostStatus.DOWN
    assert not Host.objects.filter(address="198.18.0.77").exists()
    assert Event.objects.get().kind == EventKind.HOST_DOWN


def test_each_host_shows_its_own_round_trip_even_below_a_millisecond(
    ping: FakePing, viewer_client: Any
) -> None:
    subnet = make_subnet("198.18.0.0/24")
    # A LAN answers in microseconds: one decimal of milliseconds would read "0.0 ms" for all.
    ping.alive = {"198.18.0.1": 0.012, "198.18.0.2": 0.077, "198.18.0.3": 1.43, "198.18.0.4": 145.2}
    sweep_run(subnet)
    latencies = dict(Host.objects.values_list("address", "latency_ms"))
    assert latencies == ping.alive
    html = viewer_client.get(subnet.get_absolute_url()).content.decode()
    for shown in ("12 µs", "77 µs", "1.4 ms", "145 ms"):
        assert f">{shown}</span>" in html
