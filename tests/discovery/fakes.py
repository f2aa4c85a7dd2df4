"""Fakes for the discovery wrappers: unit tests never send a packet."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Any

from discovery import icmp, nmap

DATA = Path(__file__).resolve().parent.parent / "data" / "nmap"


class FakePing:
    """Stands in for discovery.icmp.sweep: `alive` maps address -> rtt_ms."""

    def __init__(self, alive: dict[str, float] | None = None, error: Exception | None = None):
        self.alive = dict(alive or {})
        self.error = error
        self.calls: list[list[str]] = []

    def __call__(
        self,
        addresses: Iterable[IPv4Address | IPv6Address],
        *,
        progress: Callable[[int, int], None] | None = None,
        **options: Any,
    ) -> list[icmp.PingResult]:
        ordered = [str(a) for a in addresses]
        self.calls.append(ordered)
        self.options = options
        if progress is not None:
            progress(len(ordered) // 2, len(ordered))
        if self.error is not None:
            raise self.error
        if progress is not None:
            progress(len(ordered), len(ordered))
        return [
            icmp.PingResult(a, a in self.alive, self.alive.get(a) if a in self.alive else None)
            for a in ordered
        ]


class FakeNmap:
    def __init__(self, recording: str = "quick-lab.xml", error: Exception | None = None):
        self.recording = recording
        self.error = error
        self.calls: list[tuple[nmap.ScanProfile, list[str]]] = []

    def __call__(self, profile: nmap.ScanProfile, targets: Any, **kw: Any) -> nmap.ScanResult:
        # The real argv is built (and validated) exactly as run_scan would.
        nmap.build_argv(profile, targets)
        self.calls.append((profile, [str(t) for t in targets]))
        if self.error is not None:
            raise self.error
        result = nmap.parse_xml((DATA / self.recording).read_text())
        wanted = {str(t) for t in targets}
        result.hosts = [h for h in result.hosts if h.address in wanted]
        return result
