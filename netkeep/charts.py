"""Chart math for status pages: a latency sparkline and an hourly up/down bar.

Plain values in, dataclasses out, no ORM: the discovery host drawer uses it
today, and service checks or backup dashboards can feed it their own samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypedDict

SPARK_W, SPARK_H, SPARK_POINTS = 240, 40, 120


class Point(TypedDict):
    """One sample: when, whether it answered, and its round-trip time (None when down)."""

    at: datetime
    up: bool
    rtt_ms: float | None


@dataclass
class Sparkline:
    """An SVG polyline ("x,y x,y ...") with the x positions of down buckets and the range."""

    polyline: str
    downs: list[float] = field(default_factory=list)
    max: float | None = None
    min: float | None = None
    last: float | None = None
    width: int = SPARK_W
    height: int = SPARK_H


@dataclass
class HourCell:
    """One hour of the bar: how many samples, how many up, and the state to colour."""

    hour: datetime
    n: int = 0
    up: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.up / self.n) if self.n else None

    @property
    def state(self) -> str:
        if not self.n:
            return "none"
        return "up" if self.up == self.n else "down" if self.up == 0 else "mixed"


def _bucket_means(points: Sequence[Point], buckets: int) -> list[float | None]:
    size = max(1, -(-len(points) // buckets))
    means: list[float | None] = []
    for start in range(0, len(points), size):
        rtts = [p["rtt_ms"] for p in points[start : start + size] if p["rtt_ms"] is not None]
        means.append(sum(rtts) / len(rtts) if rtts else None)
    return means


def sparkline(
    points: Sequence[Point], width: int = SPARK_W, height: int = SPARK_H
) -> Sparkline | None:
    """Round-trip times averaged into at most SPARK_POINTS buckets; None without points."""
    if not points:
        return None
    values = _bucket_means(points, SPARK_POINTS)
    known = [v for v in values if v is not None]
    if not known:
        return Sparkline(polyline="", width=width, height=height)
    top, low = max(known), min(known)
    span = (top - low) or 1.0
    step = width / max(1, len(values) - 1)
    coords, downs = [], []
    for i, value in enumerate(values):
        x = round(i * step, 1)
        if value is None:
            downs.append(x)
            continue
        coords.append(f"{x},{round(height - 2 - (value - low) / span * (height - 4), 1)}")
    if len(coords) == 1:
        # One answer so far: a flat line at its level, since one point draws nothing.
        level = coords[0].split(",")[1]
        coords = [f"0,{level}", f"{width},{level}"]
    return Sparkline(" ".join(coords), downs, top, low, known[-1], width, height)


def hourly_bar(points: Sequence[Point], now: datetime, hours: int = 24) -> list[HourCell]:
    """One cell per hour up to `now`, oldest first, counting the samples that fell in it."""
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    cells = [HourCell(hour=start + timedelta(hours=i)) for i in range(hours)]
    for point in points:
        index = int((point["at"] - start).total_seconds() // 3600)
        if 0 <= index < hours:
            cells[index].n += 1
            cells[index].up += 1 if point["up"] else 0
    return cells
