"""/healthz: 200 only when the database answers and a worker cluster sends heartbeats."""

from __future__ import annotations

from types import SimpleNamespace

from django.db import OperationalError
from django.test import Client
from django.utils import timezone
from django_q.status import Stat


def save_heartbeat(status: str = "Idle", cluster_id: str = "cluster-under-test") -> Stat:
    """What a running `qcluster` sentinel writes to the shared cache twice a second."""
    sentinel = SimpleNamespace(
        parent_pid=None,
        pid=4242,
        cluster_id=cluster_id,
        broker=None,
        tob=timezone.now(),
        reincarnations=0,
        status=lambda: status,
        monitor=None,
        pusher=None,
        pool=[],
        result_queue=SimpleNamespace(qsize=lambda: 0),
        task_queue=SimpleNamespace(qsize=lambda: 0),
    )
    stat = Stat(sentinel)
    stat.save()
    return stat


def test_it_answers_503_without_a_worker(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_it_answers_200_while_a_worker_sends_heartbeats(db: None) -> None:
    save_heartbeat()
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_a_stopped_cluster_does_not_count(db: None) -> None:
    save_heartbeat(status="Stopped")
    assert Client().get("/healthz").status_code == 503


def test_it_says_nothing_more_even_to_a_signed_in_admin(admin_client: Client) -> None:
    save_heartbeat()
    assert admin_client.get("/healthz").content == b"ok"


def test_it_answers_503_when_the_database_fails(db: None, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from netkeep import health

    save_heartbeat()

    def broken_cursor() -> None:
        raise OperationalError("database unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(health.connection, "cursor", broken_cursor)
        response = Client().get("/healthz")
    assert response.status_code == 503 and response.content == b"unavailable"
