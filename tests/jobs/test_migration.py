"""Runs move from discovery_run to netkeep.jobs' table without losing a row (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from discovery.models import ScanRun
from netkeep.jobs import Run
from tests.factories import make_host, make_subnet

BEFORE = [("discovery", "0004_reconciliation_check"), ("netkeep", "0003_import_batches")]


def _migrate(targets: list[tuple[str, str]] | None = None) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps if targets else None


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_keeps_every_run_through_the_move(erin: Any) -> None:
    subnet = make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.10", subnet)
    old_apps = _migrate(BEFORE)
    try:
        OldRun = old_apps.get_model("discovery", "Run")
        swept = OldRun.objects.create(
            kind="sweep",
            target="198.18.0.0/24",
            subnet_id=subnet.pk,
            started_by_id=erin.pk,
            status="succeeded",
            done=254,
            total=254,
            counts={"alive": 3},
            error_message="",
        )
        scanned = OldRun.objects.create(
            kind="ports",
            target="198.18.0.10",
            subnet_id=subnet.pk,
            host_id=host.pk,
            status="running",
        )
        loose = OldRun.objects.create(kind="known_hosts", target="known hosts", status="failed")
        # Migrating back put the permissions where an installation from before the
        # move has them: on discovery.run's content type.
        grant = Permission.objects.get(
            content_type__app_label="discovery", content_type__model="run", codename="run_scans"
        )
        erin.user_permissions.add(grant, Permission.objects.get(codename="view_run"))
        ContentType.objects.clear_cache()
    finally:
        _migrate()
        ContentType.objects.clear_cache()

    moved = {run.pk: run for run in ScanRun.objects.all()}
    assert set(moved) == {swept.pk, scanned.pk, loose.pk}
    first = moved[swept.pk]
    assert (first.kind, first.target, first.status, first.done, first.total) == (
        "sweep",
        "198.18.0.0/24",
        "succeeded",
        254,
        254,
    )
    assert (first.counts, first.started_by, first.subnet, first.host) == (
        {"alive": 3},
        erin,
        subnet,
        None,
    )
    assert (moved[scanned.pk].subnet, moved[scanned.pk].host) == (subnet, host)
    assert moved[loose.pk].refs == {}
    # The one active run per target still holds, and new rows get ids after the copied ones.
    fresh = Run.objects.create(kind="sweep", target="198.18.1.0/24")
    assert fresh.pk > max(moved)
    # Who could run scans still can; runs are readable under their new name.
    assert Permission.objects.get(pk=grant.pk).content_type.model_class() is ScanRun
    reloaded = type(erin).objects.get(pk=erin.pk)
    assert reloaded.has_perm("discovery.run_scans") and reloaded.has_perm("netkeep.view_run")
    assert not connection.introspection.table_names().count("discovery_run")


@pytest.mark.django_db(transaction=True)
def test_import_batches_keep_their_run_as_a_link_through_the_migration(erin: Any) -> None:
    old_apps = _migrate([("netkeep", "0006_alter_event_kind")])
    try:
        OldBatch = old_apps.get_model("netkeep", "ImportBatch")
        OldRun = old_apps.get_model("netkeep", "Run")
        run = OldRun.objects.create(kind="import", target="hosts import", status="succeeded")
        linked = OldBatch.objects.create(kind="hosts", mode="skip", user_id=erin.pk, run_id=run.pk)
        dangling = OldBatch.objects.create(kind="hosts", mode="skip", run_id=run.pk + 1000)
        plain = OldBatch.objects.create(kind="vlans", mode="update", filename="v.csv")
    finally:
        _migrate()

    from netkeep.models import ImportBatch

    after = {batch.pk: batch for batch in ImportBatch.objects.all()}
    assert set(after) == {linked.pk, dangling.pk, plain.pk}
    assert after[linked.pk].run == Run.objects.get(pk=run.pk)
    assert after[dangling.pk].run is None and after[plain.pk].run is None
    assert (after[plain.pk].kind, after[plain.pk].filename) == ("vlans", "v.csv")
