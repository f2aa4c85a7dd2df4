"""What each new PostgreSQL connection gets: fast time loading, and no generic plans for searches.

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
"""

from __future__ import annotations

import datetime
import functools
import re
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


def on_connect(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor != "postgresql":
        return
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
