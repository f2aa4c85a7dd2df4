"""Substring search on host names without reading every host: SQLite's side of the trigram index.

Searching a name fragment ("db-0", "00175") is `hostname LIKE '%q%' OR ptr_name ...
OR description ...`, which no B-tree index serves: SQLite reads hosts in address
order until it has a page of matches, so a rare fragment reads all 110,000
of them (50 ms of CPU). PostgreSQL has pg_trgm GIN indexes for it (migration
0006); on SQLite the equivalent is an FTS5 table with the trigram tokenizer
(SQLite ≥ 3.34) over the same three columns, kept by triggers on every write,
whatever the door (forms, API, imports, sweeps, raw SQL). A bulk insert (the CSV
import's apply) pauses the insert trigger for its own transaction and indexes its
hosts in one INSERT ... SELECT at the end (`inserts_paused()`): row by row, the
trigger cost about 50 µs per host (5 s of a 100,000-row import), one pass about
a seventh of that.

The index only narrows the rows: the LIKE conditions still decide, so the
results are exactly the unindexed ones. A fragment shorter than three
characters has no trigram and a very common one ("lab", matching most hosts)
is found sooner by the plain scan, which stops at the first page of matches:
both keep the plain query.
"""

from __future__ import annotations

import contextlib
import string
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql.compiler import SQLCompiler

TABLE = "ipam_host_text"
# A row here, which only the pausing transaction sees, stops the insert trigger.
PAUSE_TABLE = "ipam_host_text_pause"
# Above this many matches the address-ordered scan finds a page sooner than sorting them.
MOST = 5000

_REMOVE = (
    "INSERT INTO ipam_host_text(ipam_host_text, rowid, hostname, ptr_name, description) "
    "VALUES ('delete', old.id, old.hostname, old.ptr_name, old.description);"
)
_ADD = (
    "INSERT INTO ipam_host_text(rowid, hostname, ptr_name, description) "
    "VALUES (new.id, new.hostname, new.ptr_name, new.description);"
)
_PAUSABLE = [
    f"CREATE TABLE IF NOT EXISTS {PAUSE_TABLE} (paused integer NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS ipam_host_text_insert AFTER INSERT ON ipam_host "  # noqa: S608 — constants
    "WHEN NOT EXISTS (SELECT 1 FROM " + PAUSE_TABLE + ") BEGIN " + _ADD + " END",
]
_CREATE = [
    *_PAUSABLE,
    "CREATE TRIGGER IF NOT EXISTS ipam_host_text_delete AFTER DELETE ON ipam_host "
    "BEGIN " + _REMOVE + " END",
    "CREATE TRIGGER IF NOT EXISTS ipam_host_text_update "
    "AFTER UPDATE OF hostname, ptr_name, description ON ipam_host "
    "BEGIN " + _REMOVE + " " + _ADD + " END",
    "INSERT INTO ipam_host_text(ipam_host_text) VALUES ('rebuild')",
]
_DROP = [
    "DROP TRIGGER IF EXISTS ipam_host_text_insert",
    "DROP TRIGGER IF EXISTS ipam_host_text_delete",
    "DROP TRIGGER IF EXISTS ipam_host_text_update",
    "DROP TABLE IF EXISTS ipam_host_text",
    f"DROP TABLE IF EXISTS {PAUSE_TABLE}",
]
# The hosts inserted while paused, indexed in one pass.
_FILL = (
    "INSERT INTO ipam_host_text(rowid, hostname, ptr_name, description) "
    "SELECT id, hostname, ptr_name, description FROM ipam_host WHERE id > %s"
)
_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM ipam_host_text WHERE ipam_host_text MATCH %s LIMIT %s)"
)
_MATCHING = "SELECT rowid FROM ipam_host_text WHERE ipam_host_text MATCH %s"


def install(conn: BaseDatabaseWrapper) -> None:
    """Create the FTS5 table and its triggers on SQLite and index the hosts already there.

    Nothing on PostgreSQL, nor where SQLite lacks FTS5: the search stays
    correct there, only unindexed.
    """
    if conn.vendor != "sqlite":
        return
    conn._netkeep_name_index = None  # type: ignore[attr-defined] # present() asks again
    with conn.cursor() as cursor:
        try:
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS ipam_host_text USING "
                "fts5(hostname, ptr_name, description, content='ipam_host', "
                "content_rowid='id', tokenize='trigram')"
            )
        except DatabaseError as error:  # no FTS5 or no trigram tokenizer in this SQLite
            if "fts5" in str(error) or "tokenizer" in str(error):
                return
            raise
        for statement in _CREATE:
            cursor.execute(statement)


def make_pausable(conn: BaseDatabaseWrapper) -> None:
    """Give an existing index the pause table and the insert trigger that honours it (SQLite)."""
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [TABLE])
        if cursor.fetchone() is None:
            return
        cursor.execute("DROP TRIGGER IF EXISTS ipam_host_text_insert")
        for statement in _PAUSABLE:
            cursor.execute(statement)


@contextlib.contextmanager
def inserts_paused() -> Iterator[None]:
    """Hosts inserted in this block are indexed in one pass when it ends, not one by one.

    Must run inside the transaction that inserts them (SQLite has one writer at
    a time, so every host with an id past the newest one before the block is
    this block's). Only for inserts: a host inserted in the block must not be
    updated or deleted in it (the update and delete triggers would take out of
    the index terms that are not in it yet). Nothing on PostgreSQL.
    """
    if not present():
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("inserts_paused() needs a transaction: wrap it in atomic()")
    # In a savepoint of its own: when the block fails, its rollback takes the pause row too.
    with transaction.atomic(), connection.cursor() as cursor:
        # The pause row first: it takes the write lock, so no other writer adds a host
        # between reading the newest id and the inserts.
        cursor.execute(f"INSERT INTO {PAUSE_TABLE} (paused) VALUES (1)")  # noqa: S608 — constant
        cursor.execute("SELECT coalesce(max(id), 0) FROM ipam_host")
        (newest,) = cursor.fetchone()
        yield
        cursor.execute(f"DELETE FROM {PAUSE_TABLE}")  # noqa: S608 — constant
        cursor.execute(_FILL, [newest])


def drop(conn: BaseDatabaseWrapper) -> None:
    """Remove the table and its triggers (SQLite)."""
    if conn.vendor != "sqlite":
        return
    conn._netkeep_name_index = None  # type: ignore[attr-defined]
    with conn.cursor() as cursor:
        for statement in _DROP:
            cursor.execute(statement)


def present() -> bool:
    """Whether this database has the index (asked once per connection)."""
    if connection.vendor != "sqlite":
        return False
    known = getattr(connection, "_netkeep_name_index", None)
    if known is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [TABLE])
            known = cursor.fetchone() is not None
        connection._netkeep_name_index = known  # type: ignore[attr-defined]
    return bool(known)


def narrowed(text: str) -> Q | None:
    """The hosts whose names may hold `text`, read from the index; None: scan instead."""
    if len(text) < 3 or not present():
        return None
    phrase = '"' + text.replace('"', '""') + '"'
    with connection.cursor() as cursor:
        cursor.execute(_COUNT, [phrase, MOST + 1])
        (found,) = cursor.fetchone()
    if found > MOST:
        return None
    return Q(pk__in=RawSQL(_MATCHING, [phrase]))  # noqa: S611 — a constant, the text a parameter


# --- PostgreSQL: trigram indexes that see punctuation -------------------------------------

# pg_trgm indexes words: letters and digits. "lab-0" was the trigrams of "lab" and of
# a word starting with "0", and where most hosts hold both (descriptions "Lab host
# 001080") the index narrowed nothing: 70-120 ms at 110,000 hosts for no match. The
# indexes (migration 0015) are on a key of each name: letters folded to upper case,
# the space and every ASCII punctuation mark made the letter Q, so "lab-0" is
# "LABQ0", whose trigrams "ABQ" and "BQ0" are rare. A plain character map, the same
# in Python and in any database locale (UPPER is not: "i" in a Turkish one).


def _folds() -> dict[str, str]:
    """Letter -> upper case: ASCII and Latin-1, and U+0131, U+017F, U+0130 (UPPER: I, S, I).

    Each class of letters that UPPER makes equal shares one key, in every locale:
    the key never parts what a case-insensitive match joins.
    """
    folds = {chr(c): chr(c - 32) for c in range(ord("a"), ord("z") + 1)}
    folds |= {chr(c): chr(c - 32) for c in range(0xE0, 0xFF) if c != 0xF7}  # à-þ, not ÷
    return folds | {"\u0131": "I", "\u017f": "S", "\u0130": "I"}


_FOLDS = _folds()
_FROM = "".join(_FOLDS) + " " + string.punctuation
_TO = "".join(_FOLDS.values()) + "Q" * (1 + len(string.punctuation))
KEY_MAP = str.maketrans(_FROM, _TO)
# Characters whose every case-insensitive equal has their key; any other character
# of a search stands for any character (LIKE's _), which keeps the condition implied.
KEYED = frozenset(_FROM) | frozenset(_TO) | frozenset(string.digits)


def key_sql(operand: str) -> str:
    """The indexed key of a text column, in SQL sent with parameters (hence %% for %)."""
    source = _FROM.replace("'", "''").replace("%", "%%")
    return f"translate(({operand})::text, '{source}', '{_TO}')"


def key_pattern(text: str) -> str | None:
    """The LIKE pattern of `text`'s key; None when no three keyed characters run together.

    Without a run of three there is no trigram to look up, and the index would be
    read whole.
    """
    run = longest = 0
    for char in text:
        run = run + 1 if char in KEYED else 0
        longest = max(longest, run)
    if longest < 3:
        return None
    key = "".join(char.translate(KEY_MAP) if char in KEYED else "_" for char in text)
    return f"%{key}%"


class KeyContains(Func):
    """The field's key is LIKE the pattern (`key_pattern`): what the field's index serves.

    It follows from `field__icontains=text`, so adding it never drops a match, and
    the icontains conditions still decide. The pattern is a constant, which
    PostgreSQL's statistics on the key can weigh: a common fragment is then read in
    address order, a rare one through the index.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str, pattern: str) -> None:
        super().__init__(F(field), Value(pattern))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        pattern, more = compiler.compile(self.source_expressions[1])
        return f"{key_sql(column)} LIKE {pattern}", [*params, *more]


def keys_present() -> bool:
    """Whether this PostgreSQL database has the key indexes (asked once per connection).

    Without pg_trgm, or before PostgreSQL 14 (migration 0015), the names keep 0006's
    indexes or none, and the key condition would only cost a guess to the planner.
    """
    known = getattr(connection, "_netkeep_name_keys", None)
    if known is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_indexes WHERE indexname = %s AND indexdef LIKE %s",
                ["ipam_host_description_trgm", "%translate%"],
            )
            known = cursor.fetchone()[0] == 1
        connection._netkeep_name_keys = known  # type: ignore[attr-defined]
    return bool(known)


def trigram_narrowed(text: str, fields: Sequence[str]) -> Q | None:
    """On PostgreSQL, the hosts whose names' keys may hold `text`'s; None: nothing to add."""
    if connection.vendor != "postgresql":
        return None
    pattern = key_pattern(text)
    if pattern is None or not keys_present():
        return None
    narrowed = Q()
    for field in fields:
        narrowed |= Q(KeyContains(field, pattern))
    return narrowed
