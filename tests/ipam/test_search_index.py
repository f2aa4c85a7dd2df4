"""Search by index: an address seeks the (VRF, family, key) index, a name fragment trigrams."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q

from ipam import name_index
from ipam.filters import host_match
from ipam.models import Host
from tests.factories import make_host, make_subnet, make_vrf

pytestmark = pytest.mark.django_db

NAMES = ["db-01", "DB-02", "web-01", "x", "printer-3f"]
NOTES = ["mail%1 relay", 'the "quoted" one', "café-Ünïcode", "under_score", ""]


@pytest.fixture
def named() -> None:
    make_subnet("198.18.0.0/24")
    for i, (name, note) in enumerate(zip(NAMES, NOTES, strict=True), start=1):
        make_host(f"198.18.0.{i}", hostname=name, description=note)
    make_host("198.18.0.200", ptr_name="ptr-only.example.net")


def _found(q: str) -> set[str]:
    return set(Host.objects.filter(host_match(q)).values_list("hostname", "ptr_name"))


def _scanned(q: str) -> set[str]:
    """What the plain, unindexed conditions find."""
    match = Q(hostname__icontains=q) | Q(ptr_name__icontains=q) | Q(description__icontains=q)
    return set(Host.objects.filter(match).values_list("hostname", "ptr_name"))


FRAGMENTS = ["web-0", "db", "WEB-0", "01", "mail%", "%1 r", "r_s", '"quoted"', "café", "Ünï"]


@pytest.mark.parametrize("q", [*FRAGMENTS, "ptr-only"])
def test_a_name_fragment_finds_exactly_what_a_scan_finds(named: None, q: str) -> None:
    assert _found(q) == _scanned(q)
    assert _found(q)  # each of these fragments matches something


def test_the_name_index_follows_renames_and_deletes(named: None) -> None:
    host = Host.objects.get(hostname="printer-3f")
    host.hostname = "scanner-9z"
    host.save()
    assert _found("scanner-9") == {("scanner-9z", "")}
    assert _found("printer-3") == set()
    host.delete()
    assert _found("scanner-9") == set()


def _plan(q: str) -> str:
    qs = Host.objects.filter(host_match(q)).order_by("vrf_key", "family", "key").values("id")
    sql, params = qs[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_on_sqlite_a_rare_fragment_reads_the_trigram_table_not_every_host(named: None) -> None:
    assert name_index.present()
    plan = _plan("rinter-3")
    assert "ipam_host_text" in plan and "SCAN ipam_host " not in plan + " "


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize("q", ["198.18.0.3", "198.18.0.", "198.18.0.0/25", "2001:db8::1"])
def test_an_address_or_network_seeks_the_address_index_in_every_vrf(named: None, q: str) -> None:
    plan = _plan(q)
    assert "SCAN" not in plan and "ipam_host_range (vrf_key=? AND family=? AND key>?" in plan


def test_an_address_is_found_in_every_vrf(named: None) -> None:
    green = make_subnet("198.18.0.0/24", vrf=make_vrf("green"))
    make_host("198.18.0.3", subnet=green, hostname="green-3")
    found = Host.objects.filter(host_match("198.18.0.3")).values_list("hostname", flat=True)
    assert sorted(found) == ["green-3", "web-01"]
