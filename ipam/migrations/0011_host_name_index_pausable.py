"""SQLite's name index: its insert trigger can be paused by one transaction (bulk imports index in one pass)."""

from django.db import migrations


def pausable(apps, schema_editor):
    from ipam import name_index

    name_index.make_pausable(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ipam", "0010_host_name_index_sqlite")]

    # Going back keeps the pausable trigger: without a pause row it indexes as before.
    operations = [migrations.RunPython(pausable, migrations.RunPython.noop)]
