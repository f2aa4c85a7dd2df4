"""Reading ids from request text without ever turning bad input into a 500."""

from __future__ import annotations

from collections.abc import Iterable

# The largest value a bigint primary key holds on SQLite and PostgreSQL.
MAX_PK = 2**63 - 1


def parse_pk(value: str | None) -> int | None:
    """A primary key from a query or form value, or None for anything else."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and int(text) <= MAX_PK:
        return int(text)
    return None


def parse_pks(values: Iterable[str]) -> list[int]:
    """The valid primary keys among `values`, in order; the rest are dropped."""
    return [pk for pk in (parse_pk(v) for v in values) if pk is not None]
