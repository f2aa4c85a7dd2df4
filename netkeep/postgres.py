"""What each new PostgreSQL connection gets: fast times, searches planned apiece, cheap checks.

**Times.** Django registers its own `timestamptz` loader on every psycopg connection, a
subclass of psycopg's pure-Python loader, so that each time carries the
connection's zone. It parses each value with a Python regular expression: about
10 µs a time, 50 ms for a thousand rows of five times, where psycopg's compiled
loader takes 5 ms (docs/benchmarks.md, "PostgreSQL per request"). Every page that
lists hosts, devices or runs paid it.

Django sets the session's TimeZone to the connection's zone, and the compiled
loader gives each time that zone, so the values are the same. This module
registers it only where that holds without doubt: USE_TZ on and the connection
in UTC (Django's own default), with psycopg's compiled extension installed.
Anything else keeps Django's loader.

**Pattern searches are never prepared.** psycopg prepares a query that a
connection runs often (netkeep.settings), and after five runs PostgreSQL may
plan a prepared query once for any parameter (a generic plan). For
`LIKE '%fragment%'` that plan cannot use the trigram indexes: a name search went
from 3 ms to 135 ms from its sixth run on a connection. A query with LIKE is sent
unprepared, so each is planned for its own pattern; every other query is
prepared as before.

**The health check costs no round trip.** With CONN_HEALTH_CHECKS (netkeep.settings)
Django sends `SELECT 1` before the first query of every request that reuses a
connection: one more round trip per request, a query's worth of time. An idle
connection in autocommit receives nothing unless the server ends it (a restart,
an idle timeout, pg_terminate_backend: the server sends its reason and closes the
socket). So the check looks whether the socket has anything to read, without
waiting; only then does it ask the server with Django's `SELECT 1`.
"""

from __future__ import annotations

import datetime
import functools
import re
import select
import types
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created


def compiled_loader() -> type | None:
    """psycopg's compiled text loader for timestamptz, or None without the extension."""
    try:
        from psycopg import adapters, pq
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    loader = adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)
    return loader if loader is not None and loader.__module__.startswith("psycopg_binary") else None


@functools.cache
def utc_loader(compiled: type) -> type:
    """A loader that Django's cursor check accepts and that parses in compiled code.

    Django compares the connection loader's `timezone` with its own before each
    cursor (and registers its loader again when they differ); the compiled class
    cannot be subclassed, so this one holds an instance and hands over its `load`.
    """
    from psycopg.adapt import Loader

    class UtcTimestamptzLoader(Loader):
        timezone = datetime.UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self.load = compiled(oid, context).load  # type: ignore[method-assign]

        def load(self, data: Any) -> Any:  # replaced per instance; kept for the protocol
            raise NotImplementedError

    return UtcTimestamptzLoader


PATTERN = re.compile(r"\bI?LIKE\b")


@functools.cache
def pattern_aware(cursor_class: type) -> type:
    """`cursor_class` (Django's) that sends queries with LIKE unprepared."""

    class PatternAwareCursor(cursor_class):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            if kwargs.get("prepare") is None and isinstance(query, str) and PATTERN.search(query):
                kwargs["prepare"] = False
            return super().execute(query, params, **kwargs)

    return PatternAwareCursor


def is_usable(connection: BaseDatabaseWrapper) -> bool:
    """Django's health check, with a round trip only when the server has sent something."""
    raw = connection.connection
    if raw is None or raw.closed or raw.broken:
        return False
    try:
        waiting, _, _ = select.select([raw.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    if not waiting:
        return True
    return bool(type(connection).is_usable(connection))


def on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor != "postgresql":
        return
    connection.is_usable = types.MethodType(is_usable, connection)  # type: ignore[method-assign]
    raw = connection.connection
    if getattr(raw, "prepare_threshold", None) is not None:
        raw.cursor_factory = pattern_aware(raw.cursor_factory)
    use_compiled_loader(connection)


def use_compiled_loader(connection: BaseDatabaseWrapper) -> None:
    if not settings.USE_TZ:
        return
    if connection.timezone is not datetime.UTC:
        return
    compiled = compiled_loader()
    if compiled is None:
        return
    raw = connection.connection
    if raw.info.parameter_status("TimeZone") != "UTC":
        return
    raw.adapters.register_loader("timestamptz", utc_loader(compiled))


def register() -> None:
    connection_created.connect(on_connect, dispatch_uid="netkeep-postgres-connection")
