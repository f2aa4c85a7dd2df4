"""Run every benchmark in bench/ (each writes its own section of the docs); `make bench`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The sweep benchmarks need root (network namespaces, raw ICMP).
BENCHMARKS: list[tuple[str, list[str]]] = [
    ("sweep.py", ["--end-to-end", "bench.sweep_e2e:end_to_end"]),
    ("sweep_e2e.py", []),
    ("ipam.py", []),
    ("import.py", []),
]


def main() -> int:
    failed = []
    for script, args in BENCHMARKS:
        print(f"== {script}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / script), *args], cwd=HERE.parent)
        if code != 0:
            failed.append(f"{script} (exit {code})")
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
