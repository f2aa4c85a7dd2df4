"""Utilisation counters (ipam/usage.py): right after every kind of write, repaired by recount."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from ipam import usage
from ipam.allocation import allocate
from ipam.heatmap import heatmap
from ipam.models import Host, Subnet, UsageCount
from tests.factories import make_host, make_hosts, make_subnet, make_vrf
from tests.ipam.test_concurrency import THREADS, database_for_threads  # noqa: F401 (fixture)


def _shown(subnet: Subnet) -> tuple[int, int, list[tuple[int, int]]]:
    """What the page shows: used and alive, and (used, alive) per heatmap tile."""
    row = Subnet.objects.with_usage().get(pk=subnet.pk)
    return row.used, row.alive, [(t.used, t.alive) for t in heatmap(subnet)]  # type: ignore[attr-defined]


def _counted(subnet: Subnet) -> tuple[int, int, list[tuple[int, int]]]:
    """The same, counted from the hosts."""
    hosts = subnet.host_range()
    return hosts.count(), hosts.filter(status="up").count(), usage.count_tiles(subnet, hosts)


@pytest.mark.django_db
def test_counters_follow_every_kind_of_host_write() -> None:
    big = make_subnet("198.18.0.0/16")
    child = make_subnet("198.18.7.0/24")
    make_host("198.18.7.9", status="up")  # into the child
    make_host("198.18.1.1")
    make_hosts(big, [f"198.18.2.{i}" for i in range(1, 50)], status="up")  # bulk_create
    assert _shown(big) == _counted(big)
    assert _shown(big)[:2] == (51, 50)
    assert _shown(child)[:2] == (1, 1)

    Host.objects.filter(address__startswith="198.18.2.").update(status="down")
    moved = Host.objects.get(address="198.18.1.1")
    moved.address = "198.18.7.20"  # from the /16's own range into the child
    moved.save()
    Host.objects.filter(address="198.18.2.7").delete()
    with connection.cursor() as cursor:  # even writes that bypass the ORM
        cursor.execute("DELETE FROM ipam_host WHERE address = %s", ["198.18.2.8"])
    assert _shown(big) == _counted(big)
    assert _shown(big)[:2] == (49, 1)
    assert _shown(child) == _counted(child)
    assert _shown(child)[:2] == (2, 1)


@pytest.mark.django_db
def test_a_new_or_redrawn_subnet_counts_the_hosts_already_in_its_range() -> None:
    vrf = make_vrf("red")
    outer = make_subnet("10.0.0.0/8", vrf=vrf)
    make_hosts(outer, ["10.1.0.1", "10.1.0.2", "10.2.0.1"])
    inner = make_subnet("10.1.0.0/16", vrf=vrf)
    assert _shown(inner)[:2] == (2, 0)
    inner.network = "10.0.0.0/14"
    inner.save()
    assert _shown(inner) == _counted(inner)
    assert _shown(inner)[:2] == (3, 0)
    # The global table's 10.0.0.0/8 does not count the red VRF's hosts.
    assert _shown(make_subnet("10.0.0.0/8"))[:2] == (0, 0)


@pytest.mark.django_db
def test_recount_usage_repairs_counters() -> None:
    big = make_subnet("198.18.0.0/16")
    make_hosts(big, ["198.18.0.1", "198.18.5.5"])
    UsageCount.objects.update(used=999, alive=7)
    call_command("recount_usage", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _shown(big) == _counted(big)
    assert _shown(big)[0] == 2


def test_counters_stay_right_under_concurrent_allocation(database_for_threads: Any) -> None:  # noqa: F811
    big = make_subnet("198.18.0.0/16")
    net = make_subnet("198.18.4.0/24")
    barrier = threading.Barrier(THREADS)

    def worker() -> int:
        subnet = Subnet.objects.get(pk=net.pk)
        barrier.wait(timeout=30)
        return len(allocate(subnet, 3))

    results = database_for_threads([worker] * THREADS)
    assert results == [3] * THREADS, results

    def shown_and_counted() -> Any:
        return [(_shown(s), _counted(s)) for s in (big, net)]

    [[(big_shown, big_counted), (net_shown, net_counted)]] = database_for_threads(
        [shown_and_counted]
    )
    assert big_shown == big_counted and net_shown == net_counted
    assert big_shown[0] == net_shown[0] == 3 * THREADS


@pytest.mark.django_db
def test_a_bulk_import_counts_its_hosts_in_one_pass_like_the_trigger_would() -> None:
    from ipam.importing import run_import

    big = make_subnet("198.18.0.0/16")
    child = make_subnet("198.18.7.0/24")
    vrf = make_vrf("red")
    other = make_subnet("198.18.0.0/16", vrf=vrf)  # same range, another VRF: not counted
    make_host("198.18.7.1", status="up")  # counted by the trigger, before the import
    addresses = [f"198.18.{a}.{b}" for a in (0, 7, 200) for b in range(2, 40)]
    text = "address\n" + "\n".join(addresses) + "\n"
    assert run_import(text, "hosts", dry_run=False).applied
    assert _shown(big) == _counted(big) and _shown(big)[:2] == (115, 1)
    assert _shown(child) == _counted(child) and _shown(child)[:2] == (39, 1)
    assert _shown(other)[:2] == (0, 0)
    # The pause ended with the import: a host written afterwards is counted again.
    make_host("198.18.9.9")
    assert _shown(big) == _counted(big) and _shown(big)[0] == 116
