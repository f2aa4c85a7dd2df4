"""Status history with bounded storage: raw samples for a short window, then hourly roll-ups.

Every sweep and known-hosts check adds one sample per observed host (one bulk
insert). Every hour the complete hours are rolled up into one row per host and
hour; once a day samples older than RAW_WINDOW and roll-ups older than
HOURLY_WINDOW are deleted. Uptime and latency read roll-ups for the hours
already rolled up and raw samples after that, so nothing is counted twice.

Uptime is a share of time, not of samples: a sample stands for the time from it
until the host's next sample, at most the host's sweep interval (a gap longer
than that — a stopped worker — is not observed time), and the latest one until
now. Five minutes up then one down sample is 100 % at the moment of that
sample and falls as the host stays down. Roll-ups keep seconds observed and
seconds up per hour (a sample's time split at hour boundaries).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from discovery.models import HostHourly, HostSample
from ipam.models import Host, Subnet
from netkeep.charts import Point

RAW_WINDOW = timedelta(hours=48)
# A sample of a host whose subnet has no interval stands for at most this long.
DEFAULT_INTERVAL_MIN = 5
HOURLY_WINDOW = timedelta(days=35)
WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def record_samples(
    observations: Iterable[tuple[int, bool, float | None]], at: datetime | None = None
) -> int:
    """Store one sample per (host id, up, rtt_ms) in one batched insert; returns how many."""
    when = at or timezone.now()
    rows = [
        HostSample(host_id=host_id, at=when, up=up, rtt_ms=rtt if up else None)
        for host_id, up, rtt in observations
    ]
    HostSample.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def watermark() -> datetime | None:
    """The start of the first hour not rolled up yet (None before the first roll-up)."""
    last = HostHourly.objects.aggregate(last=Max("hour"))["last"]
    return last + timedelta(hours=1) if last is not None else None


def _interval(minutes: int | None) -> timedelta:
    """The longest time one sample stands for: the sweep interval of the host's subnet."""
    return timedelta(minutes=minutes or DEFAULT_INTERVAL_MIN)


def _longest_interval() -> timedelta:
    longest = Subnet.objects.aggregate(m=Max("scan_interval"))["m"]
    return _interval(max(longest or 0, DEFAULT_INTERVAL_MIN))


def _spans(
    rows: Iterable[tuple[Any, ...]], start: datetime, stop: datetime
) -> Iterator[tuple[tuple[Any, ...], datetime, datetime]]:
    """Each sample row with the time it stands for inside [start, stop).

    `rows` are (host_id, at, ..., interval_minutes) ordered by host and time. A
    sample stands until the host's next sample, at most its interval, and never
    past `stop`; the span may be empty (begin == end).
    """
    previous: tuple[Any, ...] | None = None
    for row in rows:
        if previous is not None:
            following = row[1] if row[0] == previous[0] else None
            yield previous, *_clip(previous, following, start, stop)
        previous = row
    if previous is not None:
        yield previous, *_clip(previous, None, start, stop)


def _clip(
    row: tuple[Any, ...], following: datetime | None, start: datetime, stop: datetime
) -> tuple[datetime, datetime]:
    at = row[1]
    end = min(at + _interval(row[-1]), stop)
    if following is not None:
        end = min(end, following)
    begin = max(at, start)
    return begin, max(begin, end)


@dataclass
class _Bucket:
    """One host's hour being rolled up: samples taken in it, and the time they stand for."""

    n: int = 0
    up: int = 0
    rtts: list[float] = field(default_factory=list)
    observed: float = 0.0
    seconds_up: float = 0.0


def rollup_hourly(now: datetime | None = None) -> int:
    """Roll up every complete hour not rolled up yet; returns how many rows were written.

    Idempotent: rows are upserted on (host, hour), so running it twice, or from
    two workers at once, gives the same table.
    """
    now = now or timezone.now()
    current = _hour(now)
    since = watermark()
    if since is None:
        first = HostSample.objects.aggregate(first=Min("at"))["first"]
        if first is None:
            return 0
        since = _hour(first)
    # Older samples would be pruned with the roll-ups anyway.
    since = max(since, _hour(now - HOURLY_WINDOW))
    if since >= current:
        return 0
    # Samples a little before `since` stand for time after it.
    rows = (
        HostSample.objects.filter(at__gte=since - _longest_interval(), at__lt=current)
        .order_by("host_id", "at")
        .values_list("host_id", "at", "up", "rtt_ms", "host__subnet__scan_interval")
    )
    buckets: dict[tuple[int, datetime], _Bucket] = {}

    def bucket(host_id: int, hour: datetime) -> _Bucket:
        key = (host_id, hour)
        if key not in buckets:
            buckets[key] = _Bucket()
        return buckets[key]

    for (host_id, at, up, rtt, _), begin, end in _spans(rows.iterator(), since, current):
        if at >= since:
            counted = bucket(host_id, _hour(at))
            counted.n += 1
            counted.up += 1 if up else 0
            if rtt is not None:
                counted.rtts.append(rtt)
        while begin < end:
            hour = _hour(begin)
            until = min(end, hour + timedelta(hours=1))
            seconds = (until - begin).total_seconds()
            part = bucket(host_id, hour)
            part.observed += seconds
            part.seconds_up += seconds if up else 0.0
            begin = until
    rows_out = [
        HostHourly(
            host_id=host_id,
            hour=hour,
            seconds_observed=round(b.observed, 3),
            seconds_up=round(b.seconds_up, 3),
            samples=b.n,
            up_samples=b.up,
            rtt_avg=round(sum(b.rtts) / len(b.rtts), 3) if b.rtts else None,
            rtt_min=min(b.rtts) if b.rtts else None,
            rtt_max=max(b.rtts) if b.rtts else None,
        )
        for (host_id, hour), b in buckets.items()
    ]
    with transaction.atomic():
        HostHourly.objects.bulk_create(
            rows_out,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["host", "hour"],
            update_fields=HostHourly.FIGURES,
        )
    return len(rows_out)


def prune(now: datetime | None = None) -> dict[str, int]:
    """Roll up what is due, then delete samples and roll-ups past their windows."""
    now = now or timezone.now()
    rollup_hourly(now)
    mark = watermark()
    # Never delete a sample that is not rolled up yet.
    raw_horizon = now - RAW_WINDOW
    raw_horizon = min(raw_horizon, mark) if mark is not None else raw_horizon
    samples, _ = HostSample.objects.filter(at__lt=raw_horizon).delete()
    hourly, _ = HostHourly.objects.filter(hour__lt=now - HOURLY_WINDOW).delete()
    return {"samples": samples, "hourly": hourly}


def uptime(host: Host | int, window: timedelta, now: datetime | None = None) -> float | None:
    """Percent of the observed time in `window` during which the host answered; None without
    samples. Each sample stands for the time until the next (at most the sweep interval).

    Whole rolled-up hours come from HostHourly, the rest from raw samples: the time
    after the roll-up watermark and the partial hour the window starts in (that
    hour's roll-up is counted pro rata only when its raw samples are pruned).
    """
    host_id = host if isinstance(host, int) else host.pk
    now = now or timezone.now()
    start = now - window
    mark = max(watermark() or start, start)
    # The window's first whole hour; before it, a partial hour that a roll-up would overcount.
    whole_from = min(_hour(start) + timedelta(hours=1) if _hour(start) < start else start, mark)
    rolled = HostHourly.objects.filter(host_id=host_id, hour__gte=whole_from, hour__lt=mark)
    totals = rolled.aggregate(observed=Sum("seconds_observed"), up=Sum("seconds_up"))
    observed = float(totals["observed"] or 0.0)
    up = float(totals["up"] or 0.0)
    minutes = Host.objects.filter(pk=host_id).values_list("subnet__scan_interval", flat=True)
    interval_min = minutes.first()
    head_from = start
    if start < whole_from and start < now - RAW_WINDOW:
        # Raw samples of the partial first hour are pruned: its roll-up, pro rata.
        share = (whole_from - start) / timedelta(hours=1)
        first = HostHourly.objects.filter(host_id=host_id, hour=_hour(start)).first()
        if first is not None:
            observed += first.seconds_observed * share
            up += first.seconds_up * share
        head_from = whole_from
    # The sample just before a boundary stands for time after it, up to its interval.
    samples = HostSample.objects.filter(
        host_id=host_id, at__gte=head_from - _interval(interval_min), at__lte=now
    ).order_by("at")
    raw = [(host_id, at, is_up, interval_min) for at, is_up in samples.values_list("at", "up")]
    parts = [(head_from, whole_from), (mark, now)] if head_from < whole_from else [(mark, now)]
    for begin_at, end_at in parts:
        for (_, _, is_up, _), begin, end in _spans(raw, begin_at, end_at):
            seconds = (end - begin).total_seconds()
            observed += seconds
            up += seconds if is_up else 0.0
    if observed <= 0:
        # Only a sample taken this instant: its state is all there is to say.
        latest = [row for row in raw if row[1] >= mark]
        if not latest:
            return None
        return 100.0 if latest[-1][2] else 0.0
    return round(100.0 * up / observed, 2)


def uptimes(host: Host | int, now: datetime | None = None) -> dict[str, float | None]:
    """Uptime % over 24 h, 7 d and 30 d."""
    return {name: uptime(host, window, now) for name, window in WINDOWS.items()}


def latency_series(
    host: Host | int, span: timedelta = timedelta(hours=24), now: datetime | None = None
) -> list[Point]:
    """Points for a sparkline, oldest first: raw samples within RAW_WINDOW, hourly beyond.

    Each point is {"at", "up", "rtt_ms"}; a down sample has rtt_ms None, and an
    hourly point is "up" when the host answered in at least one of its samples.
    """
    host_id = host if isinstance(host, int) else host.pk
    now = now or timezone.now()
    start = now - span
    if span <= RAW_WINDOW:
        return [
            Point(at=s["at"], up=s["up"], rtt_ms=s["rtt_ms"])
            for s in HostSample.objects.filter(host_id=host_id, at__gte=start, at__lte=now)
            .order_by("at")
            .values("at", "up", "rtt_ms")
        ]
    return [
        Point(at=h["hour"], up=h["up_samples"] > 0, rtt_ms=h["rtt_avg"])
        for h in HostHourly.objects.filter(host_id=host_id, hour__gte=_hour(start))
        .order_by("hour")
        .values("hour", "up_samples", "rtt_avg")
    ]


def recent_points(host_ids: Iterable[int], now: datetime | None = None) -> dict[int, list[Point]]:
    """The last 24 h of raw samples of several hosts, oldest first, in one query.

    For small sets of hosts shown together (the dashboard's rows); the host
    drawer draws one host with `latency_series`.
    """
    now = now or timezone.now()
    points: dict[int, list[Point]] = {pk: [] for pk in host_ids}
    rows = (
        HostSample.objects.filter(host_id__in=list(points), at__gte=now - timedelta(hours=24))
        .filter(at__lte=now)
        .order_by("host_id", "at")
        .values_list("host_id", "at", "up", "rtt_ms")
    )
    for host_id, at, up, rtt_ms in rows:
        points[host_id].append(Point(at=at, up=up, rtt_ms=rtt_ms))
    return points
