"""Related rows read in their parent's query, as one JSON text column.

A page that shows tag chips on a subnet, or its ancestors as a path, read them
with a query of their own: one more round trip per request. On PostgreSQL each
costs 1 to 2 ms here (a socket trip, the server process woken on the other CPU,
psycopg's cursor code in Python), against 0.1 to 0.2 ms for SQLite's in-process
call, and the subnet page made ten of them. `related_rows()` folds such a read
into the parent's query as a correlated subquery: the few related rows of each
parent row come back as `[[a, b], …]` text, which `parse_rows()` reads.

For a handful of small values per row (names, colours, ids, networks): times
would come back in each database's own text, so they are not offered here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import NotSupportedError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler


class JSONRows(Aggregate):
    """The group's values as one JSON array of arrays, as text: '[["core", "#c33"], …]'."""

    output_field = TextField()

    def _compiled(self, compiler: SQLCompiler) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for expression in self.source_expressions:
            sql, more = compiler.compile(expression)
            parts.append(sql)
            params.extend(more)
        return ", ".join(parts), params

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        values, params = self._compiled(compiler)
        return f"json_group_array(json_array({values}))", params

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        # As text: psycopg would otherwise parse `json` itself, unlike Django's jsonb.
        values, params = self._compiled(compiler)
        return f"json_agg(json_build_array({values}))::text", params

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        vendor = connection.vendor
        raise NotSupportedError(f"JSONRows is written for SQLite and PostgreSQL, not {vendor}")


def json_rows(rows: QuerySet[Any], group: str, *fields: str) -> Coalesce:
    """`fields` of `rows` as JSON text ('[]' for none), for `rows` that name an OuterRef.

    `group` is a field every one of the rows shares for an outer row (the link
    to it): the aggregate needs a group. The rows come in no particular order:
    sort them when reading.
    """
    grouped = rows.order_by().values(group).annotate(rows=JSONRows(*fields)).values("rows")
    text = TextField()
    return Coalesce(Subquery(grouped, output_field=text), Value("[]"), output_field=text)


def related_rows(rows: QuerySet[Any], link: str, *fields: str) -> Coalesce:
    """`fields` of the `rows` whose `link` is the outer row, as JSON text ('[]' for none).

    An expression to annotate the outer queryset with, e.g. the tags of each
    subnet: `related_rows(Subnet.tags.through.objects, "subnet", "tag__name")`.
    """
    return json_rows(rows.filter(**{link: OuterRef("pk")}), link, *fields)


def parse_rows(text: str | None) -> list[list[Any]]:
    """The rows of a `related_rows()` column."""
    return json.loads(text) if text else []
