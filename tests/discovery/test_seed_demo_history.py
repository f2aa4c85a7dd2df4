"""Generated demo history: uptime and latency show for demo hosts; nothing is scanned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from discovery import history
from discovery.models import HostHourly, HostSample
from ipam.models import Host
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


@pytest.fixture
def changed_hosts(db: None) -> list[Host]:
    """Demo hosts like those of `make run`: some changed state long ago, some just now."""
    make_subnet("198.51.100.0/24")
    now = timezone.now()
    return [
        make_host("198.51.100.104", status="down", status_changed_at=now - timedelta(days=24)),
        make_host(
            "198.51.100.69",
            status="up",
            latency_ms=2.5,
            status_changed_at=now - timedelta(minutes=13),
        ),
        make_host("198.51.100.70", status="down", status_changed_at=now - timedelta(hours=30)),
        make_host(
            "198.51.100.71", status="up", latency_ms=9.0, status_changed_at=now - timedelta(days=3)
        ),
        make_host("198.51.100.72", status="up", latency_ms=1.0),
    ]


def test_generated_history_ends_in_the_current_state_that_began_at_status_changed_at(
    changed_hosts: list[Host],
) -> None:
    call_command("seed_demo_history", "--seed", "3")
    for host in changed_hosts:
        is_up = host.status == "up"
        samples = list(HostSample.objects.filter(host=host).order_by("at"))
        assert samples[-1].up is is_up
        assert samples[-1].rtt_ms == (host.latency_ms if is_up else None)
        since = host.status_changed_at
        if since is None:
            assert all(s.up is is_up for s in samples)
            continue
        assert all(s.up is is_up for s in samples if s.at >= since), host.address
        before = [s for s in samples if s.at < since]
        if before:  # just before the change it was in the other state
            assert before[-1].up is not is_up, host.address
        hours = HostHourly.objects.filter(host=host, hour__gte=since)
        assert all(h.seconds_up == (h.seconds_observed if is_up else 0.0) for h in hours)


def test_demo_uptime_and_latency_agree_with_the_status(changed_hosts: list[Host]) -> None:
    call_command("seed_demo_history", "--seed", "4")
    down_long, up_recently, down_30h, up_3d, up_always = changed_hosts
    assert history.uptimes(down_long) == {"24h": 0.0, "7d": 0.0, "30d": 0.0}
    assert not [p for p in history.latency_series(down_long) if p["rtt_ms"] is not None]
    assert history.uptime(down_30h, timedelta(hours=24)) == 0.0
    assert 0 < history.uptime(down_30h, timedelta(days=7)) < 100  # type: ignore[operator]
    # Up for 13 minutes after a down spell: not 100 % over 30 days.
    assert history.uptime(up_recently, timedelta(days=30)) < 100  # type: ignore[operator]
    assert history.uptime(up_recently, timedelta(minutes=10)) == 100.0
    assert history.uptime(up_3d, timedelta(hours=24)) == 100.0
    assert history.uptime(up_always, timedelta(days=30)) is not None
