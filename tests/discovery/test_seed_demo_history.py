"""Generated demo history: uptime and latency show for demo hosts; nothing is scanned."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from discovery import history
from discovery.models import HostHourly, HostSample
from tests.factories import make_host, make_subnet


@pytest.fixture
def hosts(db: None) -> tuple:
    make_subnet("198.18.0.0/24")
    up = make_host("198.18.0.10", status="up", latency_ms=4.0)
    down = make_host("198.18.0.11", status="down")
    unknown = make_host("198.18.0.12")
    return up, down, unknown


def test_it_gives_demo_hosts_a_history_that_matches_their_status(hosts: tuple, monkeypatch) -> None:
    import discovery.icmp

    monkeypatch.setattr(discovery.icmp, "sweep", lambda *a, **k: pytest.fail("no packets"))
    up, down, unknown = hosts
    call_command("seed_demo_history", "--seed", "2")
    assert history.uptimes(up)["7d"] is not None
    assert history.latency_series(up)
    last_down = HostSample.objects.filter(host=down).order_by("-at").first()
    assert last_down is not None and last_down.up is False
    assert not HostSample.objects.filter(host=unknown).exists()
    assert not HostHourly.objects.filter(host=unknown).exists()


def test_if_empty_adds_nothing_the_second_time(hosts: tuple) -> None:
    call_command("seed_demo_history", "--if-empty")
    counts = (HostSample.objects.count(), HostHourly.objects.count())
    call_command("seed_demo_history", "--if-empty")
    assert (HostSample.objects.count(), HostHourly.objects.count()) == counts
