"""Secrets at rest: MultiFernet over settings.NETKEEP_SECRET_KEYS, and a model field using it.

The key list is separate from SECRET_KEY so that rotating one never loses the
other. Keys are listed newest first: new values are encrypted with the first,
and every listed key can still decrypt, so a key is rotated by prepending a new
one and running `rotate()` over the stored values before dropping the old key.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

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

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith(PREFIX):
            return decrypt(value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
