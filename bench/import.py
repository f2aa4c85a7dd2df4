"""Benchmark: a 100,000-row hosts CSV previewed and applied, next to a plain bulk_create.

Run from the repository root (no root needed, sends no packets):

    .venv/bin/python bench/import.py                 # SQLite and PostgreSQL, write docs
    .venv/bin/python bench/import.py --db sqlite --rows 20000 --no-docs
    .venv/bin/python bench/import.py --db sqlite --rows 20000 --profile /tmp/import

For each database it creates a fresh one (a temporary SQLite file; a throwaway
PostgreSQL server from scripts/pg.sh), 198.18.0.0/15 with 64 /21 subnets inside
it (so the longest-prefix match has work to do), and a hosts CSV of `--rows`
rows (address, hostname, description, MAC, tags) in those subnets. Then, in the
same process:

- **floor**: the same hosts and their tag links written by `bulk_create` from
  rows computed in advance (no parsing, no checks, no audit), with the usage
  counters' insert trigger paused and the counters added in one pass as the
  import does, then deleted;
- **preview**: what the background job does for an upload (netkeep.importing:
  parse, check every row, look up existing keys, plan), and storing the plan;
- **apply**: loading the stored plan and writing it (bulk inserts, tag links,
  one audit entry per host), as the job does when the user applies.

Each database runs in its own process (Django is set up once per process).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUDGET_S = 30.0
TAGS = ("web", "db", "lab")


def make_csv(rows: int) -> str:
    """`rows` hosts from 198.18.0.1 on, skipping each /21's network and broadcast address."""
    lines = ["address,hostname,description,mac,tags"]
    value, made = (198 << 24) | (18 << 16), 0
    while made < rows:
        value += 1
        if value & 0x7FF in (0, 0x7FF):
            continue
        a = f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
        mac = ":".join(f"{(made >> s) & 255:02x}" for s in (40, 32, 24, 16, 8, 0))
        lines.append(f"{a},host-{made},bench row {made},{mac},{TAGS[made % 3]}")
        made += 1
    return "\n".join(lines) + "\n"


def measure(rows: int) -> dict[str, Any]:
    """Runs inside the child process, with DATABASE_URL set."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import AuditEntry, Role, User
    from ipam import usage
    from ipam.addresses import parse_address
    from ipam.importing import SubnetIndex
    from ipam.models import Host, Subnet, Tag
    from netkeep.importing import apply_batch, create_batch, preview_batch

    call_command("migrate", verbosity=0, skip_checks=True)
    user = User.objects.create(username="bench", role=Role.EDITOR)
    top = Subnet(network="198.18.0.0/15", name="bench")
    top.save()
    for i in range(64):
        Subnet(network=f"198.{18 + i // 32}.{i % 32 * 8}.0/21", name=f"bench {i}").save()
    text = make_csv(rows)

    # The floor: the same rows, computed beforehand, written with bulk_create.
    index = SubnetIndex(0, 4)
    tags = {name: Tag.objects.get_or_create(name=name)[0].pk for name in TAGS}
    prepared = []
    for line in text.splitlines()[1:]:
        address_text, hostname, description, mac, tag = line.split(",")
        address = parse_address(address_text)
        host = Host(address=address_text, hostname=hostname, description=description, mac=mac)
        host.subnet = index.best_match(address)  # type: ignore[assignment]
        host.derive()
        prepared.append((host, tag))
    started, cpu = time.perf_counter(), time.process_time()
    # The counter trigger is paused as the import pauses it: per-row counter updates in one
    # transaction are quadratic on PostgreSQL, which would make the floor meaningless.
    with transaction.atomic():
        with usage.inserts_paused():
            created = Host.objects.bulk_create([h for h, _ in prepared], batch_size=2000)
        usage.add_hosts((h.vrf_key, h.family, h.key, h.status) for h in created)
        through = Host.tags.through
        through.objects.bulk_create(
            [
                through(host_id=h.pk, tag_id=tags[t])
                for h, (_, t) in zip(created, prepared, strict=True)
            ],
            batch_size=2000,
        )
        floor, floor_cpu = time.perf_counter() - started, time.process_time() - cpu
        # Rolled back rather than deleted (a delete counts down row by row): the
        # floor's commit is not timed, which only flatters the floor.
        transaction.set_rollback(True)

    profile = os.environ.get("NETKEEP_BENCH_PROFILE")
    started, cpu, server = time.perf_counter(), time.process_time(), server_cpu(connection)
    with profiled(profile and f"{profile}.{connection.vendor}.preview"):
        batch = create_batch(text, "hosts", "skip", user)
        preview_batch(batch.pk)
    preview_s, preview_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    with profiled(profile and f"{profile}.{connection.vendor}.apply"):
        applied = apply_batch(batch.pk)
    apply_s, apply_cpu = time.perf_counter() - started, time.process_time() - cpu
    server = server_cpu(connection) - server
    assert applied.applied, applied.summary()
    assert Host.objects.count() == rows and AuditEntry.objects.filter(door="import").count() == rows
    return {
        "database": connection.vendor,
        "version": ".".join(str(v) for v in connection.get_database_version()),
        "rows": rows,
        "bytes": len(text.encode()),
        "floor_s": floor,
        "preview_s": preview_s,
        "apply_s": apply_s,
        "floor_cpu": floor_cpu,
        "total_cpu": preview_cpu + apply_cpu,
        "server_cpu": server,
        "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0,
    }


@contextlib.contextmanager
def profiled(path: str | None) -> Iterator[None]:
    """cProfile the block into `path` (pstats format) when given; else just run it."""
    if not path:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(path)


def server_cpu(connection: Any) -> float:
    """CPU seconds the PostgreSQL server process of this connection has used (0 on SQLite).

    Read from /proc, so that the figure holds whatever else shares the machine.
    """
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child(db: str, rows: int, profile: str | None = None) -> dict[str, Any]:
    """Run `measure` in a fresh process against a fresh database of this kind."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 40,
        "DJANGO_SETTINGS_MODULE": "netkeep.settings",
        "ALLOWED_HOSTS": "testserver",
    }
    if profile:
        env["NETKEEP_BENCH_PROFILE"] = str(Path(profile).resolve())
    with tempfile.TemporaryDirectory(prefix="netkeep-bench-import-") as tmp:
        pg_dir = None
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        else:
            url = subprocess.check_output([str(ROOT / "scripts" / "pg.sh"), "start"], text=True)
            # The throwaway server has only its initial databases: use `postgres`.
            env["DATABASE_URL"] = url.strip().replace("/netkeep?", "/postgres?")
            pg_dir = url.strip().rsplit("host=", 1)[1]
        env["NETKEEP_DATA_DIR"] = tmp
        try:
            out = subprocess.check_output(
                [sys.executable, __file__, "--child", str(rows)], env=env, cwd=ROOT, text=True
            )
        finally:
            if pg_dir:
                subprocess.call([str(ROOT / "scripts" / "pg.sh"), "stop", pg_dir])
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| database | rows | CSV | floor: bulk_create | preview | apply | preview + apply "
        "| × floor | budget | CPU: floor, import (this process), import (server) | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for r in results:
        total = r["preview_s"] + r["apply_s"]
        server = "(in process)" if r["database"] == "sqlite" else "not measured"
        if r.get("server_cpu"):
            server = f"{r['server_cpu']:.1f} s"
        lines.append(
            f"| {r['database']} {r['version']} | {r['rows']:,} | {r['bytes'] / 1e6:.1f} MB "
            f"| {r['floor_s']:.1f} s | {r['preview_s']:.1f} s | {r['apply_s']:.1f} s "
            f"| **{total:.1f} s** | {total / r['floor_s']:.1f} "
            f"| {'met' if total <= BUDGET_S else 'MISSED'} (≤ {BUDGET_S:g} s) "
            f"| {r['floor_cpu']:.1f} s, {r['total_cpu']:.1f} s, "
            f"{server} "
            f"| {r['load']:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="cProfile the preview and the apply into PREFIX.<database>.preview|apply "
        "(pstats files; the timings then include the profiler's cost: implies --no-docs)",
    )
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = []
    for db in dbs:
        print(f"measuring {db} with {args.rows:,} rows ...", flush=True)
        results.append(child(db, args.rows, args.profile))
        print(json.dumps(results[-1]), flush=True)
    out = table(results)
    print(out)
    if args.no_docs or args.profile:
        return 0
    from bench.docs_section import write_section

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    command = "flock /tmp/netkeep-bench.lock nice -n -10 python bench/import.py" + (
        "" if args.rows == 100_000 else f" --rows {args.rows}"
    )
    write_section(
        "bench/import.py",
        f"""## IPAM: importing a 100,000-row hosts CSV

Produced by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python
{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, load average
{load[0]:.2f} at the end (each row's load is at the end of its database's run; other
processes on the machine ran at nice 19 meanwhile). SQLite is a temporary file;
PostgreSQL is the throwaway server of `scripts/pg.sh` (Unix socket, `fsync=off`, as in CI).

{out}

The CSV has address, hostname, description, MAC and one tag per row, in 64 /21
subnets under 198.18.0.0/15. **preview** is what the import job does with an
upload: parse and check every row, find the longest matching subnet, look up every
existing address (one query per 900 keys), plan each row, and store the plan and
every row's outcome. **apply** loads the stored plan and writes it in one
transaction: hosts, tag links and one audit entry per host (`netkeep/bulk.py`:
`executemany` on SQLite, `COPY` on PostgreSQL). Two things that triggers do row by
row for every other writer are paused for the apply's own transaction and done in
one pass: the usage counters (`ipam/usage.py`: one UPDATE per counter row touched,
on PostgreSQL all of them in one statement) and, on SQLite, the FTS5 trigram table
of the name search (`ipam/name_index.py`: the new hosts indexed in one statement).
**floor** writes the same hosts and tag links with a plain
`bulk_create` of rows computed beforehand (no parsing, no checks, no audit, no
stored plan), in the same process, with the counters' trigger paused the same way
(without it, per-row counter updates in one transaction are quadratic on
PostgreSQL) but SQLite's name index kept by its trigger; it is rolled back, so its
commit is not timed. CPU is this process's
`time.process_time()` and, on PostgreSQL, the server process's own CPU time read
from /proc (SQLite works inside this process): on a shared machine, their sum is
what a quiet one would come close to. The target
is preview + apply ≤ {BUDGET_S:g} s on both databases (issue 7; before, the web
preview alone cost about 3.5 ms per row: 350 s for 100,000 rows).

Where the time goes (100,000 rows, CPU seconds, measured per step on 2026-11-29 by
wrapping the steps of this benchmark; they hold whatever the load):

- **PostgreSQL server, about 15 s:** the `COPY` of the hosts 5.1 s (nine
  indexes, two fewer than before; the three trigram GIN indexes of the name search
  are about 1.8 s of it), the `COMMIT`s 5 s (PostgreSQL checks the deferred foreign
  key of every import row, host, tag link and audit entry there: about 600,000
  checks), the audit entries' `COPY` 1.9 s, the tag links' 1.0 s, the preview's
  rows 0.5 s, lookups 1 s. A larger `gin_pending_list_limit` for the transaction
  did not lower the server's CPU (the merge only moves), so the GIN indexes keep
  their defaults.
- **Python, 13–14 s on PostgreSQL:** planning 4.9 s (reading the CSV, checking each
  row, the existing-address lookups 1.4 s, the preview's sentences), the audit
  entries 2.3 s (one JSON document each), the hosts' `COPY` 1.4 s, packing and
  unpacking the stored plan 1.3 s, the counters 0.6 s. SQLite's run spends the
  same Python time plus the database's own work in this process.

Not done, each a trade: one audit entry per import instead of one per host (about
5 s of CPU on PostgreSQL: the entries' JSON and `COPY`, 200,000 foreign-key
checks); leaving the trigram indexes out of the import (the name search would
then miss imported hosts); a binary or column-wise stored plan instead of JSON.
""",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
