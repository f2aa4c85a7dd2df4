"""SQLite under real concurrency: two writer processes and a `qcluster` worker, no "locked".

With Django's default SQLite settings this setup fails most writes with
"database is locked"; WAL, a busy timeout and IMMEDIATE transactions
(netkeep/settings.py) are what make it work.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_foundation_settings import base_env

BASE_DIR = Path(settings.BASE_DIR)
WRITES_PER_PROCESS = 400
TASK_EVERY = 10

WRITER = textwrap.dedent(
    """
    import json, sys, django
    django.setup()
    from django.db import OperationalError, transaction
    from django_q.tasks import async_task
    from accounts.models import LoginFailure

    n, tag = int(sys.argv[1]), sys.argv[2]
    done = locked = other = tasks = 0
    for i in range(n):
        try:
            # A read-modify-write in one transaction, like a sweep recording results.
            with transaction.atomic():
                seen = LoginFailure.objects.filter(username__startswith=tag).count()
                LoginFailure.objects.create(username=f"{tag}-{i}", door=str(seen % 100))
            if i % TASK_EVERY == 0:
                # The worker deletes this row again: it writes while we write.
                async_task("accounts.throttle.clear", f"{tag}-{i}", group="sqlite-test")
                tasks += 1
            done += 1
        except OperationalError as exc:
            if "locked" in str(exc):
                locked += 1
            else:
                other += 1
                print(exc, file=sys.stderr)
    print(json.dumps({"done": done, "locked": locked, "other": other, "tasks": tasks}))
    """
).replace("TASK_EVERY", str(TASK_EVERY))

WAIT_FOR = textwrap.dedent(
    """
    import sys, time, django
    django.setup()
    from django.test import Client
    from django_q.models import Success, Failure

    what, expected, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + 60
    while time.monotonic() < deadline:
        if what == "healthz":
            value = Client(HTTP_HOST="localhost").get("/healthz").status_code
        else:
            value = Success.objects.filter(group="sqlite-test").count()
            if Failure.objects.exists():
                print("failed tasks:", list(Failure.objects.values_list("result", flat=True)))
                sys.exit(1)
        if value == expected:
            print(value)
            sys.exit(0)
        time.sleep(0.2)
    print("timed out, last value", value)
    sys.exit(1)
    """
)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    env = base_env()
    env.update(
        DJANGO_SETTINGS_MODULE="netkeep.test_settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'netkeep.sqlite3'}",
        NETKEEP_DATA_DIR=str(tmp_path),
        Q_WORKERS="2",
        PYTHONPATH=str(BASE_DIR),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return env


def _python(code: str, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_writers_and_a_worker_share_sqlite_without_database_is_locked(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    log = (tmp_path / "qcluster.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=sqlite_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # The worker's heartbeat turns /healthz green: it is up and polling.
        health = _python(WAIT_FOR, "healthz", "200", env=sqlite_env)
        out, err = health.communicate(timeout=90)
        assert health.returncode == 0, out + err

        writers = [
            _python(WRITER, str(WRITES_PER_PROCESS), f"w{n}", env=sqlite_env) for n in (1, 2)
        ]
        results = []
        for w in writers:
            out, err = w.communicate(timeout=120)
            assert w.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        for r in results:
            assert r == {
                "done": WRITES_PER_PROCESS,
                "locked": 0,
                "other": 0,
                "tasks": WRITES_PER_PROCESS // TASK_EVERY,
            }

        # Every task the writers queued ran and wrote its result.
        tasks = sum(r["tasks"] for r in results)
        done = _python(WAIT_FOR, "tasks", str(tasks), env=sqlite_env)
        out, err = done.communicate(timeout=90)
        assert done.returncode == 0, out + err
    finally:
        # The sentinel stops its workers itself; signalling the whole group makes it hang.
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        log.close()
    worker_log = (tmp_path / "qcluster.log").read_text()
    assert "database is locked" not in worker_log
    assert "Q Cluster" in worker_log  # the worker really ran

    # The worker's deletes landed next to the writers' inserts.
    check = _python(
        "import django; django.setup(); from django.db import connection; "
        "from accounts.models import LoginFailure as F; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0], F.objects.count())",
        env=sqlite_env,
    )
    out, err = check.communicate(timeout=90)
    mode, rows = out.split()
    assert mode == "wal", err
    assert int(rows) == 2 * (WRITES_PER_PROCESS - WRITES_PER_PROCESS // TASK_EVERY)
