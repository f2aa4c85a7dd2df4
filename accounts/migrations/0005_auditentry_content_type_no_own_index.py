"""An audit entry's content type has no index of its own: (content_type, object_id) serves it.

One index fewer to write for each of the 100,000 entries of a large import.
Only the index is dropped (SeparateDatabaseAndState): SQLite would otherwise
rebuild the table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_setup_dismissed"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS accounts_auditentry_content_type_id_de2c4b14",
                    "CREATE INDEX accounts_auditentry_content_type_id_de2c4b14 "
                    "ON accounts_auditentry (content_type_id)",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                )
            ],
        )
    ]
