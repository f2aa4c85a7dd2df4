"""The Jobs page, its live fragment and /api/jobs/: every kind, filtered, for readers only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from netkeep.jobs import Run, RunStatus

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def make_run(**fields: Any) -> Run:
    fields.setdefault("kind", "sweep")
    fields.setdefault("target", "198.18.0.0/24")
    return Run.objects.create(**fields)


@pytest.mark.parametrize("url", ["/jobs/", "/jobs/active/", "/api/jobs/"])
def test_someone_without_a_role_sees_no_jobs(noaccess_client: Client, url: str) -> None:
    make_run()
    assert noaccess_client.get(url).status_code == 403


def test_someone_without_a_role_cannot_open_a_run(noaccess_client: Client) -> None:
    run = make_run()
    assert noaccess_client.get(f"/jobs/{run.pk}/").status_code == 403
    assert noaccess_client.get(f"/api/jobs/{run.pk}/").status_code == 403


def test_a_viewer_sees_runs_of_every_kind_and_the_menu_link(viewer_client: Client) -> None:
    make_run(kind="sweep", target="198.18.0.0/24", status=RunStatus.SUCCEEDED)
    make_run(kind="ports", target="198.18.0.10", status=RunStatus.FAILED, error_message="boom")
    page = viewer_client.get("/jobs/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ping sweep" in text and "Port scan" in text and "boom" in text
    assert 'href="/jobs/"' in text


def test_the_target_filter_matches_exactly(viewer_client: Client) -> None:
    make_run(kind="ports", target="198.18.0.1", status=RunStatus.SUCCEEDED)
    make_run(kind="ports", target="198.18.0.10", status=RunStatus.SUCCEEDED)
    make_run(kind="ports", target="198.18.0.100", status=RunStatus.SUCCEEDED)
    page = viewer_client.get("/jobs/", {"target": "198.18.0.1"}, headers=HX)
    assert page.content.decode().count('class="mono"><a') == 1
    api = viewer_client.get("/api/jobs/", {"target": "198.18.0.1"}).json()
    assert [r["target"] for r in api["results"]] == ["198.18.0.1"]


def test_runs_filter_by_kind_status_and_who_started_them(viewer_client: Client, erin: Any) -> None:
    mine = make_run(kind="dns", target="a", started_by=erin, status=RunStatus.FAILED)
    scheduled = make_run(kind="dns", target="b", by_schedule=True, status=RunStatus.SUCCEEDED)
    make_run(kind="sweep", target="c", status=RunStatus.FAILED)

    def ids(**query: str) -> list[int]:
        return [r["id"] for r in viewer_client.get("/api/jobs/", query).json()["results"]]

    assert ids(kind="dns", status="failed") == [mine.pk]
    assert ids(started_by="erin") == [mine.pk]
    assert ids(started_by="schedule") == [scheduled.pk]
    page = viewer_client.get("/jobs/", {"kind": "dns", "started_by": "schedule"}, headers=HX)
    assert ">b</a>" in page.content.decode() and ">a</a>" not in page.content.decode()


def test_a_bad_filter_value_is_a_field_error_not_a_500(viewer_client: Client) -> None:
    make_run()
    page = viewer_client.get("/jobs/", {"status": "bogus"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert viewer_client.get("/api/jobs/", {"status": "bogus"}).status_code == 400


def test_the_live_fragment_shows_only_what_it_is_about_and_stops_polling_when_done(
    viewer_client: Client,
) -> None:
    here = make_run(target="198.18.0.0/24", refs={"subnet": 5}, status=RunStatus.RUNNING)
    make_run(target="198.18.1.0/24", refs={"subnet": 6}, status=RunStatus.RUNNING)
    text = viewer_client.get("/jobs/active/", {"about": "subnet:5"}).content.decode()
    assert "198.18.0.0/24" in text and "198.18.1.0/24" not in text
    assert 'hx-trigger="every 2s"' in text and "about=subnet:5" in text
    Run.objects.filter(pk=here.pk).update(status=RunStatus.SUCCEEDED)
    done = viewer_client.get("/jobs/active/", {"about": "subnet:5", "watch": str(here.pk)})
    assert "198.18.0.0/24" in done.content.decode()
    assert "every 2s" not in done.content.decode()


def test_a_running_job_whose_heartbeat_is_late_shows_as_stalled(viewer_client: Client) -> None:
    run = make_run(status=RunStatus.RUNNING, heartbeat=timezone.now() - timedelta(seconds=40))
    assert "Stalled" in viewer_client.get(f"/jobs/{run.pk}/").content.decode()
    assert viewer_client.get(f"/api/jobs/{run.pk}/").json()["stalled"] is True
    Run.objects.filter(pk=run.pk).update(heartbeat=timezone.now())
    assert "Stalled" not in viewer_client.get(f"/jobs/{run.pk}/").content.decode()
