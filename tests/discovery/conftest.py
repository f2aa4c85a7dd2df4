"""What discovery's tests share: the lab allowlist and fakes in place of ping and Nmap."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from discovery import icmp, nmap
from tests.discovery.fakes import FakeNmap, FakePing


@pytest.fixture
def allow_lab(settings: Any) -> None:
    """Scans may reach the lab's networks (198.18.0.0/15, 2001:2::/48); no rate limit is spent."""
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/15", "2001:2::/48"]
    cache.clear()


@pytest.fixture
def ping(monkeypatch: pytest.MonkeyPatch) -> FakePing:
    """discovery.icmp.sweep answers from `ping.alive` (nobody, until a test says otherwise)."""
    fake = FakePing()
    monkeypatch.setattr(icmp, "sweep", fake)
    return fake


@pytest.fixture
def scanner(monkeypatch: pytest.MonkeyPatch) -> FakeNmap:
    """discovery.nmap.run_scan answers from a recorded Nmap run."""
    fake = FakeNmap()
    monkeypatch.setattr(nmap, "run_scan", fake)
    return fake
