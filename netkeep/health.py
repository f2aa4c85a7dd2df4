"""/healthz: 200 when the database answers and a worker has sent a heartbeat, else 503."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

log = logging.getLogger("netkeep.health")


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.exception("health: database check failed")
        return False


def worker_ok() -> bool:
    """A django-q2 cluster refreshes its stat in the shared cache about twice a second."""
    from django_q.status import Stat

    try:
        return any(stat.status != "Stopped" for stat in Stat.get_all())
    except Exception:
        log.exception("health: worker check failed")
        return False


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    # Only a word: no versions, counts or reasons for anonymous callers.
    healthy = database_ok() and worker_ok()
    return HttpResponse(
        "ok" if healthy else "unavailable",
        status=200 if healthy else 503,
        content_type="text/plain",
    )
