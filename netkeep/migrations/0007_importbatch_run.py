"""ImportBatch.run_id (a bare number nothing filled) becomes a foreign key to the Run doing it."""

import django.db.models.deletion
from django.db import migrations, models


def link_runs(apps, schema_editor):
    ImportBatch = apps.get_model("netkeep", "ImportBatch")
    Run = apps.get_model("netkeep", "Run")
    numbered = ImportBatch.objects.exclude(old_run_id=None)
    existing = set(Run.objects.filter(pk__in=numbered.values("old_run_id")).values_list("pk", flat=True))
    for batch in numbered.only("pk", "old_run_id"):
        if batch.old_run_id in existing:
            ImportBatch.objects.filter(pk=batch.pk).update(run_id=batch.old_run_id)


def unlink_runs(apps, schema_editor):
    ImportBatch = apps.get_model("netkeep", "ImportBatch")
    for batch in ImportBatch.objects.exclude(run=None).only("pk", "run_id"):
        ImportBatch.objects.filter(pk=batch.pk).update(old_run_id=batch.run_id)


class Migration(migrations.Migration):
    dependencies = [
        ("netkeep", "0006_alter_event_kind"),
    ]

    operations = [
        migrations.RenameField(model_name="importbatch", old_name="run_id", new_name="old_run_id"),
        migrations.AddField(
            model_name="importbatch",
            name="run",
            field=models.ForeignKey(
                blank=True,
                help_text="The background job previewing or applying it (the latest one).",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="netkeep.run",
            ),
        ),
        migrations.RunPython(link_runs, unlink_runs),
        migrations.RemoveField(model_name="importbatch", name="old_run_id"),
    ]
