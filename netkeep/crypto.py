"""Secrets at rest: MultiFernet over settings.NETKEEP_SECRET_KEYS, and a model field using it.

The key list is separate from SECRET_KEY so that rotating one never loses the
other. Keys are listed newest first: new values are encrypted with the first,
and every listed key can still decrypt, so a key is rotated by prepending a new
one and running `rotate()` over the stored values before dropping the old key.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

PREFIX = "fernet:"


class SecretUnreadable(ValueError):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            "NETKEEP_SECRET_KEYS is empty: set it (or NETKEEP_SECRET_KEYS_FILE) to one or more "
            "Fernet keys, for example the output of `python -c 'from cryptography.fernet import "
            "Fernet; print(Fernet.generate_key().decode())'`."
        )
    try:
        return MultiFernet([Fernet(key.strip()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "NETKEEP_SECRET_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes): generate one with Fernet.generate_key()."
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(getattr(settings, "NETKEEP_SECRET_KEYS", []) or []))


def encrypt(plain: str) -> str:
    return PREFIX + fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("the stored value is not an encrypted secret")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with any key in NETKEEP_SECRET_KEYS: "
            "put back the key it was written with"
        ) from None


def rotate(stored: str) -> str:
    """Re-encrypt a stored value with the newest key."""
    return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):
    """Text kept encrypted in the database and plain in Python; "" stays "" (no secret)."""

    def from_db_value(
        self, value: str | None, expression: object, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: object) -> object:
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return value

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


@dataclass
class RotationCount:
    """What a key rotation did to one model's encrypted values."""

    model: str
    rotated: int = 0
    current: int = 0
    unreadable: int = 0


def is_current(stored: str) -> bool:
    """True when a stored value is encrypted with the newest key already."""
    keys = list(getattr(settings, "NETKEEP_SECRET_KEYS", []) or [])
    if not keys or not stored.startswith(PREFIX):
        return False
    try:
        Fernet(keys[0].strip()).decrypt(stored[len(PREFIX) :].encode())
    except InvalidToken:
        return False
    return True


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every installed model with encrypted fields, and those fields."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def rotate_all(batch: int = 500) -> list[RotationCount]:
    """Re-encrypt every stored secret of every model with the newest key.

    Values are read and written as stored text (the field would decrypt and
    re-encrypt them). Each row is one compare-and-swap UPDATE: an interrupted
    run leaves every row readable (old key or new), a concurrent edit of a row
    wins over the rotation, and a second run finds everything current.
    """
    counts = []
    for model, fields in encrypted_fields():
        count = RotationCount(model=model._meta.label)
        table = connection.ops.quote_name(model._meta.db_table)
        # Identifiers come from the models' metadata, never from input; quoted all the same.
        pk = connection.ops.quote_name(str(model._meta.pk.column))
        cols = [connection.ops.quote_name(str(f.column)) for f in fields]
        last: int | str | None = None
        while True:
            where = f"WHERE {pk} > %s " if last is not None else ""
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk}, {', '.join(cols)} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608
                    [last, batch] if last is not None else [batch],
                )
                rows = cursor.fetchall()
            if not rows:
                break
            for row in rows:
                last = row[0]
                _rotate_row(table, pk, cols, row, count)
        counts.append(count)
    return counts


def _rotate_row(
    table: str, pk: str, cols: list[str], row: tuple[Any, ...], count: RotationCount
) -> None:
    old_values = list(row[1:])
    new_values = []
    for value in old_values:
        if not value:
            new_values.append(value)
            continue
        if is_current(value):
            count.current += 1
            new_values.append(value)
            continue
        try:
            new_values.append(rotate(value))
        except InvalidToken:
            count.unreadable += 1
            new_values.append(value)
            continue
        count.rotated += 1
    if new_values == old_values:
        return
    sets = ", ".join(f"{c} = %s" for c in cols)
    guards = " AND ".join(f"{c} = %s" for c in cols)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE {pk} = %s AND {guards}",  # noqa: S608
            [*new_values, row[0], *old_values],
        )
