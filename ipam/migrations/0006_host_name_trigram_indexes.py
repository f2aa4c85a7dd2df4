"""Trigram indexes for name-fragment search on PostgreSQL (pg_trgm); nothing on SQLite.

Django's icontains on PostgreSQL is `UPPER(col::text) LIKE UPPER('%q%')`, so the
GIN indexes are on that same expression. Without the pg_trgm extension (no
right to create it) the search stays correct, only unindexed.
"""

from django.db import DatabaseError, migrations, transaction

COLUMNS = ("hostname", "ptr_name", "description")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), schema_editor.connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS ipam_host_{column}_trgm ON ipam_host "
                f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for column in COLUMNS:
            cursor.execute(f"DROP INDEX IF EXISTS ipam_host_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("ipam", "0005_usage_counts")]

    operations = [migrations.RunPython(create, drop)]
