"""Each PostgreSQL connection: compiled time loading, searches unprepared, cheap health checks."""

from __future__ import annotations

import datetime
import time
import zoneinfo
from typing import Any

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from netkeep.postgres import compiled_loader

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders"),
]

TIMES = [
    "2026-11-29 16:45:19+00",
    "2026-11-29 16:45:19.5+00",
    "2026-11-29 16:45:19.000001+00",
    "2026-03-29 01:30:00.123456+02",
    "1999-12-31 23:59:59.999999-05:30",
    "0099-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def read(cursor: object, value: str) -> datetime.datetime:
    cursor.execute("SELECT %s::timestamptz", [value])  # type: ignore[attr-defined]
    return cursor.fetchone()[0]  # type: ignore[attr-defined, no-any-return]


def test_the_connection_reads_times_with_the_compiled_loader() -> None:
    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    loader = connection.connection.adapters.get_loader(oid, 0)
    assert compiled_loader() is not None, "psycopg[binary] is a dependency"
    assert not issubclass(loader, BaseTzLoader), "Django's Python loader is still in use"
    # Each value is parsed by the compiled loader's own method.
    assert type(loader(oid, connection.connection).load.__self__) is compiled_loader()


def test_it_reads_every_time_as_djangos_loader_does() -> None:
    with connection.cursor() as cursor:
        ours = [read(cursor, value) for value in TIMES] + [read(cursor, None)]  # type: ignore[arg-type]
        # Django's own loader for the same cursor, as it registers it without us.
        from django.db.backends.postgresql.psycopg_any import register_tzloader

        register_tzloader(connection.timezone, cursor.cursor)
        djangos = [read(cursor, value) for value in TIMES] + [read(cursor, None)]  # type: ignore[arg-type]
    assert ours == djangos
    assert [value.tzinfo for value in ours[:-1]] == [datetime.UTC] * len(TIMES)
    assert ours[1].microsecond == 500_000 and ours[2].microsecond == 1
    assert ours[-1] is None


def test_a_connection_in_another_zone_keeps_djangos_loader() -> None:
    settings = {**connection.settings_dict, "TIME_ZONE": "Europe/Paris"}
    other = type(connections["default"])(settings, alias="paris")
    try:
        other.ensure_connection()
        oid = other.connection.adapters.types["timestamptz"].oid
        assert issubclass(other.connection.adapters.get_loader(oid, 0), BaseTzLoader)
        with other.cursor() as cursor:
            value = read(cursor, "2026-07-01 12:00:00+00")
        assert value.tzinfo == zoneinfo.ZoneInfo("Europe/Paris") and value.hour == 14
    finally:
        other.close()


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_pattern_searches_are_never_prepared_and_other_queries_are() -> None:
    """A prepared LIKE would get a generic plan that cannot use the trigram indexes."""
    from ipam.models import Host

    for _ in range(12):
        list(Host.objects.filter(hostname__icontains="web"))
        list(Host.objects.filter(hostname="web-7"))
    statements = prepared_statements()
    assert any('"ipam_host"."hostname" = $1' in s for s in statements), statements
    assert not any("LIKE" in s for s in statements), statements


def test_the_health_check_of_an_idle_connection_sends_nothing(monkeypatch: Any) -> None:
    connection.ensure_connection()
    raw = connection.connection

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(raw, "cursor", refuse)
    monkeypatch.setattr(raw, "execute", refuse)
    assert connection.is_usable()


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_fails_the_check_and_the_next_query_reconnects() -> None:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    other = type(connections["default"])(connection.settings_dict, alias="other")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    # The server's notice and the closed socket arrive a moment later.
    for _ in range(100):
        if not connection.is_usable():
            break
        time.sleep(0.02)
    assert not connection.is_usable()
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
