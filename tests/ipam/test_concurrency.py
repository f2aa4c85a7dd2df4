"""Concurrent allocation with real threads and real transactions, on SQLite and PostgreSQL.

Each thread has its own database connection. SQLite's test database lives in
memory, where connections share a cache and fail instead of waiting for a
lock; so on SQLite the test copies it to a file and points every thread at
that file, with the same options (IMMEDIATE transactions, busy timeout) that
production uses.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections

from ipam.allocation import SubnetFull, allocate
from ipam.models import Host, Subnet
from tests.factories import make_host, make_subnet

THREADS = 8
ROUNDS = 4


@pytest.fixture
def database_for_threads(
    transactional_db: None, tmp_path: Any
) -> Iterator[Callable[[Callable[[], Any]], Any]]:
    """A runner: each function runs in its own thread and connection; returns their results."""
    file_name: str | None = None

    def prepare_file() -> None:
        nonlocal file_name
        file_name = str(tmp_path / "threads.sqlite3")
        target = sqlite3.connect(file_name)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        target.close()

    def in_thread(fn: Callable[[], Any], out: list[Any]) -> None:
        try:
            if file_name is not None:
                conn = connections["default"]
                conn.settings_dict = {**conn.settings_dict, "NAME": file_name}
                conn.settings_dict["OPTIONS"] = {
                    **conn.settings_dict.get("OPTIONS", {}),
                    "uri": False,
                    "timeout": 30,
                    "transaction_mode": "IMMEDIATE",
                }
            out.append(fn())
        except BaseException as error:  # reported by the test
            out.append(error)
        finally:
            connections.close_all()

    def run_all(fns: list[Callable[[], Any]]) -> list[Any]:
        if connection.vendor == "sqlite" and file_name is None:
            prepare_file()
        outs: list[list[Any]] = [[] for _ in fns]
        threads = [
            threading.Thread(target=in_thread, args=(f, o)) for f, o in zip(fns, outs, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a thread hung"
        return [o[0] for o in outs]

    yield run_all


def test_simultaneous_allocations_never_hand_out_the_same_address(database_for_threads):
    net = make_subnet("198.18.0.0/24")
    for i in (1, 2, 3, 5, 8):
        make_host(f"198.18.0.{i}", subnet=net)
    barrier = threading.Barrier(THREADS)

    def worker() -> list[str]:
        subnet = Subnet.objects.get(pk=net.pk)
        barrier.wait(timeout=30)
        got: list[str] = []
        for _ in range(ROUNDS):
            got += [h.address for h in allocate(subnet, 2, description="concurrent")]
        return got

    results = database_for_threads([worker] * THREADS)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    addresses = [a for r in results for a in r]
    assert len(addresses) == THREADS * ROUNDS * 2
    assert len(set(addresses)) == len(addresses), "an address was handed out twice"

    def count() -> tuple[int, int]:
        rows = Host.objects.filter(description="concurrent")
        return rows.count(), rows.values("address").distinct().count()

    [(total, distinct)] = database_for_threads([count])
    assert total == distinct == THREADS * ROUNDS * 2


def test_when_a_subnet_fills_up_every_address_is_given_once_and_the_rest_are_told(
    database_for_threads,
):
    net = make_subnet("198.18.1.0/29")  # six usable addresses
    barrier = threading.Barrier(THREADS)

    def worker() -> str:
        subnet = Subnet.objects.get(pk=net.pk)
        barrier.wait(timeout=30)
        try:
            return allocate(subnet, 1)[0].address
        except SubnetFull as error:
            return f"full: {error}"

    results = database_for_threads([worker] * THREADS)
    assert not [r for r in results if isinstance(r, BaseException)], results
    given = sorted(r for r in results if not r.startswith("full"))
    assert given == [f"198.18.1.{i}" for i in range(1, 7)]
    assert [r for r in results if r.startswith("full")] == [
        "full: 198.18.1.0/29 has 0 free address(es); 1 were asked for."
    ] * (THREADS - 6)
