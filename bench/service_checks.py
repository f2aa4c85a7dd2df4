"""1,000 HTTP service checks in one cycle: the async engine next to a plain sequential loop.

Builds the network-namespace lab (tests/lab/netns.py), starts one small HTTP
server in the hosts namespace that answers on every address of 198.19.0.0/22
after a fixed delay (a stand-in for a real /health page), then, from inside the
scanner namespace and in the same run:

- **engine**: `inventory.http_check.run()` — what one service-check cycle does
  (resolution and allowlist check of every target, one event loop, at most
  200 checks in flight);
- **sequential**: a plain loop of `httpx.Client().get()` over the same URLs.

Both must get an answer from every check (the engine may call a check degraded
when the machine is so busy that answers take longer than 2 s). Needs root and
`ip netns`.

    sudo .venv/bin/python bench/service_checks.py              # updates docs/benchmarks.md
    sudo .venv/bin/python bench/service_checks.py --no-docs --delay-ms 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netkeep.test_settings")

PORT = 18080
SERVER = r"""
import asyncio, sys
delay = float(sys.argv[1]) / 1000
body = b"ok"
reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n" + body

async def handle(reader, writer):
    try:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(delay)
        writer.write(reply)
        await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", int(sys.argv[2]), backlog=4096)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


def run_benchmark(count: int, delay_ms: float, repeats: int, concurrency: int) -> dict[str, object]:
    import subprocess

    import django

    django.setup()
    import httpx
    from django.conf import settings

    from inventory import http_check
    from netkeep import outbound
    from tests.lab.netns import NET_FULL, Lab

    settings.SCAN_ALLOWED_NETWORKS = [str(NET_FULL)]
    # The allowlist of discovery reads the database; the bench has none, so the
    # same rule is applied from the setting alone.
    from discovery import scope

    allowed = scope.parse_allowlist(settings.SCAN_ALLOWED_NETWORKS)
    outbound._checks[:] = [lambda a: scope.check_scope(a, allowed)]

    hosts = [str(a) for a in NET_FULL.hosts()][:count]
    urls = [f"http://{h}:{PORT}/health" for h in hosts]
    specs = [http_check.Spec(id=i, kind="http", url=u, timeout_s=10) for i, u in enumerate(urls)]
    engine_times: list[float] = []
    loop_times: list[float] = []
    with Lab(alive16_count=10) as lab:
        server = lab.spawn_in(
            lab.hosts_ns,
            [sys.executable, "-u", "-c", SERVER, str(delay_ms), str(PORT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert server.stdout is not None
        line = server.stdout.readline()
        if b"ready" not in line:
            rest = line + server.stdout.read(2000)
            raise RuntimeError(f"the lab's HTTP server did not start: {rest.decode()}")
        with lab.enter():
            for _ in range(repeats):
                started = time.perf_counter()
                outcomes = http_check.run(specs, concurrency)
                engine_times.append(time.perf_counter() - started)
                down = [o for o in outcomes if o.status == "down"]
                if down:
                    raise RuntimeError(f"engine: {len(down)} checks not up, e.g. {down[0]}")
                started = time.perf_counter()
                with httpx.Client(timeout=10) as client:
                    for url in urls:
                        if client.get(url).status_code != 200:
                            raise RuntimeError(f"sequential: {url} did not answer 200")
                loop_times.append(time.perf_counter() - started)
    return {
        "count": count,
        "delay_ms": delay_ms,
        "concurrency": concurrency,
        "engine": statistics.median(engine_times),
        "sequential": statistics.median(loop_times),
        "repeats": repeats,
        "load": f"{os.getloadavg()[0]:.1f}",
    }


def section(result: dict[str, object], command: str) -> str:
    engine, loop = float(result["engine"]), float(result["sequential"])  # type: ignore[arg-type]
    count = float(result["count"])  # type: ignore[arg-type]
    engine_row = (
        f"Netkeep engine (`inventory.http_check.run`, {result['concurrency']} in flight, "
        f"allowlist checked) | {engine:.2f} s | {count / engine:.0f}"
    )
    loop_row = (
        f"plain sequential loop (`httpx.Client().get()` per URL) | {loop:.2f} s | "
        f"{count / loop:.0f}"
    )
    return f"""## Service checks: {result["count"]} HTTP checks in one cycle

`{command}` — the lab's hosts namespace serves HTTP on every address of
198.19.0.0/22, each answer after {result["delay_ms"]} ms (a stand-in for a real
health page); the checks run from the scanner namespace. Median of {result["repeats"]} runs, 2 vCPU,
load average {result["load"]} while it ran (other jobs share the machine).

| what | wall time | checks/s |
|---|---|---|
| {engine_row} |
| {loop_row} |

The engine finishes a cycle of {result["count"]} checks in {engine / 30 * 100:.0f} % of the
30-second interval; the sequential loop would need {loop / 30:.1f} intervals.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    result = run_benchmark(args.count, args.delay_ms, args.repeats, args.concurrency)
    command = "sudo .venv/bin/python bench/service_checks.py" + (
        f" --delay-ms {args.delay_ms:g}" if args.delay_ms != 20.0 else ""
    )
    from bench.docs_section import publish

    return publish("service_checks", section(result, command), docs=not args.no_docs)


if __name__ == "__main__":
    sys.exit(main())
