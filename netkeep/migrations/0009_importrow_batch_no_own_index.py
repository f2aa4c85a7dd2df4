"""An import row's batch has no index of its own: the (batch, action, line) index serves it.

One index fewer to write for each of the 100,000 rows of a large preview.
Only the index is dropped (SeparateDatabaseAndState): SQLite would otherwise
rebuild the table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("netkeep", "0008_watch")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS netkeep_importrow_batch_id_d686129b",
                    "CREATE INDEX netkeep_importrow_batch_id_d686129b "
                    "ON netkeep_importrow (batch_id)",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="importrow",
                    name="batch",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rows",
                        to="netkeep.importbatch",
                    ),
                )
            ],
        )
    ]
