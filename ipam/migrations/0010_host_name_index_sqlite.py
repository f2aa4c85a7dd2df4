"""SQLite's trigram index for name-fragment search (ipam/name_index.py); nothing on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    from ipam import name_index

    name_index.install(schema_editor.connection)


def drop(apps, schema_editor):
    from ipam import name_index

    name_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ipam", "0009_hostname_rfc1123")]

    operations = [migrations.RunPython(create, drop)]
