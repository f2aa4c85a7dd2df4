"""Large CSV imports run as netkeep.jobs Runs: progress, failure reasons, the reaper, the link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from ipam.importing import HostImporter
from ipam.models import Host
from netkeep import importing
from netkeep.jobs import Run, RunStatus, queue
from netkeep.jobs import models as job_models
from netkeep.models import ImportBatch, ImportStatus
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db

ROWS = 40
BIG = "address,hostname\n" + "".join(f"198.51.100.{i},h{i}\n" for i in range(1, ROWS + 1))


@pytest.fixture(autouse=True)
def _small_files_go_to_jobs(settings: Any) -> None:
    settings.NETKEEP_IMPORT_INLINE_ROWS = 10
    make_subnet("198.51.100.0/24")


def _upload(user: User, text: str = BIG, **options: Any) -> ImportBatch:
    batch: ImportBatch = importing.upload(text, "hosts", "skip", user, "big.csv", **options)
    batch.refresh_from_db()
    return batch


def test_an_import_job_records_its_progress_on_its_run(
    erin: User, editor_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_models, "PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr("ipam.importing.PROGRESS_EVERY", 10)
    seen: list[tuple[int, int]] = []
    original = Run.progress

    def spy(run: Run, done: int, total: int | None = None, **kw: Any) -> bool:
        written = original(run, done, total, **kw)
        stored = Run.objects.get(pk=run.pk)
        seen.append((stored.done, stored.total))
        return written

    monkeypatch.setattr(Run, "progress", spy)
    batch = _upload(erin)
    run = batch.run
    assert run is not None and run.kind == "import" and run.status == RunStatus.QUEUED
    assert run.refs == {"importbatch": batch.pk} and run.started_by == erin

    assert importing.run_job(run.pk) == RunStatus.SUCCEEDED
    # Rows checked so far, written while the job worked, then the whole file.
    assert any(0 < done < ROWS for done, _ in seen) and {t for _, t in seen} == {ROWS}
    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (RunStatus.SUCCEEDED, ROWS, ROWS)
    assert run.counts == {"create": ROWS, "update": 0, "skip": 0, "error": 0}
    assert run.heartbeat is not None and run.finished is not None
    batch.refresh_from_db()
    assert (batch.status, batch.done) == (ImportStatus.READY, ROWS)
    # The Jobs page lists it; the import page links to it.
    assert f"hosts import #{batch.pk}: preview" in editor_client.get(reverse("jobs:run_list")).text
    page = editor_client.get(reverse("imports:batch", args=[batch.pk])).text
    assert reverse("jobs:run_detail", args=[run.pk]) in page


def test_a_failed_apply_leaves_the_reason_on_its_run_the_batch_and_both_pages(
    erin: User, editor_client: Client
) -> None:
    batch = _upload(erin)
    importing.run_job(batch.run_id)
    make_host("198.51.100.7", hostname="meanwhile")
    editor_client.post(reverse("imports:batch_apply", args=[batch.pk]))
    batch.refresh_from_db()
    apply_run = batch.run
    assert apply_run is not None and apply_run.profile == "apply"

    assert importing.run_job(apply_run.pk) == RunStatus.FAILED
    apply_run.refresh_from_db()
    assert apply_run.error_class == "ImportFileError"
    assert "changed since the preview" in apply_run.error_message
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "changed since the preview" in batch.message
    assert list(Host.objects.values_list("hostname", flat=True)) == ["meanwhile"]
    jobs_page = editor_client.get(reverse("jobs:run_list")).text
    assert "changed since the preview" in jobs_page
    assert "changed since the preview" in editor_client.get(f"/imports/{batch.pk}/").text


def test_an_unexpected_error_fails_the_run_and_the_batch_with_its_reason(
    erin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(HostImporter, "plan_rows", broken)
    batch = _upload(erin)
    assert importing.run_job(batch.run_id) == RunStatus.FAILED
    run = Run.objects.get(pk=batch.run_id)
    assert (run.error_class, run.error_message) == ("OSError", "disk full")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "disk full" in batch.message


def test_a_job_whose_worker_died_is_reaped_and_its_batch_fails_with_the_reason(
    erin: User, editor_client: Client
) -> None:
    batch = _upload(erin)
    late = timezone.now() - timedelta(minutes=5)
    Run.objects.filter(pk=batch.run_id).update(
        status=RunStatus.RUNNING, heartbeat=late, started=late, done=12, total=ROWS
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.PREVIEWING)

    page = editor_client.get(reverse("imports:batch", args=[batch.pk])).text
    assert "The import job stopped: The worker stopped responding" in page
    assert "after 12 of 40" in page and 'hx-trigger="every 2s"' not in page
    assert Run.objects.get(pk=batch.run_id).error_class == "WorkerLost"
    api = APIClient()
    api.force_authenticate(erin)
    body = api.get(f"/api/imports/{batch.pk}").json()
    assert body["status"] == "failed" and body["run"] == batch.run_id


def test_a_script_asking_to_apply_a_file_with_bad_rows_gets_a_failed_run(erin: User) -> None:
    batch = _upload(erin, BIG + "198.51.100.300,bad\n", auto_apply=True)
    assert importing.run_job(batch.run_id) == RunStatus.FAILED
    run = Run.objects.get(pk=batch.run_id)
    assert run.error_message.startswith("Nothing written") and run.counts["error"] == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and not Host.objects.exists()


def test_too_many_import_jobs_are_refused_with_a_message_and_nothing_kept(
    erin: User, editor_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "RATE_LIMIT", (0, 60))
    form = editor_client.post(reverse("ipam:import"), {"kind": "hosts", "text": BIG})
    assert form.status_code == 200 and "You asked for more than 0 imports" in form.text
    api = APIClient()
    api.force_authenticate(erin)
    refused = api.post("/api/ipam/import", {"kind": "hosts", "csv": BIG}, format="json")
    assert refused.status_code == 429 and "imports" in refused.json()["detail"]
    assert not ImportBatch.objects.exists() and not Run.objects.exists()


def test_an_apply_hands_its_progress_to_the_heartbeat_as_it_writes(
    erin: User, editor_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ipam.importing.WRITE_BATCH", 10)
    reported: list[tuple[int, int]] = []
    monkeypatch.setattr(
        "netkeep.jobs.report_progress", lambda run_id, done, total: reported.append((done, total))
    )
    batch = _upload(erin)
    importing.run_job(batch.run_id)
    editor_client.post(reverse("imports:batch_apply", args=[batch.pk]))
    batch.refresh_from_db()

    assert importing.run_job(batch.run_id) == RunStatus.SUCCEEDED
    # One report per written block of rows (the apply's one transaction shows nothing itself).
    assert reported[:4] == [(10, ROWS), (20, ROWS), (30, ROWS), (40, ROWS)]
    assert Host.objects.count() == ROWS
