"""Secrets at rest: MultiFernet over NETKEEP_SECRET_KEYS, rotation, clear errors."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from netkeep import crypto

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_a_value_written_with_an_old_key_is_read_after_a_new_key_is_added(settings: Any) -> None:
    settings.NETKEEP_SECRET_KEYS = [OLD]
    stored = crypto.encrypt("hunter2-but-longer")
    settings.NETKEEP_SECRET_KEYS = [NEW, OLD]
    assert crypto.decrypt(stored) == "hunter2-but-longer"
    rotated = crypto.rotate(stored)
    settings.NETKEEP_SECRET_KEYS = [NEW]
    assert crypto.decrypt(rotated) == "hunter2-but-longer"
    with pytest.raises(crypto.SecretUnreadable, match="put back the key"):
        crypto.decrypt(stored)


def test_no_keys_is_a_configuration_error_that_says_what_to_set(settings: Any) -> None:
    settings.NETKEEP_SECRET_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="NETKEEP_SECRET_KEYS is empty"):
        crypto.encrypt("x")


def test_a_malformed_key_is_a_configuration_error(settings: Any) -> None:
    settings.NETKEEP_SECRET_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        crypto.encrypt("x")


def test_the_same_secret_encrypts_differently_each_time(settings: Any) -> None:
    settings.NETKEEP_SECRET_KEYS = [NEW]
    assert crypto.encrypt("same") != crypto.encrypt("same")
