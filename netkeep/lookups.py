"""`field__in=[...]` on PostgreSQL as one array parameter: `field = ANY(%s::type[])`.

Django writes a list as `IN (%s, %s, …)`, one parameter per value. On PostgreSQL
that costs three ways on every request: psycopg rewrites the placeholders of a
query over 4 KB in Python each time (it caches only shorter ones), binds each
value alone, and every list length is a query text of its own, so none is
prepared for long (netkeep.settings: prepared statements). One array parameter
gives one short query text for any length, which is then prepared like the rest.

The rows are the same: `= ANY(array)` matches what `IN (list)` matches, NULLs
left out as Django leaves them out, and an empty list still matches nothing
without a query. Subqueries, expressions and values other than numbers and text
keep Django's own SQL, as does every other database.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignObject, lookups
from django.db.models.expressions import ColPairs
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.sql.compiler import SQLCompiler

BIGINT = range(-(2**63), 2**63)


def array_type(db_type: str | None, params: tuple[Any, ...]) -> str | None:
    """The array type for these values of a column of `db_type`, or None to keep IN.

    Numbers go as bigint[] whatever the column's width (a smallint column compared
    with 100000 matches nothing instead of failing the cast), text as text[]: a
    varchar(N)[] cast would cut longer values to N characters and match a prefix.
    """
    if not db_type or not params:
        return None
    if db_type in ("integer", "bigint", "smallint"):
        whole = all(type(p) is int and p in BIGINT for p in params)
        return "bigint" if whole else None
    if db_type.startswith(("varchar", "char", "text")):
        return "text" if all(type(p) is str for p in params) else None
    return None


class ArrayInMixin:
    """Writes a direct list of numbers or text as one array on PostgreSQL."""

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, Any]:
        lookup: Any = self
        if not lookup.rhs_is_direct_value() or isinstance(lookup.lhs, ColPairs):
            return lookup.as_sql(compiler, connection)
        # Django's own steps: NULLs dropped, values prepared, EmptyResultSet when none is left.
        placeholder, params = lookup.process_rhs(compiler, connection)
        kind = array_type(lookup.lhs.output_field.db_type(connection), params)
        if kind is None or placeholder != "(" + ", ".join(["%s"] * len(params)) + ")":
            return lookup.as_sql(compiler, connection)
        lhs_sql, lhs_params = lookup.process_lhs(compiler, connection)
        return f"{lhs_sql} = ANY(%s::{kind}[])", (*lhs_params, list(params))


class ArrayIn(ArrayInMixin, lookups.In):
    pass


class ArrayRelatedIn(ArrayInMixin, RelatedIn):
    pass


def register() -> None:
    """Use the array form for every field's `__in` (called once, by netkeep's AppConfig)."""
    Field.register_lookup(ArrayIn)
    ForeignObject.register_lookup(ArrayRelatedIn)
