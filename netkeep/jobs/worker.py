"""What a worker does when it starts: reap runs lost by a dead worker, sync the schedules,
and keep a watchdog thread that reaps again every few seconds.

django-q2 sends `post_spawn` in every worker process it starts, at cluster start
and when it replaces a worker that died (kill -9, out of memory). That is
the one hook every way of running Netkeep shares (make run, the compose worker,
a plain `manage.py qcluster`), so no start-up script has to remember a step.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connections

log = logging.getLogger(__name__)

_watchdog: threading.Thread | None = None


def reap_every() -> float:
    """Seconds between two passes of a worker's watchdog."""
    return float(getattr(settings, "NETKEEP_REAP_EVERY_S", 10.0))


def on_worker_start(sender: object = None, proc_name: str = "", **kwargs: object) -> None:
    """post_spawn receiver: reap, sync schedules, start the watchdog (never raises)."""
    from django.core.cache import cache

    from netkeep.jobs.queue import reap_stale_runs
    from netkeep.jobs.schedules import sync_all

    try:
        reap_stale_runs()
        # Workers start together: one of them syncs (the cache add is atomic).
        if cache.add("jobs:worker-start-sync", proc_name or "worker", timeout=20):
            log.info("worker %s started: schedules %s", proc_name, sync_all())
    except Exception:  # a worker that cannot reach the database fails its tasks loudly anyway
        log.exception("worker start-up jobs failed")
    start_watchdog()


def start_watchdog() -> threading.Thread:
    """One thread per worker process that fails lost runs within seconds of their last beat."""
    global _watchdog
    if _watchdog is not None and _watchdog.is_alive():
        return _watchdog
    _watchdog = threading.Thread(target=_watch, name="jobs-watchdog", daemon=True)
    _watchdog.start()
    return _watchdog


def _watch() -> None:
    from netkeep.jobs.queue import reap_stale_runs

    stop = threading.Event()
    while not stop.wait(reap_every()):
        try:
            reap_stale_runs()
        except Exception:
            log.warning("watchdog pass failed", exc_info=True)
        finally:
            connections.close_all()
