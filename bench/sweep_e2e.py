"""Benchmark: a sweep of the lab's /16 end to end, with the database writes, next to fping.

Run as root from the repository root:

    .venv/bin/python bench/sweep_e2e.py              # build a lab, measure, write the docs
    .venv/bin/python bench/sweep_e2e.py --no-docs    # print only

"End to end" is `discovery.sweep.run_sweep(run_id)`, exactly what a scheduled
sweep runs: claim the run, check the scope, sweep with the engine, then write
the results (host status, latency and last-seen updates, discovered hosts,
samples, events, run counts) in batched transactions. The database is a fresh
file SQLite database (WAL, as configured in settings) in a temporary folder.

Rows, each the median of ``--repeats`` runs taken in turns:

- fping -i 0, the peer, in the same lab and the same run;
- the engine alone with fping-equal settings (no pacing, one attempt, 0.5 s);
- run_sweep with those settings on an empty IPAM (every alive host is new:
  356 host inserts, samples and host_new events);
- run_sweep with those settings once the hosts exist (356 updates, samples);
- run_sweep with Netkeep's defaults (20,000 packets/s, 1 retry, 1 s timeout).

Each alive set is compared with the lab's truth. Results go to stdout and to
docs/benchmarks.md.

``end_to_end(lab, network)`` (fping-equal settings) and ``end_to_end_defaults``
are also hooks for bench/sweep.py (``--end-to-end bench.sweep_e2e:end_to_end``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.docs_section import publish  # noqa: E402
from bench.sweep import Row, table  # noqa: E402  (one row type and table for both sweeps)

FPING_EQUAL = {"rate_pps": 10_000_000, "timeout": 0.5, "retries": 0}
DEFAULTS = {"rate_pps": 20_000, "timeout": 1.0, "retries": 1}
_ready = False


def setup_django(folder: str | None = None) -> str:
    """Configure Django on a fresh file SQLite database and migrate it; returns its path."""
    global _ready
    folder = folder or tempfile.mkdtemp(prefix="netkeep-bench-")
    path = os.path.join(folder, "bench.sqlite3")
    if _ready:
        return path
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netkeep.test_settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["SCAN_ALLOWED_NETWORKS"] = "198.18.0.0/15"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _ready = True
    return path


def _apply(settings_values: dict[str, Any]) -> None:
    from django.conf import settings

    settings.NETKEEP_PING_RATE_PPS = settings_values["rate_pps"]
    settings.NETKEEP_PING_TIMEOUT_S = settings_values["timeout"]
    settings.NETKEEP_PING_RETRIES = settings_values["retries"]


def run_sweep_once(
    network: IPv4Network, ping: dict[str, Any] | None = None
) -> tuple[float, set[str], dict[str, int]]:
    """One scheduled-style sweep of `network` (must run inside the lab); time, alive set, counts."""
    setup_django()
    from discovery.models import RunKind, ScanRun
    from discovery.sweep import run_sweep
    from ipam.models import Host, Subnet

    _apply(ping or FPING_EQUAL)
    subnet = Subnet.objects.filter(network=str(network), vrf_key=0).first()
    if subnet is None:
        subnet = Subnet(network=str(network), scan_enabled=True)
        subnet.save()
    run = ScanRun.objects.create(kind=RunKind.SWEEP, target=subnet.network, subnet=subnet)
    started = time.perf_counter()
    status = run_sweep(run.pk)
    elapsed = time.perf_counter() - started
    run.refresh_from_db()
    if status != "succeeded":
        raise RuntimeError(f"the sweep {status}: {run.error_message}")
    alive = set(
        Host.objects.in_network(network).filter(status="up").values_list("address", flat=True)
    )
    return elapsed, alive, dict(run.counts)


def end_to_end(lab: Any, network: IPv4Network) -> set[str]:
    """bench/sweep.py's hook: run_sweep with fping-equal ping settings (comparable to fping)."""
    return run_sweep_once(network, FPING_EQUAL)[1]


def end_to_end_defaults(lab: Any, network: IPv4Network) -> set[str]:
    """The same with Netkeep's default pacing (20,000 pps, 1 retry, 1 s timeout)."""
    return run_sweep_once(network, DEFAULTS)[1]


def wipe() -> None:
    """Forget every host (and its samples, ports), event and run: the next sweep finds all new."""
    from discovery.models import ScanRun
    from ipam.models import Host
    from netkeep.models import Event

    Host.objects.all().delete()
    Event.objects.all().delete()
    ScanRun.objects.all().delete()


def measure(lab: Any, repeats: int) -> tuple[list[Row], int, int]:
    from discovery.icmp import sweep
    from discovery.scope import sweep_addresses

    network = lab.net16
    truth = set(lab.alive_in(network))
    hosts = list(sweep_addresses(network))
    results: dict[str, list[tuple[float, set[str], str]]] = {}

    def record(name: str, elapsed: float, alive: set[str], note: str = "") -> None:
        results.setdefault(name, []).append((elapsed, alive, note))

    fping_argv = ["fping", "-a", "-q", "-r", "0", "-t", "500", "-i", "0", "-g", str(network)]
    for _ in range(repeats):
        started = time.perf_counter()
        done = lab.exec(fping_argv, timeout=120)
        record("fping -i 0", time.perf_counter() - started, set(done.stdout.split()))
        with lab.enter():
            started = time.perf_counter()
            found = sweep(hosts, **FPING_EQUAL)
            record(
                "engine alone, fping-equal settings",
                time.perf_counter() - started,
                {r.address for r in found if r.alive},
            )
            wipe()
            elapsed, alive, counts = run_sweep_once(network, FPING_EQUAL)
            record(
                "run_sweep, fping-equal settings, empty IPAM (all new)",
                elapsed,
                alive,
                f"{counts.get('new', 0)} hosts created",
            )
            elapsed, alive, counts = run_sweep_once(network, FPING_EQUAL)
            record(
                "run_sweep, fping-equal settings, hosts known",
                elapsed,
                alive,
                f"{counts.get('recorded', 0)} samples",
            )
            elapsed, alive, counts = run_sweep_once(network, DEFAULTS)
            record("run_sweep, default settings, hosts known", elapsed, alive)
    commands = {
        "fping -i 0": " ".join(fping_argv),
        "engine alone, fping-equal settings": "icmp.sweep(hosts, rate_pps=10_000_000, "
        "timeout=0.5, retries=0)",
        "run_sweep, fping-equal settings, empty IPAM (all new)": "run_sweep(run_id) with "
        "NETKEEP_PING_RATE_PPS=10000000, NETKEEP_PING_TIMEOUT_S=0.5, NETKEEP_PING_RETRIES=0",
        "run_sweep, fping-equal settings, hosts known": "the same, second sweep",
        "run_sweep, default settings, hosts known": "run_sweep(run_id) with the defaults "
        "(20,000 pps, 1 s timeout, 1 retry)",
    }
    rows = []
    for name, runs in results.items():
        wrong = next((alive for _, alive, _ in runs if alive != truth), runs[0][1])
        rows.append(
            Row(
                name=name,
                command=commands[name],
                times=[t for t, _, _ in runs],
                found=len(wrong),
                missed=len(truth - wrong),
                extra=len(wrong - truth),
                note=runs[0][2],
            )
        )
    return rows, len(hosts), len(truth)


def render(rows: list[Row], addresses: int, alive: int, command: str) -> str:
    fping = next(r for r in rows if r.name.startswith("fping")).median
    load = os.getloadavg()[0]
    lines = [
        "## Discovery: a /16 sweep end to end, with the database writes",
        "",
        f"Produced by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"({os.cpu_count()} vCPU, Linux {platform.release()}, Python {platform.python_version()}, "
        f"load average {load:.2f} at the end; the machine may be shared).",
        "",
        f"The lab's 198.18.0.0/16: {addresses:,} addresses, {alive} alive, the rest silent. "
        "Everything runs in the lab's scanner namespace; the database is a fresh file SQLite "
        "database (WAL). Times are wall-clock medians, the tools taken in turns; fping's "
        "include `ip netns exec` start-up.",
        "",
        "| what | median | runs | alive found | missed | extra | vs fping | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += table(rows, fping, notes=True)
    lines += [
        "",
        "Target (issue 4): end to end within 3× of fping with the exact alive set. "
        "`run_sweep` writes after the engine returns: one bulk update of the hosts whose "
        "state changed, one bulk insert each for new hosts, samples and events, per "
        "batch of 2,000 addresses.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-docs", action="store_true")
    options = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("needs root (network namespaces, raw ICMP)", file=sys.stderr)
        return 2
    setup_django()
    from tests.lab.netns import Lab

    with Lab() as lab:
        rows, addresses, alive = measure(lab, options.repeats)
    command = "python bench/sweep_e2e.py" + (
        f" --repeats {options.repeats}" if options.repeats != 3 else ""
    )
    return publish(
        "bench/sweep_e2e.py", render(rows, addresses, alive, command), docs=not options.no_docs
    )


if __name__ == "__main__":
    sys.exit(main())
