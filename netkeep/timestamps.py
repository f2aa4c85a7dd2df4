"""Times read from PostgreSQL by psycopg's compiled loader, not Django's Python one.

Django registers its own `timestamptz` loader on every psycopg connection, a
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
"""

from __future__ import annotations

import datetime
import functools
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


def use_compiled_loader(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if connection.vendor != "postgresql" or not settings.USE_TZ:
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
    connection_created.connect(use_compiled_loader, dispatch_uid="netkeep-compiled-timestamptz")
