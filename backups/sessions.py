"""Caps on concurrent backup sessions, overall and per site, held in the database.

A backup takes one slot in scope "all" and one in its site's scope before it
connects. A slot is a row with a unique (scope, slot) pair, so two workers can
never hold the same one, on SQLite or PostgreSQL, on one machine or several.
Slots of runs that are no longer running (a killed worker) are freed by the
next backup that looks for one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction

from backups.models import BackupSession
from netkeep.jobs import Run, RunStatus

WAIT_STEP_S = 0.5


class NoSessionSlot(TimeoutError):
    """Every session slot stayed taken for longer than the wait allows."""


def caps(site_id: int | None) -> list[tuple[str, int]]:
    scopes = [("all", int(getattr(settings, "NETKEEP_BACKUP_SESSIONS", 8)))]
    if site_id is not None:
        scopes.append(
            (f"site:{site_id}", int(getattr(settings, "NETKEEP_BACKUP_SESSIONS_PER_SITE", 4)))
        )
    return scopes


def _free_dead_slots(scope: str) -> None:
    held = list(BackupSession.objects.filter(scope=scope).values_list("pk", "run_id"))
    if not held:
        return
    running = set(
        Run.objects.filter(pk__in=[r for _, r in held], status=RunStatus.RUNNING).values_list(
            "pk", flat=True
        )
    )
    BackupSession.objects.filter(pk__in=[pk for pk, r in held if r not in running]).delete()


def _take(scope: str, cap: int, run_id: int) -> bool:
    for slot in range(cap):
        try:
            with transaction.atomic():
                BackupSession.objects.create(scope=scope, slot=slot, run_id=run_id)
            return True
        except IntegrityError:
            continue
    return False


@contextmanager
def slot(run: Run, site_id: int | None, wait_s: float = 600) -> Iterator[None]:
    """Hold a session slot in every scope of the device for the duration of the block."""
    deadline = time.monotonic() + wait_s
    taken: list[str] = []
    try:
        for scope, cap in caps(site_id):
            while not _take(scope, cap, run.pk):
                _free_dead_slots(scope)
                if _take(scope, cap, run.pk):
                    break
                if time.monotonic() > deadline:
                    raise NoSessionSlot(
                        f"all {cap} backup session slots ({scope}) stayed busy for {wait_s:.0f} s"
                    )
                time.sleep(WAIT_STEP_S)
            taken.append(scope)
        yield
    finally:
        BackupSession.objects.filter(run_id=run.pk, scope__in=taken).delete()
