"""Status history with bounded storage: raw samples for a short window, then hourly roll-ups.

Every sweep and known-hosts check adds one sample per observed host (one bulk
insert). Every hour the complete hours are rolled up into one row per host and
hour; once a day samples older than RAW_WINDOW and roll-ups older than
HOURLY_WINDOW are deleted. Uptime and latency read roll-ups for the hours
already rolled up and raw samples after that, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Avg, Count, Max, Min, Q, Sum
from django.db.models.functions import TruncHour
from django.utils import timezone

from discovery.models import HostHourly, HostSample
from ipam.models import Host
from netkeep.charts import Point

RAW_WINDOW = timedelta(hours=48)
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
    grouped = (
        HostSample.objects.filter(at__gte=since, at__lt=current)
        .annotate(bucket=TruncHour("at"))
        .values("host_id", "bucket")
        .annotate(
            n=Count("id"),
            n_up=Count("id", filter=Q(up=True)),
            avg=Avg("rtt_ms"),
            low=Min("rtt_ms"),
            high=Max("rtt_ms"),
        )
        .order_by()
    )
    rows = [
        HostHourly(
            host_id=g["host_id"],
            hour=g["bucket"],
            samples=g["n"],
            up_samples=g["n_up"],
            rtt_avg=round(g["avg"], 3) if g["avg"] is not None else None,
            rtt_min=g["low"],
            rtt_max=g["high"],
        )
        for g in grouped
    ]
    with transaction.atomic():
        HostHourly.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["host", "hour"],
            update_fields=["samples", "up_samples", "rtt_avg", "rtt_min", "rtt_max"],
        )
    return len(rows)


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
    """Percent of samples in which the host answered during `window`; None without samples."""
    host_id = host if isinstance(host, int) else host.pk
    now = now or timezone.now()
    start = now - window
    mark = watermark() or start
    mark = max(mark, start)
    rolled = HostHourly.objects.filter(host_id=host_id, hour__gte=_hour(start), hour__lt=mark)
    totals = rolled.aggregate(n=Sum("samples"), up=Sum("up_samples"))
    raw = HostSample.objects.filter(host_id=host_id, at__gte=mark, at__lte=now).aggregate(
        n=Count("id"), up=Count("id", filter=Q(up=True))
    )
    samples = (totals["n"] or 0) + raw["n"]
    up = (totals["up"] or 0) + raw["up"]
    if not samples:
        return None
    return round(100.0 * up / samples, 2)


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
