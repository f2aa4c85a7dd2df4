"""Status history: raw samples, hourly roll-ups, pruning, uptime and latency series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from discovery import history
from discovery.models import HostHourly, HostSample
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)


@pytest.fixture
def host():  # type: ignore[no-untyped-def]
    make_subnet("198.18.0.0/24")
    return make_host("198.18.0.5")


def sample(host, at: datetime, up: bool, rtt: float | None = None) -> None:  # type: ignore[no-untyped-def]
    history.record_samples([(host.pk, up, rtt)], at=at)


def test_complete_hours_are_rolled_up_once_per_host_and_hour(host) -> None:  # type: ignore[no-untyped-def]
    ten = NOW.replace(hour=10, minute=0)
    for minute, up, rtt in ((0, True, 1.0), (20, True, 3.0), (40, False, None)):
        sample(host, ten + timedelta(minutes=minute), up, rtt)
    sample(host, NOW - timedelta(minutes=5), True, 9.0)  # the current hour: not rolled up yet

    assert history.rollup_hourly(NOW) == 1
    row = HostHourly.objects.get()
    assert (row.hour, row.samples, row.up_samples) == (ten, 3, 2)
    assert (row.rtt_avg, row.rtt_min, row.rtt_max) == (2.0, 1.0, 3.0)
    # Running again changes nothing.
    assert history.rollup_hourly(NOW) == 0
    assert HostHourly.objects.count() == 1


def test_uptime_counts_rolled_up_hours_and_recent_samples_once(host) -> None:  # type: ignore[no-untyped-def]
    for hours_ago in (5, 4, 3, 2):
        sample(host, NOW - timedelta(hours=hours_ago), hours_ago != 4, 1.0)
    history.rollup_hourly(NOW)
    sample(host, NOW - timedelta(minutes=10), True, 1.0)
    sample(host, NOW - timedelta(minutes=5), False)
    # 3 of 4 rolled up + 1 of 2 raw = 4 of 6.
    assert history.uptime(host, timedelta(hours=24), NOW) == pytest.approx(66.67)
    # A window of one hour sees only the raw samples.
    assert history.uptime(host, timedelta(minutes=30), NOW) == 50.0


def test_uptime_is_unknown_without_samples(host) -> None:  # type: ignore[no-untyped-def]
    assert history.uptimes(host, NOW) == {"24h": None, "7d": None, "30d": None}


def test_uptime_over_7_days_reads_roll_ups_after_raw_samples_are_pruned(host) -> None:  # type: ignore[no-untyped-def]
    start = NOW - timedelta(days=6)
    for hours in range(0, 6 * 24, 6):
        sample(host, start + timedelta(hours=hours), hours % 12 == 0, 2.0)
    history.prune(NOW)
    assert not HostSample.objects.filter(at__lt=NOW - history.RAW_WINDOW).exists()
    assert history.uptime(host, timedelta(days=7), NOW) == 50.0
    assert history.uptime(host, timedelta(days=30), NOW) == 50.0


def test_prune_keeps_raw_samples_for_the_window_and_roll_ups_for_a_month(host) -> None:  # type: ignore[no-untyped-def]
    sample(host, NOW - timedelta(hours=47), True, 1.0)
    sample(host, NOW - timedelta(hours=50), True, 1.0)
    HostHourly.objects.create(host=host, hour=NOW - timedelta(days=40), samples=1, up_samples=1)
    result = history.prune(NOW)
    assert HostSample.objects.count() == 1
    assert result["samples"] == 1
    assert not HostHourly.objects.filter(hour__lt=NOW - timedelta(days=35)).exists()
    # The pruned sample was rolled up first.
    assert HostHourly.objects.filter(hour=(NOW - timedelta(hours=50)).replace(minute=0)).exists()


def test_the_latency_series_lists_recent_samples_oldest_first(host) -> None:  # type: ignore[no-untyped-def]
    sample(host, NOW - timedelta(minutes=10), False)
    sample(host, NOW - timedelta(minutes=20), True, 4.5)
    sample(host, NOW - timedelta(hours=30), True, 1.0)
    series = history.latency_series(host, timedelta(hours=24), NOW)
    assert [(p["up"], p["rtt_ms"]) for p in series] == [(True, 4.5), (False, None)]


def test_a_long_latency_series_uses_hourly_averages(host) -> None:  # type: ignore[no-untyped-def]
    hour = (NOW - timedelta(days=3)).replace(minute=0)
    HostHourly.objects.create(host=host, hour=hour, samples=4, up_samples=2, rtt_avg=3.25)
    series = history.latency_series(host, timedelta(days=7), NOW)
    assert series == [{"at": hour, "up": True, "rtt_ms": 3.25}]


# --- uptime is a share of time -------------------------------------------------------------


def test_a_sample_stands_for_the_time_until_the_next_one(host) -> None:  # type: ignore[no-untyped-def]
    start = NOW - timedelta(minutes=5, seconds=30)
    sample(host, start, True, 1.0)
    sample(host, start + timedelta(minutes=5), False)
    # Up for 5 minutes, down for the last 30 seconds: not "1 of 2 samples".
    assert history.uptime(host, timedelta(hours=1), NOW) == pytest.approx(90.91)


def test_a_gap_longer_than_the_sweep_interval_is_not_observed_time(host) -> None:  # type: ignore[no-untyped-def]
    sample(host, NOW - timedelta(hours=2), True, 1.0)  # the worker then stopped for 2 hours
    sample(host, NOW - timedelta(minutes=5), False)
    # Each sample stands for at most the subnet's interval (5 minutes): 5 up, 5 down.
    assert history.uptime(host, timedelta(hours=24), NOW) == 50.0


def test_the_cap_is_the_subnets_sweep_interval(host) -> None:  # type: ignore[no-untyped-def]
    host.subnet.scan_interval = 60
    host.subnet.save()
    sample(host, NOW - timedelta(minutes=50), True, 1.0)
    sample(host, NOW - timedelta(minutes=10), False)
    assert history.uptime(host, timedelta(hours=24), NOW) == 80.0


def test_roll_ups_keep_seconds_observed_and_up_split_at_the_hour(host) -> None:  # type: ignore[no-untyped-def]
    host.subnet.scan_interval = 30
    host.subnet.save()
    ten = NOW.replace(hour=10, minute=0)
    for minute, up in ((0, True), (20, True), (40, False)):
        sample(host, ten + timedelta(minutes=minute), up, 1.0 if up else None)
    history.rollup_hourly(NOW)
    rows = {r.hour: (r.seconds_observed, r.seconds_up) for r in HostHourly.objects.all()}
    # The down sample at 10:40 stands for 30 minutes: 20 in hour 10, 10 in hour 11.
    assert rows == {ten: (3600.0, 2400.0), ten + timedelta(hours=1): (600.0, 0.0)}


def test_uptime_is_the_same_before_and_after_the_roll_up(host) -> None:  # type: ignore[no-untyped-def]
    import random

    rng = random.Random(8)
    at = NOW - timedelta(hours=30)
    while at < NOW:
        sample(host, at, rng.random() < 0.7, 1.0)
        at += timedelta(minutes=rng.choice([1, 1, 2, 5, 5, 9]))
    window = timedelta(hours=24, minutes=30)  # starts on an hour: nothing half-counted
    before = history.uptime(host, window, NOW)
    history.rollup_hourly(NOW)
    assert HostHourly.objects.count() > 20
    assert history.uptime(host, window, NOW) == pytest.approx(before, abs=0.01)


@pytest.mark.parametrize("window_min", [10, 45, 24 * 60, 24 * 60 + 17])
def test_a_window_starting_mid_hour_counts_only_its_part_of_that_hour(host, window_min) -> None:  # type: ignore[no-untyped-def]
    now = NOW.replace(minute=2)  # 12:02: the window starts inside a rolled-up hour
    at = now - timedelta(hours=30)
    while at < now:
        sample(host, at, at >= now - timedelta(minutes=13), 1.0)  # up for the last 13 minutes
        at += timedelta(minutes=1)
    window = timedelta(minutes=window_min)
    before = history.uptime(host, window, now)
    history.rollup_hourly(now)
    assert history.uptime(host, window, now) == pytest.approx(before, abs=0.01)
    expected = 100.0 * min(13, window_min) / window_min
    assert history.uptime(host, window, now) == pytest.approx(expected, abs=0.01)


def test_a_partial_first_hour_is_counted_pro_rata_once_its_samples_are_pruned(host) -> None:  # type: ignore[no-untyped-def]
    at = NOW - timedelta(days=3)
    while at < NOW:
        sample(host, at, at.hour % 2 == 0, 1.0)  # up on even hours
        at += timedelta(minutes=5)
    history.prune(NOW)
    # 12:30 three days ago is pruned: its even hour counts for its last 30 minutes only.
    window = timedelta(days=2, hours=12)
    start = NOW - window
    assert start < NOW - history.RAW_WINDOW
    minutes = int(window.total_seconds() // 60)
    moments = (start + timedelta(minutes=m) for m in range(0, minutes, 5))
    up_minutes = sum(5 for at in moments if at.hour % 2 == 0)
    expected = 100.0 * up_minutes / minutes
    assert history.uptime(host, window, NOW) == pytest.approx(expected, abs=0.05)
