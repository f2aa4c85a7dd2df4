"""`__in` lists: one array parameter on PostgreSQL, the same rows as Django's IN everywhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from ipam.models import VLAN, Host, Subnet, Tag
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


@pytest.fixture
def hosts() -> list[Host]:
    subnet = make_subnet("198.18.0.0/24")
    return [make_host(f"198.18.0.{n}", subnet, hostname=f"h{n}") for n in range(1, 6)]


def sql_of(queryset: object) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(queryset)  # type: ignore[call-overload]
    return queries.captured_queries[-1]["sql"]


def test_an_in_list_matches_the_same_rows_on_every_database(hosts: list[Host]) -> None:
    wanted = [hosts[0].pk, hosts[3].pk, hosts[3].pk, None, 10**9]
    assert sorted(Host.objects.filter(pk__in=wanted).values_list("pk", flat=True)) == sorted(
        [hosts[0].pk, hosts[3].pk]
    )
    keys = [hosts[1].key, hosts[4].key]
    assert set(Host.objects.filter(key__in=keys)) == {hosts[1], hosts[4]}
    assert set(Host.objects.filter(subnet__in=[hosts[0].subnet])) == set(hosts)
    assert set(Host.objects.filter(hostname__in=["h2", "nope"])) == {hosts[1]}


def test_an_empty_or_all_null_list_matches_nothing_without_a_query(hosts: list[Host]) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert list(Host.objects.filter(pk__in=[])) == []
        assert list(Host.objects.filter(pk__in=[None])) == []
    assert len(queries) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array form")
def test_postgresql_gets_one_array_parameter_whatever_the_length(hosts: list[Host]) -> None:
    one = sql_of(Host.objects.filter(pk__in=[hosts[0].pk]))
    five = sql_of(Host.objects.filter(pk__in=[h.pk for h in hosts]))
    assert "= ANY(" in one and "::bigint[]" in one
    assert "IN (" not in five and five.count("ANY(") == 1
    related = sql_of(Host.objects.filter(subnet__in=[hosts[0].subnet_id]))
    assert "= ANY(" in related
    # A subquery stays a subquery.
    assert "IN (SELECT" in sql_of(Host.objects.filter(subnet__in=Subnet.objects.all()))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array form")
def test_text_is_compared_whole_not_cut_to_the_columns_length(db: None) -> None:
    """A varchar(150)[] cast would cut a longer name to 150 characters and match it."""
    full = "a" * 150  # usernames are varchar(150)
    User.objects.create(username=full)
    longer = full + "b"
    assert "::text[]" in sql_of(User.objects.filter(username__in=[longer]))
    assert not User.objects.filter(username__in=[longer]).exists()
    assert User.objects.filter(username__in=[full, longer]).count() == 1


def test_numbers_out_of_a_columns_range_match_nothing_instead_of_failing(db: None) -> None:
    """A smallint column (a VLAN id) asked for 100000, or a key beyond bigint, is no error."""
    VLAN.objects.create(vid=10, name="ten")
    assert list(VLAN.objects.filter(vid__in=[100_000]).values_list("vid", flat=True)) == []
    assert list(VLAN.objects.filter(vid__in=[10, 100_000]).values_list("vid", flat=True)) == [10]
    if connection.vendor == "postgresql":  # SQLite's driver refuses such a number itself
        assert list(Tag.objects.filter(pk__in=[2**70])) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_lists_of_any_length_share_one_statement_that_postgresql_prepares(
    hosts: list[Host],
) -> None:
    """Seven lists of seven lengths are one query text: prepared after its fifth run."""
    for n in range(1, 8):
        list(Host.objects.filter(pk__in=[h.pk for h in hosts][:n]).values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"ipam_host"."id" = ANY(' in text for text in prepared), prepared
