"""Search by index: an address seeks the (VRF, family, key) index, a name fragment trigrams."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat

from ipam import filters, name_index
from ipam.filters import host_match, mac_prefix
from ipam.models import Host
from ipam.search import host_results
from tests.conftest import make_user
from tests.factories import make_host, make_hosts, make_subnet, make_tag, make_vrf

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
    assert "SCAN ipam_host " not in plan + " "
    assert "ipam_host_range (vrf_key=? AND family=? AND key>?" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
@pytest.mark.parametrize("q", ["198.18.7.3", "198.18.7.1", "198.18.7.0/25"])
def test_on_postgresql_an_address_seeks_the_address_index_in_every_vrf(q: str) -> None:
    """With statistics, as a live database has them: one index seek per VRF key."""
    for vrf in (None, make_vrf("green"), make_vrf("blue")):
        subnet = make_subnet("198.18.0.0/20", vrf=vrf)
        make_hosts(subnet, [f"198.18.{n // 250}.{n % 250 + 1}" for n in range(3000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ipam_host")
        cursor.execute("ANALYZE ipam_vrf")
    sql, params = Host.objects.filter(host_match(q)).values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = " | ".join(row[0] for row in cursor.fetchall())
    # The VRF keys lead the index condition (either index on vrf_key, family, key).
    assert "Index Cond: ((vrf_key = ANY ($0)) AND " in plan, plan
    assert "Seq Scan on ipam_host" not in plan and "Filter" not in plan, plan


@pytest.mark.parametrize("q", ["198.18.0.3", "198.18.0.", "198.18.0.0/25", "2001:db8::1"])
def test_an_address_search_is_one_query_whatever_the_vrfs(
    named: None, q: str, django_assert_num_queries: Any
) -> None:
    make_vrf("green")
    make_vrf("blue")
    with django_assert_num_queries(1):  # the VRFs are read inside it
        list(Host.objects.filter(host_match(q)))


def test_an_address_is_found_in_every_vrf(named: None) -> None:
    green = make_subnet("198.18.0.0/24", vrf=make_vrf("green"))
    make_host("198.18.0.3", subnet=green, hostname="green-3")
    found = Host.objects.filter(host_match("198.18.0.3")).values_list("hostname", flat=True)
    assert sorted(found) == ["green-3", "web-01"]


def _index_is_consistent() -> None:
    """FTS5's own check of the trigram table against the hosts (SQLite); nothing elsewhere."""
    if name_index.present():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ipam_host_text(ipam_host_text, rank) VALUES ('integrity-check', 1)"
            )


def test_hosts_an_import_creates_or_renames_are_found_by_name(named: None) -> None:
    from ipam.importing import run_import

    text = (
        "address,hostname,description\n"
        "198.18.0.5,renamed-by-import,\n"  # printer-3f's address: an update
        "198.18.0.50,imported-qz7,from the csv\n"
        "198.18.0.51,,only a dEscription\n"
    )
    assert run_import(text, "hosts", mode="update", dry_run=False).applied
    _index_is_consistent()
    for q in ("imported-qz", "renamed-by", "printer-3", "escription", "the csv"):
        assert _found(q) == _scanned(q)
    assert _found("imported-qz") == {("imported-qz7", "")}
    assert _found("printer-3") == set()
    Host.objects.get(hostname="imported-qz7").delete()
    _index_is_consistent()
    assert _found("imported-qz") == set()


def test_an_import_that_fails_leaves_the_name_index_as_it_was(named: None) -> None:
    from ipam.importing import ImportFileError, run_import
    from netkeep import importing

    text = "address,hostname\n198.18.0.60,doomed-kw4\n"
    outcomes = importing.plan(importing.get_importer("hosts"), text, "skip")
    make_host("198.18.0.60", hostname="got-there-first")  # the plan is now stale
    with pytest.raises(ImportFileError):
        importing.apply(importing.get_importer("hosts"), outcomes)
    _index_is_consistent()
    assert _found("doomed-kw") == set()
    # The pause went with the rolled-back transaction: later inserts are indexed again.
    make_host("198.18.0.61", hostname="after-rollback-9")
    assert _found("after-rollback") == {("after-rollback-9", "")}
    assert run_import("address,hostname\n198.18.0.62,next-import-5\n", "hosts", dry_run=False)
    assert _found("next-import") == {("next-import-5", "")}
    _index_is_consistent()


@pytest.fixture
def macs() -> None:
    make_subnet("198.18.1.0/24")
    for i, mac in enumerate(
        ["db:00:00:00:00:01", "db:01:00:00:00:02", "0a:1b:2c:3d:4e:5f", "da:ff:ff:ff:ff:ff", ""],
        start=1,
    ):
        make_host(f"198.18.1.{i}", mac=mac, hostname=f"m{i}")
    make_host("198.18.1.50", hostname="db-00-backup")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("db-00", {"m1", "db-00-backup"}),  # the first bytes of a MAC, or part of a name
        ("DB:0", {"m1"}),  # "0" is padded to "00": the MACs starting db:00
        ("db:01:00", {"m2"}),
        ("0A1B.2C3D.4E5F", {"m3"}),  # a whole MAC in Cisco's spelling
        ("da-ff-ff-ff-ff-ff", {"m4"}),
        ("db:00:00:00:00", {"m1"}),
    ],
)
def test_a_mac_or_its_first_bytes_find_exactly_those_macs(
    macs: None, q: str, expected: set[str]
) -> None:
    found = set(Host.objects.filter(host_match(q)).values_list("hostname", flat=True))
    assert found == expected


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize("q", ["0a:1b:2c:3d:4e:5f", "db-00"])
def test_on_sqlite_a_mac_seeks_the_mac_index_not_every_host(macs: None, q: str) -> None:
    plan = _plan(q)
    assert "ipam_host_mac" in plan and "SCAN ipam_host " not in plan + " "


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
@pytest.mark.parametrize("match", [Q(mac="0a:1b:2c:3d:4e:5f"), mac_prefix("db:00")])
def test_on_postgresql_a_mac_or_its_first_bytes_can_use_the_mac_index(macs: None, match: Q) -> None:
    """The pattern operator class serves LIKE 'db:00%' (a plain index would not)."""
    sql, params = Host.objects.filter(match).values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        # A few test rows make a scan cheapest: ask whether the index can serve at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = " | ".join(row[0] for row in cursor.fetchall())
    assert "ipam_host_mac" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_on_postgresql_the_name_indexes_keep_fine_statistics() -> None:
    """1,000 histogram bounds: with 100, ANALYZE's luck made a rare fragment look common
    and the search read every host in address order (90 ms instead of 2 at 110,000)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attstattarget FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relname LIKE %s AND a.attnum = 1",
            ["ipam_host_%_trgm"],
        )
        targets = dict(cursor.fetchall())
    assert targets == {f"ipam_host_{c}_trgm": 1000 for c in ("hostname", "ptr_name", "description")}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize("q", ["198.18.", "198.18.0.0/16", "2001:db8::/32", "e"])
def test_on_sqlite_a_broad_search_reads_in_index_order_without_a_sort(named: None, q: str) -> None:
    """The search's order is the index's: the first rows of 100,000 matches, no sort of them."""
    user = make_user("viewer", role="viewer")
    sql, params = host_results(user, q)[:21].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX ipam_host_range" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("most", [1000, 2])
def test_a_tag_name_finds_its_hosts_as_a_list_when_few_else_by_subquery(
    named: None, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    monkeypatch.setattr(filters, "TAGGED_LIST", most)
    tag = make_tag("rack-7")
    for host in Host.objects.filter(hostname__in=["db-01", "web-01", "x"]):
        host.tags.add(tag)
    assert _found("rack-7") == {("db-01", ""), ("web-01", ""), ("x", "")}
    sql = str(Host.objects.filter(host_match("rack-7")).query)
    # A list PostgreSQL can count, where a subquery in the OR made it guess half the hosts.
    assert ("ipam_host_tags" in sql) == (most == 2)


@pytest.mark.parametrize(
    "q", ["b-0", "db-0", "web-01 ", "mail%1", "r_s", "1 r", "lay-0", "-0", "CAFÉ-", "ünï", "É-Ü"]
)
def test_a_fragment_with_punctuation_finds_exactly_what_a_scan_finds(named: None, q: str) -> None:
    assert _found(q) == _scanned(q)


def test_the_name_key_of_the_code_is_the_one_migration_0015_indexes() -> None:
    """A changed key needs a migration that indexes it: the search would miss the index."""
    import importlib

    migration = importlib.import_module("ipam.migrations.0015_host_name_keys")
    assert migration.KEY.replace("{column}", "x") == name_index.key_sql("x").replace("%%", "%")
    assert "LAB-0 l_ab%".translate(name_index.KEY_MAP) == "LABQ0QLQABQ"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("lab-0", "%LABQ0%"),
        ("Büro", "%BÜRO%"),  # Latin-1 letters fold too
        ("Straße", "%STRA_E%"),  # ß has no one-letter upper case: any character
        ("Ωmega", "%_MEGA%"),
        ("ab", None),  # no trigram
        ("Ωß-x", None),  # no three keyed characters together
    ],
)
def test_a_search_key_keeps_only_what_every_case_of_the_text_shares(
    text: str, pattern: str | None
) -> None:
    assert name_index.key_pattern(text) == pattern


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
def test_on_postgresql_words_common_apart_and_rare_together_use_the_index() -> None:
    """Most descriptions hold "lab" and a word starting with "0"; none "lab-0"."""
    subnet = make_subnet("198.18.0.0/20")
    make_hosts(subnet, [f"198.18.{n // 250}.{n % 250 + 1}" for n in range(3000)])
    Host.objects.update(description=Concat(Value("Lab host 0"), Cast("id", CharField())))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ipam_host")
    sql, params = Host.objects.filter(host_match("lab-0")).values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        # 3,000 rows make reading them all cheapest: ask what the index does when it serves.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = json.dumps(cursor.fetchone()[0])
    assert "ipam_host_description_trgm" in plan and "translate(" in plan, plan
    # The index narrowed: no host holds "LABQ0", so none was read to be rechecked.
    assert '"Rows Removed by Index Recheck": 0' in plan or "Recheck" not in plan, plan
    assert not Host.objects.filter(host_match("lab-0")).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_on_postgresql_the_searched_upper_names_keep_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE %s", ["ipam_host_%"]
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {f"ipam_host_{c}_upper" for c in ("hostname", "ptr_name", "description")}
