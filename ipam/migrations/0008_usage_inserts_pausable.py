"""The host insert trigger can be paused by one transaction (bulk imports count in one pass)."""

from django.db import migrations


def reinstall(apps, schema_editor):
    # The functions of ipam/usage.py as they are at this migration: the SQL is plain text.
    from ipam import usage

    usage.drop_triggers(schema_editor.connection)
    usage.install_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("ipam", "0007_subnet_gateway"),
    ]

    # Going back keeps the pausable triggers: without a pause row they count as before.
    operations = [migrations.RunPython(reinstall, migrations.RunPython.noop)]
