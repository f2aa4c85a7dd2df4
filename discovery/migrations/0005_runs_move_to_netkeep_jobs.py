"""Runs move to netkeep.jobs: every row is copied to netkeep_run, then discovery_run goes.

A row keeps its id, its counters and its outcome; its subnet and host become
refs ({"subnet": 5, "host": 7}), since netkeep points at no app's table. The
content type discovery.run becomes netkeep.run (so granted view permissions and
anything pointing at a run by content type stay valid), and the "run scans"
permission moves to discovery's ScanRun, keeping every grant.
"""

from typing import Any

from django.core.management.color import no_style
from django.db import migrations

BATCH = 1000
FIELDS = (
    "id",
    "kind",
    "target",
    "profile",
    "started_by_id",
    "by_schedule",
    "status",
    "done",
    "total",
    "counts",
    "created",
    "started",
    "finished",
    "heartbeat",
    "error_class",
    "error_message",
    "attempts",
    "task_id",
)


def copy_runs(apps: Any, schema_editor: Any) -> None:
    Old = apps.get_model("discovery", "Run")
    New = apps.get_model("netkeep", "Run")
    alias = schema_editor.connection.alias
    rows = Old.objects.using(alias).order_by("pk").values(*FIELDS, "subnet_id", "host_id")
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        subnet, host = row.pop("subnet_id"), row.pop("host_id")
        refs = {"subnet": subnet, "host": host}
        batch.append(New(refs={k: v for k, v in refs.items() if v is not None}, **row))
        if len(batch) >= BATCH:
            New.objects.using(alias).bulk_create(batch)
            batch = []
    New.objects.using(alias).bulk_create(batch)
    # Copied ids came with the rows: the id sequence must continue after them (PostgreSQL).
    with schema_editor.connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [New]):
            cursor.execute(sql)


def copy_back(apps: Any, schema_editor: Any) -> None:
    """Reverse: the rows of discovery's kinds go back to discovery_run."""
    Old = apps.get_model("discovery", "Run")
    New = apps.get_model("netkeep", "Run")
    alias = schema_editor.connection.alias
    kinds = ("sweep", "known_hosts", "ports", "dns")
    batch = []
    for run in New.objects.using(alias).filter(kind__in=kinds).order_by("pk").iterator(BATCH):
        row = {name: getattr(run, name) for name in FIELDS}
        refs = run.refs or {}
        batch.append(Old(subnet_id=refs.get("subnet"), host_id=refs.get("host"), **row))
    Old.objects.using(alias).bulk_create(batch, batch_size=BATCH)
    New.objects.using(alias).filter(kind__in=kinds).delete()
    with schema_editor.connection.cursor() as cursor:
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [Old]):
            cursor.execute(sql)


def move_permissions(apps: Any, schema_editor: Any) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    alias = schema_editor.connection.alias
    types = ContentType.objects.db_manager(alias)
    old = types.filter(app_label="discovery", model="run").first()
    if old is None:
        return  # a fresh database: post_migrate creates everything
    scan_run, _ = types.get_or_create(app_label="discovery", model="scanrun")
    Permission.objects.using(alias).filter(content_type=old, codename="run_scans").update(
        content_type=scan_run
    )
    if not types.filter(app_label="netkeep", model="run").exists():
        old.app_label = "netkeep"
        old.save(update_fields=["app_label"])


def move_permissions_back(apps: Any, schema_editor: Any) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    alias = schema_editor.connection.alias
    types = ContentType.objects.db_manager(alias)
    run = types.filter(app_label="netkeep", model="run").first()
    scan_run = types.filter(app_label="discovery", model="scanrun").first()
    if run is None:
        return
    if not types.filter(app_label="discovery", model="run").exists():
        run.app_label = "discovery"
        run.save(update_fields=["app_label"])
    if scan_run is not None:
        Permission.objects.using(alias).filter(content_type=scan_run, codename="run_scans").update(
            content_type=run
        )


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0004_reconciliation_check"),
        ("netkeep", "0004_run"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(copy_runs, copy_back),
        migrations.RunPython(move_permissions, move_permissions_back),
        migrations.DeleteModel(name="Run"),
        migrations.CreateModel(
            name="ScanRun",
            fields=[],
            options={
                "verbose_name": "scan run",
                "permissions": [("run_scans", "Can run scans")],
                "default_permissions": (),
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("netkeep.run",),
        ),
    ]
