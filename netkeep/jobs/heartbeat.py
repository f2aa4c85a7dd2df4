"""A running job's heartbeat, written from a thread of its own.

The job's own thread may sit for minutes in one call (an Nmap run, a sweep
engine, an SSH session) without a chance to report; a thread beside it writes
the heartbeat every few seconds regardless, so a run whose heartbeat is late
really has lost its worker. The thread stops when the job returns, or as soon
as the run is no longer running (finished, or failed by the reaper).

A job that works inside one long transaction (an import's apply) cannot show
its progress through its own connection: nobody sees it before the commit.
It hands the figures to `report()` instead, and the heartbeat thread writes
them with the next beat through its own connection (on PostgreSQL at once; on
SQLite, whose one writer is the transaction, once it commits).
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.db import connections
from django.utils import timezone

from netkeep.jobs.models import Run, RunStatus, heartbeat_every

log = logging.getLogger(__name__)


class Heartbeat:
    """`with Heartbeat(run_id): ...` beats for the run while the block runs."""

    def __init__(self, run_id: int, every: float | None = None) -> None:
        self.run_id = run_id
        self.every = every if every is not None else heartbeat_every()
        self.stopped = threading.Event()
        self.beats = 0
        self.done: int | None = None
        self.total: int | None = None
        self.thread = threading.Thread(
            target=self._loop, name=f"heartbeat-run-{run_id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        _BEATING[self.run_id] = self
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _BEATING.pop(self.run_id, None)
        self.stopped.set()
        self.thread.join(timeout=self.every + 5)

    def _loop(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                figures = {"done": self.done} if self.done is not None else {}
                if self.total is not None:
                    figures["total"] = self.total
                try:
                    written = Run.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(
                        heartbeat=timezone.now(), **figures
                    )
                except Exception:  # a locked or unreachable database: try at the next beat
                    log.warning("heartbeat of run %s not written", self.run_id, exc_info=True)
                    continue
                if written:
                    self.beats += 1
                elif (
                    self.beats
                    or not Run.objects.filter(pk=self.run_id, status=RunStatus.QUEUED).exists()
                ):
                    return  # finished or reaped: nothing left to keep alive
        finally:
            # This thread's own connection; the job's thread keeps its own.
            connections.close_all()


# The heartbeats of the jobs running in this process, by run id.
_BEATING: dict[int, Heartbeat] = {}


def report(run_id: int, done: int, total: int) -> bool:
    """Hand progress to the run's heartbeat thread, which writes it; False: none beats here."""
    beat = _BEATING.get(run_id)
    if beat is None:
        return False
    beat.done, beat.total = done, total
    return True
