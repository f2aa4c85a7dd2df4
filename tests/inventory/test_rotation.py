"""`manage.py rotate_secret_keys`: every encrypted value re-encrypted with the newest key."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from inventory.models import CredentialSet
from netkeep import crypto
from netkeep.models import Webhook
from tests.factories import make_credential_set

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")  # noqa: S608 (test constants)
        return [row[0] for row in cursor.fetchall()]


def test_rotation_re_encrypts_credentials_and_webhook_secrets_and_reports_counts(
    settings: Any,
) -> None:
    settings.NETKEEP_SECRET_KEYS = [OLD]
    make_credential_set("a", password="pw-a", enable_secret="en-a")
    make_credential_set("b", password="pw-b")
    Webhook.objects.create(name="hook", url="https://hooks.example/x", secret="hook-secret")
    settings.NETKEEP_SECRET_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("rotate_secret_keys", stdout=out)
    assert "inventory.CredentialSet: 3 re-encrypted, 0 already current" in out.getvalue()
    assert "netkeep.Webhook: 1 re-encrypted" in out.getvalue()
    assert "4 value(s) re-encrypted" in out.getvalue()
    # The old key can go now: everything reads with the new key alone.
    settings.NETKEEP_SECRET_KEYS = [NEW]
    assert {c.password for c in CredentialSet.objects.all()} == {"pw-a", "pw-b"}
    assert Webhook.objects.get().secret == "hook-secret"


def test_running_rotation_twice_changes_nothing_the_second_time(settings: Any) -> None:
    settings.NETKEEP_SECRET_KEYS = [OLD]
    make_credential_set("a", password="pw-a")
    settings.NETKEEP_SECRET_KEYS = [NEW, OLD]
    call_command("rotate_secret_keys", stdout=StringIO())
    before = _raw("inventory_credentialset", "password")
    out = StringIO()
    call_command("rotate_secret_keys", stdout=out)
    assert "0 re-encrypted, 1 already current" in out.getvalue()
    assert _raw("inventory_credentialset", "password") == before


def test_an_interrupted_rotation_leaves_every_value_readable_and_a_rerun_finishes(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.NETKEEP_SECRET_KEYS = [OLD]
    for i in range(3):
        make_credential_set(f"s{i}", password=f"pw-{i}")
    settings.NETKEEP_SECRET_KEYS = [NEW, OLD]
    real = crypto._rotate_row
    calls = {"n": 0}

    def dies_after_one(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real(*args)

    monkeypatch.setattr(crypto, "_rotate_row", dies_after_one)
    with pytest.raises(KeyboardInterrupt):
        crypto.rotate_all()
    monkeypatch.setattr(crypto, "_rotate_row", real)
    assert sorted(c.password for c in CredentialSet.objects.all()) == ["pw-0", "pw-1", "pw-2"]
    counts = {c.model: c for c in crypto.rotate_all()}
    assert (
        counts["inventory.CredentialSet"].rotated,
        counts["inventory.CredentialSet"].current,
    ) == (2, 1)


def test_a_value_no_key_can_read_is_reported_and_the_command_fails(settings: Any) -> None:
    settings.NETKEEP_SECRET_KEYS = [OLD]
    make_credential_set("lost", password="pw")
    settings.NETKEEP_SECRET_KEYS = [NEW]
    with pytest.raises(CommandError, match="put back the key"):
        call_command("rotate_secret_keys", stdout=StringIO())
