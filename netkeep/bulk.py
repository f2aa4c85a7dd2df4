"""Inserting many rows fast: one prepared INSERT, executemany, values adapted per column.

`bulk_create` compiles every value of every row through the field's
`get_db_prep_save` and the SQL compiler (about 20 calls per value); for a
100,000-row import that costs more than the database does. `insert()` builds
the INSERT once, fills unspecified columns with the field's default (or now,
for auto_now fields), adapts only the columns that need it (dates, JSON), and
sends batches with `executemany`. It sends no signals and returns no ids: the
caller reads the ids back by a unique key when it needs them (imports do,
for tag links and audit entries). Measured in bench/import.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH = 2000


def insert(model: type[models.Model], rows: Iterable[dict[str, Any]], batch: int = BATCH) -> int:
    """INSERT rows given as {attname: Python value}; a column a row leaves out gets its default."""
    rows = list(rows)
    if not rows:
        return 0
    given = set().union(*rows)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in given]
    now = timezone.now()
    # Per column: the row key to read (None: the same value for every row), its
    # value when the row leaves it out, and the adapter for the database.
    plan: list[tuple[str | None, Any, Callable[[Any], Any] | None]] = []
    for f in fields:
        adapt = _adapter(f)
        fixed = _default(f, now)
        if f.attname in given:
            plan.append((f.attname, fixed, adapt))
        else:
            plan.append((None, adapt(fixed) if adapt is not None else fixed, None))
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model, values go as parameters.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            cursor.executemany(sql, [_values(row, plan) for row in rows[i : i + batch]])
    return len(rows)


def _values(row: dict[str, Any], plan: list[tuple[str | None, Any, Any]]) -> list[Any]:
    values = []
    for name, fixed, adapt in plan:
        value = fixed if name is None else row.get(name, fixed)
        values.append(value if adapt is None else adapt(value))
    return values


def _default(field: models.Field, now: Any) -> Any:
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return now
    return field.get_default()


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a Python value of this field becomes a database value; None: it is one already."""
    if isinstance(field, (models.CharField, models.TextField, models.IntegerField)):
        return None
    if isinstance(field, models.ForeignKey):
        return None
    if isinstance(field, models.JSONField):
        # What get_db_prep_save ends in, without its ten calls per value on the way.
        adapt, encoder = connection.ops.adapt_json_value, field.encoder
        return lambda value: None if value is None and field.null else adapt(value, encoder)
    return lambda value: field.get_db_prep_save(value, connection)
