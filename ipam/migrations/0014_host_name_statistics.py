"""Finer statistics for the name-fragment indexes on PostgreSQL; nothing on SQLite.

PostgreSQL guesses how many hosts a fragment (`UPPER(hostname) LIKE '%00175%'`)
matches from each indexed expression's histogram: with the default 100 bounds a
rare fragment was guessed at 16 hosts or at 600-1,600, by the luck of ANALYZE's
sample. The high guesses chose to read every host in address order until a page
of matches (90 ms at 110,000 hosts) instead of the trigram index (2 ms): two
benchmark runs in four. With 1,000 bounds the guess is steady and small for a rare
fragment and still large for a common one, which the address-ordered read finds
sooner. The cost is a longer ANALYZE of the host table (a fuller sample).
"""

from django.db import migrations

COLUMNS = ("hostname", "ptr_name", "description")
TARGET = 1000


def apply(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for column in COLUMNS:
                # Index names from 0006; absent without pg_trgm: nothing to tune.
                cursor.execute("SELECT to_regclass(%s)", [f"ipam_host_{column}_trgm"])
                if cursor.fetchone()[0] is None:
                    continue
                cursor.execute(
                    f"ALTER INDEX ipam_host_{column}_trgm ALTER COLUMN 1 SET STATISTICS {target}"
                )
            cursor.execute("ANALYZE ipam_host")

    return run


class Migration(migrations.Migration):
    dependencies = [("ipam", "0013_host_mac_index")]

    operations = [migrations.RunPython(apply(TARGET), apply(-1))]
