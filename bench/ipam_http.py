"""Benchmark: PostgreSQL against SQLite over HTTP, requests alternating between the two.

Issue 13 asks that PostgreSQL be no slower than SQLite on the same requests. This
shared 2-CPU machine runs the same Python code up to twice as slowly from one
minute to the next (another tenant, the hypervisor), so two runs one after the
other can differ more than the databases do. Here both servers run at once and
the requests alternate, SQLite then PostgreSQL, then the other way round: each
pair meets the same machine, and the median of the per-pair ratios is the figure.

Run from the repository root after `bench/ipam_scale.py` has loaded the same data
into both databases (no root needed, sends nothing off the machine):

    .venv/bin/python bench/ipam_scale.py --only pages --data-dir /tmp/nk-sqlite
    .venv/bin/python bench/ipam_scale.py --only pages --data-dir /tmp/nk-pg \\
        --database-url URL
    .venv/bin/python bench/ipam_http.py --sqlite-dir /tmp/nk-sqlite --pg-dir /tmp/nk-pg \\
        --database-url URL [--rounds 80]

Each database gets gunicorn with one sync worker on 127.0.0.1 (as the README
deploys it), with the production settings (DEBUG off, connections kept for a
minute by both). The client logs in to each as the benchmark's user and asks for
the /24, /16 and /8 subnet pages and the API's address and name searches
(`--rounds` times each), then walks the /8 through the API (99 pages of 1,000
hosts) and exports it as CSV (`--whole-rounds` times each).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-http-" + secrets.token_hex(8)
THE_8 = ("10.0.0.0/8", "lab-large")
# (label, what to ask for): a subnet's page by network and VRF name, a path, or the
# whole /8 ("walk": every API page of 1,000 hosts; "export": its CSV).
What = str | tuple[str, str | None]
REQUESTS: list[tuple[str, What]] = [
    ("subnet page /24", ("198.51.100.0/24", None)),
    ("subnet page /16", ("198.18.0.0/16", None)),
    ("subnet page /8", THE_8),
    ("search for an address", "/api/ipam/hosts?q=10.0.7.245&page_size=50"),
    ("search for a name fragment", "/api/ipam/hosts?q=00175&page_size=50"),
]
WHOLE: list[tuple[str, What]] = [
    ("API walk of the /8 (99 pages)", "walk"),
    ("CSV export of the /8", "export"),
]


class Server:
    """gunicorn (one sync worker) serving Netkeep on one database."""

    def __init__(self, data_dir: Path, database_url: str, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "netkeep.settings",
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 40,
            "NETKEEP_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_HTTPS": "false",
            "STATIC_ROOT": str(data_dir / "static"),
        }
        python = sys.executable
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=self.env, check=True,
        )  # fmt: skip
        # The benchmark's user (seed_demo's) gets a known password and no forced change.
        script = (
            "from accounts.models import User\n"
            "u = User.objects.get(username='bench')\n"
            f"u.set_password({PASSWORD!r}); u.must_change_password = False; u.save()\n"
        )
        subprocess.run(
            [python, "manage.py", "shell", "-v0", "-c", script],
            cwd=ROOT, env=self.env, check=True,
        )  # fmt: skip
        gunicorn = Path(python).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "netkeep.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--log-level", "warning"],
            cwd=ROOT, env=self.env, start_new_session=True,
        )  # fmt: skip
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self._wait()

    def _wait(self) -> None:
        for _ in range(100):
            try:
                self.opener.open(self.base + "/login/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn at {self.base} did not answer")

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=30) as response:
            return bytes(response.read())

    def login(self) -> None:
        page = self.get("/login/").decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        form = {"csrfmiddlewaretoken": token.group(1), "username": "bench", "password": PASSWORD}
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            self.base + "/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": self.base + "/login/"},
        )
        with self.opener.open(request, timeout=30) as response:
            assert "/login/" not in response.geturl(), "the benchmark's user could not log in"

    def subnet(self, network: str, vrf: str | None) -> tuple[int, int | None]:
        """The subnet's id and its VRF's."""
        vrfs = json.loads(self.get("/api/ipam/vrfs?page_size=1000"))["results"]
        vrf_id = next((v["id"] for v in vrfs if v["name"] == vrf), None)
        query = urllib.parse.urlencode({"q": network, "page_size": 50})
        for row in json.loads(self.get(f"/api/ipam/subnets?{query}"))["results"]:
            if row["network"] == network and row["vrf"] == vrf_id:
                return row["id"], vrf_id
        raise SystemExit(f"{network} is not in {self.env['DATABASE_URL']}: load it first")

    def action(self, what: What) -> Callable[[], object]:
        """What one request (or one walk, one export) of `what` does."""
        if what == "walk":
            _, vrf_id = self.subnet(*THE_8)
            return lambda: self.walk(f"/api/ipam/hosts?within={THE_8[0]}&vrf={vrf_id}")
        if what == "export":
            pk, _ = self.subnet(*THE_8)
            return lambda: self.get(f"/ipam/export/hosts.csv?within_subnet={pk}")
        if isinstance(what, str):
            return lambda: self.get(what)
        path = f"/ipam/subnets/{self.subnet(*what)[0]}/"
        return lambda: self.get(path)

    def walk(self, path: str) -> int:
        """Every page of an API list, following `next`: the rows read."""
        url: str | None = f"{path}&page_size=1000"
        rows = 0
        while url:
            page = json.loads(self.get(url.removeprefix(self.base)))
            rows += len(page["results"])
            url = page["next"]
        return rows

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def compare(
    sqlite: Server, pg: Server, requests: list[tuple[str, What]], rounds: int, warm: int
) -> list[str]:
    """The table's rows: each request `rounds` times on each server, alternating."""
    lines = []
    for label, what in requests:
        a, b = sqlite.action(what), pg.action(what)
        for _ in range(warm):  # prepared statements, caches, both processes
            a()
            b()
        times: tuple[list[float], list[float]] = ([], [])
        for n in range(rounds):
            order = ((0, a), (1, b)) if n % 2 == 0 else ((1, b), (0, a))
            for index, action in order:
                times[index].append(timed(action))
        ratios = [p / s for s, p in zip(*times, strict=True)]
        faster = sum(r <= 1 for r in ratios)
        sqlite_ms, pg_ms = statistics.median(times[0]), statistics.median(times[1])
        lines.append(
            f"| {label} | {sqlite_ms:.1f} ms | {pg_ms:.1f} ms"
            f" | {statistics.median(ratios):.2f}× | {faster} of {rounds} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite-dir", type=Path, required=True, help="holds bench.sqlite3")
    parser.add_argument("--pg-dir", type=Path, required=True, help="a folder for the PG server")
    parser.add_argument("--database-url", required=True, help="the PostgreSQL database loaded")
    parser.add_argument("--rounds", type=int, default=80)
    parser.add_argument(
        "--whole-rounds", type=int, default=4, help="for the walk and export (0: skip them)"
    )
    parser.add_argument("--ports", default="8098,8099")
    args = parser.parse_args()
    database = args.sqlite_dir / "bench.sqlite3"
    if not database.exists():
        raise SystemExit(f"{database} is missing: run bench/ipam_scale.py --data-dir first")
    first, second = (int(p) for p in args.ports.split(","))
    sqlite = Server(args.sqlite_dir, f"sqlite:///{database}", first)
    try:
        pg = Server(args.pg_dir, args.database_url, second)
        try:
            sqlite.login()
            pg.login()
            print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {args.rounds} rounds")
            print("| request | SQLite: median | PostgreSQL: median | PostgreSQL ÷ SQLite "
                  "(median of pairs) | pairs PostgreSQL was not slower |")  # fmt: skip
            print("|---|---:|---:|---:|---:|")
            for line in compare(sqlite, pg, REQUESTS, args.rounds, warm=10):
                print(line, flush=True)
            if args.whole_rounds:
                for line in compare(sqlite, pg, WHOLE, args.whole_rounds, warm=1):
                    print(line, flush=True)
        finally:
            pg.stop()
    finally:
        sqlite.stop()


if __name__ == "__main__":
    main()
