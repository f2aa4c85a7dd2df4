"""Benchmark: sweep the lab's /16 with Netkeep's engine, fping and nmap, in the same run.

Run as root from the repository root:

    .venv/bin/python bench/sweep.py            # build a lab, measure, update docs
    .venv/bin/python bench/sweep.py --no-docs  # print only

Every tool sweeps 198.18.0.0/16 (65,534 addresses) inside the lab's scanner
namespace (tests/lab/netns.py: no default route, verified before anything is
sent). Each figure is the median of ``--repeats`` runs, and each tool's alive set
is compared with the lab's truth. The table goes to stdout and to the
"ICMP sweep of a /16" section of docs/benchmarks.md.

The engine is measured twice: with settings equal to fping's (no pacing, one
attempt, 0.5 s timeout) and with Netkeep's defaults (20,000 packets/s, one retry,
1 s timeout), which is what a scheduled sweep uses.

``end_to_end``: a callable the discovery tasks can provide for the "with database
writes" figure. It is called as ``end_to_end(lab, network)`` on a thread that is
already inside the scanner namespace, must sweep ``network`` the way a scheduled
sweep does (engine + database writes) and return the set of addresses it
recorded as up. Pass it to ``run_benchmark`` or as ``--end-to-end module:function``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import IPv4Network
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.docs_section import publish  # noqa: E402
from discovery.icmp import sweep  # noqa: E402
from discovery.scope import sweep_addresses  # noqa: E402
from tests.lab.netns import Lab  # noqa: E402

EndToEnd = Callable[[Lab, IPv4Network], set[str]]


@dataclass
class Row:
    """One tool's figures: median and all times, and how its alive set compares."""

    name: str
    command: str
    times: list[float]
    found: int
    missed: int
    extra: int
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def exact(self) -> bool:
        return self.missed == 0 and self.extra == 0


def _compare(
    name: str, command: str, times: list[float], alive: set[str], truth: frozenset[str]
) -> Row:
    return Row(name, command, times, len(alive), len(truth - alive), len(alive - truth))


Measure = Callable[[], set[str]]


def _engine(lab: Lab, network: IPv4Network, **settings: float) -> Measure:
    def measure() -> set[str]:
        with lab.enter():
            results = sweep(sweep_addresses(network), **settings)  # type: ignore[arg-type]
        return {r.address for r in results if r.alive}

    return measure


def _tool(lab: Lab, argv: list[str]) -> Measure:
    def measure() -> set[str]:
        result = lab.exec(argv, timeout=600)
        assert isinstance(result, subprocess.CompletedProcess)
        if result.returncode not in (0, 1):  # fping exits 1 when some hosts are down
            raise RuntimeError(f"{argv[0]} failed: {result.stderr.strip()[-300:]}")
        return _parse_tool_output(argv[0], result.stdout)

    return measure


def _end_to_end(lab: Lab, network: IPv4Network, hook: EndToEnd) -> Measure:
    def measure() -> set[str]:
        with lab.enter():
            return set(hook(lab, network))

    return measure


def _parse_tool_output(tool: str, stdout: str) -> set[str]:
    if tool == "fping":
        return {line.strip() for line in stdout.splitlines() if line.strip()}
    # nmap -oG -: "Host: 198.18.0.1 ()	Status: Up"
    return {
        line.split()[1]
        for line in stdout.splitlines()
        if line.startswith("Host:") and "Status: Up" in line
    }


def run_benchmark(
    lab: Lab | None = None,
    *,
    repeats: int = 3,
    end_to_end: EndToEnd | None = None,
    include_nmap: bool = True,
) -> list[Row]:
    """Measure every tool on the lab's /16; builds a lab when none is given.

    The tools take turns within each round (engine, fping, nmap, ...), so a burst
    of load on a shared machine hits them alike instead of one tool's runs.
    """
    own_lab = lab is None
    lab = lab or Lab().start()
    try:
        lab.verify_isolated()
        network = lab.net16
        truth = lab.alive_in(network)
        fping = ["fping", "-a", "-q", "-r", "0", "-t", "500", "-i", "0", "-g", str(network)]
        nmap = ["nmap", "-sn", "-n", "-PE", "--min-rate", "20000", "--max-retries", "0"]
        nmap += ["-oG", "-", str(network)]
        contenders: list[tuple[str, str, Measure]] = [
            (
                "Netkeep engine, fping-equal settings",
                "sweep(hosts, rate_pps=10_000_000, timeout=0.5, retries=0)",
                _engine(lab, network, rate_pps=10_000_000, timeout=0.5, retries=0),
            ),
            ("fping -i 0", shlex.join(fping), _tool(lab, fping)),
            (
                "Netkeep engine, default settings (paced; the retry doubles the packets)",
                "sweep(hosts)  # 20,000 pps cap, 1 s timeout, 1 retry",
                _engine(lab, network, rate_pps=20000, timeout=1.0, retries=1),
            ),
        ]
        if include_nmap:
            contenders.append(("nmap -sn -PE --min-rate 20000", shlex.join(nmap), _tool(lab, nmap)))
        if end_to_end is not None:
            contenders.append(
                (
                    "Netkeep end to end (engine + database writes)",
                    getattr(end_to_end, "__qualname__", "end_to_end"),
                    _end_to_end(lab, network, end_to_end),
                )
            )
        times: dict[str, list[float]] = {name: [] for name, _, _ in contenders}
        found: dict[str, set[str]] = {}
        for _ in range(repeats):
            for name, _, measure in contenders:
                started = time.perf_counter()
                alive = measure()
                times[name].append(time.perf_counter() - started)
                # Keep the first run that differs from the truth, if any, so that a
                # miss in any run shows in the table.
                if found.get(name, truth) == truth:
                    found[name] = alive
        return [
            _compare(name, command, times[name], found[name], truth)
            for name, command, _ in contenders
        ]
    finally:
        if own_lab:
            lab.close()


def table(rows: list[Row], fping: float | None, *, notes: bool = False) -> list[str]:
    """The rows of a sweep benchmark's table (times against fping's median) and their commands."""
    lines = []
    for row in rows:
        ratio = f"{row.median / fping:.2f}×" if fping else "–"
        runs = ", ".join(f"{t:.2f}" for t in row.times)
        note = f" {row.note} |" if notes else ""
        lines.append(
            f"| {row.name} | {row.median:.2f} s | {runs} | {row.found} | {row.missed}"
            f" | {row.extra} | {ratio} |{note}"
        )
    lines += ["", "Commands:", ""]
    lines += [f"- {row.name}: `{row.command}`" for row in rows]
    return lines


def render(rows: list[Row], *, addresses: int, alive: int, command: str, e2e_pending: bool) -> str:
    """The docs section: context, table, ratios to fping, and what is pending."""
    fping = next((r for r in rows if r.name.startswith("fping")), None)
    lines = [
        "## ICMP sweep of a /16",
        "",
        f"Produced by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
        f" ({os.cpu_count()} vCPU, Linux {platform.release()}, Python {platform.python_version()},"
        f" load average {os.getloadavg()[0]:.2f} at the end: the machine is shared).",
        "",
        f"The lab's 198.18.0.0/16: {addresses:,} addresses, {alive} alive, the rest"
        " blackholed (silent). Every tool runs in the lab's scanner namespace; times are"
        f" wall-clock medians of {len(rows[0].times)} runs, taken in turns (one run of each"
        " tool per round), the external tools including `ip netns exec` start-up. A row's"
        " alive set is from its first run that differed from the truth, if any.",
        "",
        "| what | median | runs | alive found | missed | extra | vs fping |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += table(rows, fping.median if fping else None)
    lines += [
        "",
        "Target (issue 4): engine within 2× of fping, end to end within 3×, exact alive set.",
    ]
    if e2e_pending:
        lines += [
            "",
            "### End to end with database writes: not in this run",
            "",
            "This run measured the engine alone. `bench/sweep_e2e.py` measures scheduled"
            " sweeps with their database writes (its own section of this file); to put that"
            " figure in this table, run `bench/sweep.py --end-to-end module:function` with a"
            " hook `end_to_end(lab, network) -> set[str]`.",
        ]
    return "\n".join(lines) + "\n"


def _load_hook(spec: str) -> EndToEnd:
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise SystemExit(f"--end-to-end takes module:function, not {spec!r}")
    return getattr(importlib.import_module(module_name), attribute)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs alone")
    parser.add_argument("--no-nmap", action="store_true", help="skip nmap (about 8 s a run)")
    parser.add_argument("--end-to-end", metavar="MODULE:FUNCTION", help="the database-writes hook")
    options = parser.parse_args(argv)
    hook = _load_hook(options.end_to_end) if options.end_to_end else None
    lab = Lab().start()
    try:
        rows = run_benchmark(
            lab, repeats=options.repeats, end_to_end=hook, include_nmap=not options.no_nmap
        )
        addresses = lab.net16.num_addresses - 2
        alive = len(lab.alive_in(lab.net16))
    finally:
        lab.close()
    command = (
        "python bench/sweep.py"
        + (" " + shlex.join(argv if argv is not None else sys.argv[1:])).rstrip()
    )
    section = render(
        rows, addresses=addresses, alive=alive, command=command.strip(), e2e_pending=hook is None
    )
    status = 0 if all(row.exact for row in rows) else 1
    return publish("bench/sweep.py", section, docs=not options.no_docs, status=status)


if __name__ == "__main__":
    sys.exit(main())
