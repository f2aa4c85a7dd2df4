"""Hosts lose two indexes that others cover: writing 100,000 hosts updates fewer (bench/import.py).

- `subnet_id` alone: the (subnet, key) index serves every lookup by subnet.
- PostgreSQL's `status varchar_pattern_ops` index, which an indexed CharField
  gets for LIKE: nothing searches status by pattern. The plain status index stays,
  under its old name, as a Meta index.

Only indexes are dropped (SeparateDatabaseAndState): on SQLite, altering the
fields through the schema editor would rebuild ipam_host and lose its triggers.
"""

import django.db.models.deletion
from django.db import migrations, models


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS ipam_host_subnet_id_8b805e60")
        cursor.execute("DROP INDEX IF EXISTS ipam_host_status_a5c79ed4_like")


def restore(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE INDEX ipam_host_subnet_id_8b805e60 ON ipam_host (subnet_id)")
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(
                "CREATE INDEX ipam_host_status_a5c79ed4_like "
                "ON ipam_host (status varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [("ipam", "0011_host_name_index_pausable")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, restore)],
            state_operations=[
                migrations.AlterField(
                    model_name="host",
                    name="status",
                    field=models.CharField(
                        choices=[("up", "Up"), ("down", "Down"), ("unknown", "Unknown")],
                        default="unknown",
                        max_length=8,
                    ),
                ),
                migrations.AlterField(
                    model_name="host",
                    name="subnet",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="hosts",
                        to="ipam.subnet",
                    ),
                ),
                migrations.AddIndex(
                    model_name="host",
                    index=models.Index(fields=["status"], name="ipam_host_status_a5c79ed4"),
                ),
            ],
        )
    ]
