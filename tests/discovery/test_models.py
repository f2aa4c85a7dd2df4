"""Runs, scan profiles, the allowlist and encrypted webhook secrets."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from discovery.models import AllowedNetwork, RunKind, ScanProfileDef, ScanRun
from discovery.scope_rules import allowed_networks
from netkeep.jobs import RunStatus
from netkeep.models import Webhook

pytestmark = pytest.mark.django_db


def make_run(**overrides: object) -> ScanRun:
    values: dict[str, object] = {"kind": RunKind.SWEEP, "target": "198.18.0.0/24"}
    values.update(overrides)
    return ScanRun.objects.create(**values)


def test_a_queued_run_is_claimed_once() -> None:
    run = make_run()
    other = ScanRun.objects.get(pk=run.pk)
    assert run.claim() is True
    assert other.claim() is False
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert run.attempts == 1
    assert run.started is not None


def test_progress_is_written_at_most_once_a_second_unless_forced() -> None:
    run = make_run()
    run.claim()
    assert run.progress(10, 100) is True
    assert run.progress(20, 100) is False
    assert ScanRun.objects.get(pk=run.pk).done == 10
    assert run.progress(30, 100, force=True) is True
    assert ScanRun.objects.get(pk=run.pk).done == 30


def test_progress_does_not_revive_a_run_that_was_failed_meanwhile() -> None:
    run = make_run()
    run.claim()
    ScanRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
    run.progress(5, 10, force=True)
    assert ScanRun.objects.get(pk=run.pk).status == RunStatus.FAILED


def test_a_failed_run_keeps_the_error_class_and_message() -> None:
    run = make_run()
    run.claim()
    run.fail(RuntimeError("engine stopped"), partial=True)
    run.refresh_from_db()
    assert run.status == RunStatus.PARTIAL
    assert run.error_class == "RuntimeError"
    assert run.error_message == "engine stopped"
    assert run.finished is not None


def test_a_scan_profile_is_built_from_allowed_options_only() -> None:
    profile = ScanProfileDef(name="web", ports="list", port_list="443, 80", timing=3)
    profile.full_clean()
    built = profile.to_profile()
    assert "80,443" in built.args
    assert "-T3" in built.args


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "quick"}, "name"),
        ({"name": "web", "ports": "list", "port_list": "80;id"}, "port_list"),
        ({"name": "web", "ports": "list", "port_list": "70000"}, "port_list"),
        ({"name": "web", "ports": "list", "port_list": ""}, "port_list"),
        ({"name": "web", "ports": "top100", "port_list": "22"}, "port_list"),
    ],
)
def test_a_scan_profile_outside_the_vocabulary_is_refused(
    fields: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        ScanProfileDef(**fields).full_clean()
    assert field in caught.value.message_dict


def test_the_allowlist_joins_settings_and_rows(settings: object) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24"]  # type: ignore[attr-defined]
    row = AllowedNetwork(network="198.19.0.0/16")
    row.full_clean()
    row.save()
    assert [str(n) for n in allowed_networks()] == ["198.18.0.0/24", "198.19.0.0/16"]


@pytest.mark.parametrize("text", ["127.0.0.0/8", "10.0.0.1 -iL /etc/passwd", "10.0.0.0/33"])
def test_the_allowlist_refuses_what_is_never_scanned_or_not_a_network(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AllowedNetwork(network=text).full_clean()
    assert "network" in caught.value.message_dict


def test_a_webhook_secret_is_stored_encrypted_and_read_back_plain() -> None:
    hook = Webhook.objects.create(name="ops", url="http://127.0.0.1:9/", secret="s3cret-value")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM netkeep_webhook WHERE id = %s", [hook.pk])
        stored = cursor.fetchone()[0]
    assert "s3cret-value" not in stored
    assert stored.startswith("fernet:")
    assert Webhook.objects.get(pk=hook.pk).secret == "s3cret-value"


def test_a_webhook_secret_never_reaches_the_audit_trail() -> None:
    from accounts.models import AuditEntry

    hook = Webhook.objects.create(name="ops", url="http://127.0.0.1:9/", secret="s3cret-value")
    hook.secret = "another-secret"
    hook.save()
    texts = [str(e.changes) for e in AuditEntry.objects.filter(object_id=str(hook.pk))]
    assert texts, "webhook changes should be audited"
    assert not any("secret-value" in t or "another-secret" in t for t in texts)
