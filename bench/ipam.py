"""Benchmark: the subnet page and first-free allocation for a /24, a /16 and a /8.

Run from the repository root (no root needed, sends no packets):

    .venv/bin/python bench/ipam.py              # measure, print, write docs/benchmarks.md
    .venv/bin/python bench/ipam.py --no-docs    # print only

It builds a temporary SQLite database with ``seed_demo --hosts 110000`` (about
10,000 hosts in 198.18.0.0/16 and 100,000 in 10.0.0.0/8, spread at random) and a
"packed" /16 (VRF bench-packed) whose first 10,000 addresses are in use, then for
each subnet
measures, as the median of ``--repeats`` runs after one warm-up:

- Netkeep's subnet page (``ipam:subnet_detail``) through Django's test client,
  signed in as an admin: server time and HTML size;
- allocating the first free address (``ipam.allocation.allocate``, rolled back);
- a naive page that enumerates every address of the subnet and renders a table
  row for each (with the hosts loaded into a dict first), and a naive first-free
  search that walks the addresses from the start. The naive page stops after
  ``--naive-budget`` seconds and is extrapolated linearly; the table says so.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGETS = [("/24", "198.51.100.0/24", None), ("/16", "198.18.0.0/16", None)]
TARGETS.append(("/8", "10.0.0.0/8", "lab-large"))
# Hosts numbered from the start, as people do: the first free address is far in.
TARGETS.append(("/16 packed", "198.18.0.0/16", "bench-packed"))
PACKED = 10_000
NAIVE_ROW = (
    "{% for a, h in rows %}<tr><td>{{ a }}</td><td>{{ h.hostname }}</td>"
    "<td>{{ h.description }}</td><td>{{ h.status }}</td></tr>\n{% endfor %}"
)
CHUNK = 4096


@dataclass
class Result:
    label: str
    network: str
    hosts: int
    page_ms: list[float]
    page_bytes: int
    queries: int
    alloc_ms: list[float]
    naive_ms: float
    naive_bytes: int
    naive_extrapolated: bool
    naive_rows: int
    naive_free_ms: float


def setup(
    workdir: Path, hosts: int, seed: int, database_url: str | None = None, reuse: bool = False
) -> float:
    """Load the data into `workdir`'s SQLite file (or `database_url`): the seconds it took.

    With `reuse`, a database that already holds it (an earlier run's) is kept: 0 seconds.
    """
    os.environ.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 40,
            "NETKEEP_DATA_DIR": str(workdir),
            "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
            "ALLOWED_HOSTS": "testserver",
            "DJANGO_SETTINGS_MODULE": "netkeep.settings",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    # Pages render without `collectstatic`: plain static storage, as in the tests.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    call_command("migrate", verbosity=0, skip_checks=True)
    from ipam.models import VRF

    if reuse and VRF.objects.filter(name="bench-packed").exists():
        print("the data of an earlier run is reused", flush=True)
        return 0.0
    started = time.perf_counter()
    call_command("seed_demo", hosts=hosts, seed=seed, skip_checks=True)
    seconds = time.perf_counter() - started
    print(f"seed_demo --hosts {hosts}: {seconds:.1f} s", flush=True)
    packed_subnet()
    return seconds


def packed_subnet() -> None:
    """198.18.0.0/16 in VRF bench-packed with its first 10,000 addresses in use."""
    import random

    from django.db import transaction
    from django.utils import timezone

    from ipam.management.commands.seed_demo import _host_row, _insert
    from ipam.models import VRF, Subnet

    vrf = VRF.objects.create(name="bench-packed")
    subnet = Subnet(network="198.18.0.0/16", vrf=vrf, name="Packed from the start")
    subnet.save()
    rng, now = random.Random(1), timezone.now()
    first = int(subnet.start_key, 16) + 1
    with transaction.atomic():
        _insert([_host_row(subnet, first + i, "lab", i, rng, now) for i in range(PACKED)], now)


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    fn()  # warm-up: imports, template loading, SQLite page cache
    times, out = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, out


def measure(label: str, network: str, vrf: str | None, repeats: int, budget: float) -> Result:
    from django.db import connection, transaction
    from django.template import Context, Template
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from ipam.allocation import allocate
    from ipam.models import Host, Subnet

    subnet = Subnet.objects.get(network=network, vrf__name=vrf) if vrf else None
    subnet = subnet or Subnet.objects.get(network=network, vrf=None)
    admin = User.objects.filter(username="bench").first() or User.objects.create(
        username="bench", role="admin"
    )
    client = Client()
    client.force_login(admin)
    url = reverse("ipam:subnet_detail", args=[subnet.pk])

    def page() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    page_ms, response = timed(page, repeats)
    with CaptureQueriesContext(connection) as queries:
        page()

    class Rollback(Exception):
        pass

    def first_free() -> str:
        try:
            with transaction.atomic():
                address = allocate(subnet, 1)[0].address
                raise Rollback(address)
        except Rollback as done:
            return str(done)

    alloc_ms, _ = timed(first_free, repeats)

    # The naive page: every address of the subnet, one row each.
    net = ipaddress.ip_network(network)
    template = Template(NAIVE_ROW)
    started = time.perf_counter()
    by_address = {h.address: h for h in subnet.host_range()}
    rows = 0
    size = 0
    extrapolated = False
    chunk: list[tuple[str, Any]] = []
    for address in net.hosts():
        text = str(address)
        chunk.append((text, by_address.get(text)))
        if len(chunk) == CHUNK:
            size += len(template.render(Context({"rows": chunk})))
            rows += len(chunk)
            chunk = []
            if time.perf_counter() - started > budget:
                extrapolated = True
                break
    if chunk:
        size += len(template.render(Context({"rows": chunk})))
        rows += len(chunk)
    naive_s = time.perf_counter() - started
    total = net.num_addresses - 2
    if extrapolated:
        naive_s *= total / rows
        size = int(size * total / rows)

    # The naive first free: walk from the first address, asking the database for each.
    started = time.perf_counter()
    for address in net.hosts():
        if not Host.objects.filter(vrf_key=subnet.vrf_key, address=str(address)).exists():
            break
    naive_free_ms = (time.perf_counter() - started) * 1000

    return Result(
        label=label,
        network=network,
        hosts=subnet.host_range().count(),
        page_ms=page_ms,
        page_bytes=len(response.content),
        queries=len(queries.captured_queries),
        alloc_ms=alloc_ms,
        naive_ms=naive_s * 1000,
        naive_bytes=size,
        naive_extrapolated=extrapolated,
        naive_rows=rows,
        naive_free_ms=naive_free_ms,
    )


def human_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def human_ms(ms: float) -> str:
    if ms < 1000:
        return f"{ms:.1f} ms"
    if ms < 120_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms / 60_000:.0f} min"


def table(results: list[Result]) -> str:
    lines = [
        "| subnet | hosts | Netkeep page: server time | HTML | queries "
        "| first free (allocate) | naive page: time | naive HTML | naive first free |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        mark = " *" if r.naive_extrapolated else ""
        lines.append(
            f"| {r.label} `{r.network}` | {r.hosts:,} | {human_ms(statistics.median(r.page_ms))} "
            f"| {human_bytes(r.page_bytes)} | {r.queries} "
            f"| {human_ms(statistics.median(r.alloc_ms))} "
            f"| {human_ms(r.naive_ms)}{mark} | {human_bytes(r.naive_bytes)}{mark} "
            f"| {human_ms(r.naive_free_ms)} |"
        )
    return "\n".join(lines)


def details(results: list[Result]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"- {r.label}: page runs {', '.join(human_ms(t) for t in r.page_ms)}; allocate runs "
            f"{', '.join(human_ms(t) for t in r.alloc_ms)}; naive page rendered "
            f"{r.naive_rows:,} rows"
            + (" then was extrapolated to every address" if r.naive_extrapolated else "")
        )
    return "\n".join(lines)


def write_docs(text: str) -> None:
    from bench.docs_section import write_section

    write_section("bench/ipam.py", text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=110_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--naive-budget", type=float, default=10.0, help="seconds per subnet")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netkeep-bench-ipam-") as tmp:
        seed_seconds = setup(Path(tmp), args.hosts, args.seed)
        results = []
        for label, network, vrf in TARGETS:
            print(f"measuring {label} {network} ...", flush=True)
            results.append(measure(label, network, vrf, args.repeats, args.naive_budget))
    out = table(results)
    print(out)
    print(details(results))
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    command = "python bench/ipam.py" + ("" if args.hosts == 110_000 else f" --hosts {args.hosts}")
    doc = f"""## IPAM: the subnet page and allocation

Produced by `{command}` (repeats {args.repeats}, naive budget {args.naive_budget:g} s)
on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()},
{platform.machine()}, {os.cpu_count()} CPUs, load average {load[0]:.2f}, SQLite (temporary file).

Data: `manage.py seed_demo --hosts {args.hosts} --seed {args.seed}` — documentation and
benchmarking ranges, plus 10.0.0.0/8 in its own VRF; hosts spread at random, so
the /16 and /8 pages have many short free runs (the worst case for collapsing).
"/16 packed" is 198.18.0.0/16 in VRF bench-packed with its first {PACKED:,} addresses
in use (numbered from the start, as people do), so the first free address is far in.
`seed_demo` loaded it in {seed_seconds:.1f} s.

{out}

Times are medians of {args.repeats} runs after one warm-up; server time is the whole
Django request through the test client (middleware, queries, template), signed in
as an admin, without network transfer. "first free" creates one host on the first
free address with `ipam.allocation.allocate` (subnet row locked, all checks) and
rolls it back. The naive columns enumerate every address of the subnet
(`ip_network.hosts()`) and render one table row per address with the hosts
preloaded in a dict, as a page listing every address would — with bare markup
(four cells, no links, classes or layout), so its sizes are a lower bound; `*` marks figures
measured for {args.naive_budget:g} s and extrapolated linearly to the whole subnet.
The naive first free asks the database about each address in turn from the start.

{details(results)}
"""
    if not args.no_docs:
        write_docs(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
