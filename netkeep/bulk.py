"""Inserting many rows fast: one prepared INSERT, executemany, values adapted per column.

`bulk_create` compiles every value of every row through the field's
`get_db_prep_save` and the SQL compiler (about 20 calls per value); for a
100,000-row import that costs more than the database does. `insert()` builds
the values column by column, fills unspecified columns with the field's
default (or now, for auto_now fields), adapts only the columns that need it
(dates, JSON), and sends batches with `executemany` of one prepared INSERT on
SQLite and with `COPY` on PostgreSQL. It sends no signals and returns no ids: the
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
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column or f.attname) for f in fields)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            values = _columns(rows[i : i + batch], fields, given, now)
            if connection.vendor == "postgresql":
                # COPY: psycopg writes the rows in one stream, the server parses no SQL.
                # Its errors become Django's (IntegrityError) as the cursor's would.
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                # Table and column names come from the model, values go as parameters.
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, values)
    return len(rows)


def _columns(
    rows: list[dict[str, Any]], fields: list[models.Field], given: set[str], now: Any
) -> list[tuple[Any, ...]]:
    """The rows' values, built column by column (a list comprehension each), as tuples."""
    columns: list[list[Any]] = []
    for f in fields:
        adapt = _adapter(f)
        fixed = _default(f, now)
        if f.attname not in given:
            columns.append([adapt(fixed) if adapt is not None else fixed] * len(rows))
            continue
        name = f.attname
        values = [row.get(name, fixed) for row in rows]
        columns.append(values if adapt is None else [adapt(v) for v in values])
    return list(zip(*columns, strict=True))


def _default(field: models.Field, now: Any) -> Any:
    if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
        return now
    return field.get_default()


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """How a Python value of this field becomes a database value; None: it is one already."""
    if isinstance(field, (models.CharField, models.TextField, models.IntegerField)) and not any(
        # A field that changes values on their way in (EncryptedTextField encrypts).
        name in vars(cls)
        for cls in type(field).__mro__
        if not cls.__module__.startswith("django.")
        for name in ("get_prep_value", "get_db_prep_value", "get_db_prep_save")
    ):
        return None
    if isinstance(field, models.ForeignKey):
        return None
    if isinstance(field, models.BinaryField):
        return None  # sqlite3 and psycopg both take bytes as they are
    if isinstance(field, models.JSONField):
        # What get_db_prep_save ends in, without its ten calls per value on the way.
        adapt, encoder = connection.ops.adapt_json_value, field.encoder
        return lambda value: None if value is None and field.null else adapt(value, encoder)
    # Anything else, and project fields such as EncryptedTextField (which encrypts in
    # get_prep_value), goes through the field itself.
    return lambda value: field.get_db_prep_save(value, connection)
