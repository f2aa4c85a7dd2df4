"""PostgreSQL's name-fragment indexes see punctuation; nothing on SQLite.

pg_trgm indexes words (letters and digits): a fragment such as `lab-0` was only the
trigrams of `lab` and of a word starting with `0`, which most hosts of a lab may
hold, and the index then narrowed nothing (70-120 ms at 110,000 hosts for no
match). The indexes are now on a key of each name (`ipam.name_index.key_sql`):
letters upper-cased, the space and each ASCII punctuation mark made `Q`, so
`lab-0` is `LABQ0`, whose trigrams `ABQ` and `BQ0` are rare. Letters are folded
to upper case by a plain map (ASCII and Latin-1), the same in every locale. The
search adds the matching condition (`name_index.KeyContains`); its icontains
conditions still decide.
Same index names and statistics target as 0006 and 0014, and statistics on the
`UPPER(name)` the icontains conditions use (PostgreSQL 14 and later; older
servers keep the indexes of 0006). The key is written out here as it was when
this migration was made (a test compares it with `key_sql`).
"""

import string

from django.db import migrations

COLUMNS = ("hostname", "ptr_name", "description")
# Letters to upper case (ASCII, Latin-1 but ÷, and ı ſ İ), the space and punctuation to Q.
FOLDS = {chr(c): chr(c - 32) for c in range(ord("a"), ord("z") + 1)}
FOLDS |= {chr(c): chr(c - 32) for c in range(0xE0, 0xFF) if c != 0xF7}
FOLDS |= {"\u0131": "I", "\u017f": "S", "\u0130": "I"}
SOURCE = ("".join(FOLDS) + " " + string.punctuation).replace("'", "''")
TARGET = "".join(FOLDS.values()) + "Q" * 33
KEY = "translate(({column})::text, '" + SOURCE + "', '" + TARGET + "')"
UPPER = "UPPER({column}::text)"


def statistics(cursor, column: str, keep: bool) -> None:
    """Statistics on `UPPER(column)`, which the dropped index kept and the search still uses.

    The icontains conditions still filter the rows; without them PostgreSQL guessed
    that `UPPER(description) LIKE '%LAB HOST%'` matched 10 hosts of 59,000 and sorted
    every match instead of reading in address order (3 ms became 440 ms).
    """
    name = f"ipam_host_{column}_upper"
    cursor.execute(f"DROP STATISTICS IF EXISTS {name}")
    if keep:
        cursor.execute(f"CREATE STATISTICS {name} ON (UPPER({column}::text)) FROM ipam_host")
        cursor.execute(f"ALTER STATISTICS {name} SET STATISTICS 1000")


def index(expression: str):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        # Statistics on an expression need PostgreSQL 14: older ones keep 0006's indexes.
        if connection.vendor != "postgresql" or connection.pg_version < 140000:
            return
        with schema_editor.connection.cursor() as cursor:
            for column in COLUMNS:
                name = f"ipam_host_{column}_trgm"
                # Absent without pg_trgm (0006): the search is then unindexed, as before.
                cursor.execute("SELECT to_regclass(%s)", [name])
                if cursor.fetchone()[0] is None:
                    continue
                cursor.execute(f"DROP INDEX {name}")
                key = expression.replace("{column}", column)
                cursor.execute(f"CREATE INDEX {name} ON ipam_host USING gin (({key}) gin_trgm_ops)")
                cursor.execute(f"ALTER INDEX {name} ALTER COLUMN 1 SET STATISTICS 1000")
                statistics(cursor, column, expression == KEY)
            cursor.execute("ANALYZE ipam_host")

    return run


class Migration(migrations.Migration):
    dependencies = [("ipam", "0014_host_name_statistics")]

    operations = [migrations.RunPython(index(KEY), index(UPPER))]
