"""What a run found, in words, on every page that lists runs: never a Python value."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from netkeep.jobs import Run, RunStatus
from tests.factories import make_device

pytestmark = pytest.mark.django_db

# Counts as each kind's worker writes them (taken from real runs of the browser tour).
RUNS: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "sweep",
        "",
        {
            "swept": 254,
            "alive": 20,
            "new": 19,
            "came_up": 1,
            "went_down": 0,
            "recorded": 20,
            "unrecorded": 0,
        },
        "20 of 254 addresses up · 19 new hosts · 1 came up",
    ),
    (
        "known_hosts",
        "",
        {"swept": 20, "alive": 18, "went_down": 2, "came_up": 0, "new": 0, "recorded": 20},
        "18 of 20 known hosts up · 2 went down",
    ),
    (
        "ports",
        "standard",
        {"hosts": 3, "open": 12, "opened": 2, "closed": 1, "unrecorded": 0, "unconfirmed": 0},
        "3 hosts with 12 open ports · 2 ports opened · 1 port closed",
    ),
    (
        "dns",
        "",
        {
            "resolved": 12,
            "ptr_changed": 0,
            "hostname_set": 2,
            "mismatch": 0,
            "answer": 12,
            "nxdomain": 4,
            "timeout": 0,
            "refused": 0,
            "unreachable": 0,
            "error": 0,
        },
        "12 names · 2 hostnames set · 4 without a name",
    ),
    (
        "import",
        "apply",
        {"create": 3, "update": 1, "skip": 0, "error": 0},
        "3 created · 1 updated · 0 skipped",
    ),
    (
        "inventory_connection_test",
        "",
        {
            "diagnosis": "ok",
            "message": "Connected. (as netops with set lab-ops)",
            "prompt": "lab-router>",
            "working": "lab-ops",
            "attempts": [
                {"set": "old", "diagnosis": "auth_failed", "detail": ""},
                {"set": "lab-ops", "diagnosis": "ok", "detail": ""},
            ],
            "seconds": 2.8,
        },
        "connected with set lab-ops · prompt lab-router> · set old: auth failed",
    ),
    (
        "inventory_platform_detection",
        "",
        {"guess": "cisco_ios", "diagnosis": "ok", "working": "lab-ops", "attempts": []},
        "detected cisco_ios with set lab-ops",
    ),
    (
        "backup",
        "",
        {
            "version": 2,
            "changed": True,
            "first": False,
            "lines": 11,
            "bytes": 278,
            "masked": 0,
            "seconds": 2.91,
            "attempts": 1,
            "credential": "lab-ops",
            "arp_macs": 0,
            "neighbours": 3,
            "added": 1,
            "removed": 0,
        },
        "version 2, changed: 1 line added, 0 removed · 3 neighbours",
    ),
]

# What a Python value looks like when a template prints it.
PYTHON = re.compile(r"\bTrue\b|\bFalse\b|\bNone\b|\[\{|\{'|': ")


def finished(kind: str, profile: str, counts: dict[str, Any], **refs: int) -> Run:
    return Run.objects.create(
        kind=kind,
        target=f"{kind} target",
        profile=profile,
        counts=counts,
        refs=refs,
        status=RunStatus.SUCCEEDED,
    )


@pytest.mark.parametrize(("kind", "profile", "counts", "words"), RUNS, ids=[r[0] for r in RUNS])
def test_every_kind_of_run_says_what_it_found_in_words(
    kind: str, profile: str, counts: dict[str, Any], words: str
) -> None:
    assert finished(kind, profile, counts).summary == words


def test_the_jobs_page_and_each_run_page_show_summaries_not_python_values(
    viewer_client: Client,
) -> None:
    runs = [finished(kind, profile, counts) for kind, profile, counts, _ in RUNS]
    pages = {"/jobs/": viewer_client.get("/jobs/").content.decode()}
    for run in runs:
        pages[f"/jobs/{run.pk}/"] = viewer_client.get(f"/jobs/{run.pk}/").content.decode()
    for (_, _, _, words), run in zip(RUNS, runs, strict=True):
        assert words.replace(">", "&gt;") in pages["/jobs/"]
        assert words.replace(">", "&gt;") in pages[f"/jobs/{run.pk}/"]
    for url, text in pages.items():
        assert not PYTHON.search(text.split("<main", 1)[1]), url
    api = viewer_client.get("/api/jobs/", {"page_size": 50}).json()["results"]
    assert {r["summary"] for r in api} == {words for *_, words in RUNS}


def test_discovery_pages_show_scan_summaries(viewer_client: Client) -> None:
    scans = [finished(kind, profile, counts) for kind, profile, counts, _ in RUNS[:4]]
    overview = viewer_client.get("/discovery/").content.decode()
    for (_, _, _, words), run in zip(RUNS[:4], scans, strict=True):
        detail = viewer_client.get(f"/discovery/runs/{run.pk}/").content.decode()
        assert words in overview and words in detail
        assert not PYTHON.search(detail.split("<main", 1)[1])
    assert not PYTHON.search(overview.split("<main", 1)[1])


def test_a_devices_runs_have_an_outcome_for_every_kind_backups_too(viewer_client: Client) -> None:
    device = make_device("lab-router")
    for kind, profile, counts, _ in RUNS[-3:]:
        finished(kind, profile, counts, device=device.pk)
    failed = Run.objects.create(
        kind="backup",
        target="lab-router",
        refs={"device": device.pk},
        status=RunStatus.FAILED,
        error_message="No answer (timeout)",
        counts={"attempts": 2, "seconds": 10.0},
    )
    text = viewer_client.get(f"/inventory/devices/{device.pk}/runs/").content.decode()
    for _, _, _, words in RUNS[-3:]:
        assert words.replace(">", "&gt;") in text
    assert f"{failed.error_message} — 2 attempts · 10.0 s" in text
    assert not PYTHON.search(text)


def test_counts_of_an_unknown_shape_still_read_as_words() -> None:
    run = finished("backup", "", {"fetched": 1, "changed": True, "credential": "x", "sets": [1]})
    # "version" is missing: the backup summary says what it can.
    assert not PYTHON.search(run.summary)
    other = finished("no-such-kind", "", {"fetched": 1, "ok": True, "who": "cron", "skip": None})
    assert other.summary == "1 fetched · ok · who: cron"
