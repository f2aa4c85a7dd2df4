"""Backup statistics for the dashboard and the API: totals, success rate, trend, health, storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypedDict

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Length, TruncDate
from django.utils import timezone

from backups.models import ConfigVersion
from inventory.models import Device
from netkeep.jobs import Run, RunStatus

KIND = "backup"
TREND_DAYS = 30


class DeviceStorage(TypedDict):
    """One device's version storage, for the dashboard and the API."""

    device: int
    name: str
    stored_bytes: int
    text_bytes: int
    versions: int


@dataclass
class Day:
    """One day of the trend: backups that succeeded and failed, and bar heights in pixels."""

    day: date
    ok: int
    failed: int
    ok_h: float = 0.0
    failed_h: float = 0.0
    x: int = 0
    ok_y: float = 0.0
    failed_y: float = 0.0


@dataclass
class Dashboard:
    devices: int
    active: int
    runs_24h: int
    ok_24h: int
    failed_24h: int
    changes_24h: int
    health: dict[str, int]
    trend: list[Day] = field(default_factory=list)
    storage: list[DeviceStorage] = field(default_factory=list)

    @property
    def success_rate(self) -> float | None:
        done = self.ok_24h + self.failed_24h
        return round(100.0 * self.ok_24h / done, 1) if done else None

    def as_dict(self) -> dict[str, object]:
        return {
            "devices": self.devices,
            "active": self.active,
            "last_24h": {
                "runs": self.runs_24h,
                "succeeded": self.ok_24h,
                "failed": self.failed_24h,
                "changes": self.changes_24h,
                "success_rate": self.success_rate,
            },
            "health": self.health,
            "trend": [
                {"day": d.day.isoformat(), "ok": d.ok, "failed": d.failed} for d in self.trend
            ],
            "storage": self.storage,
        }


def eligible() -> QuerySet[Device]:
    """Devices that can be backed up: a platform and a management address."""
    return Device.objects.exclude(platform="").exclude(management_host=None)


def health_of(last_ok: datetime | None, now: datetime) -> str:
    """healthy (≤ 24 h since the last good backup), warning (≤ 72 h) or critical."""
    if last_ok is None:
        return "critical"
    age = now - last_ok
    if age <= timedelta(hours=24):
        return "healthy"
    return "warning" if age <= timedelta(hours=72) else "critical"


def fleet(devices: QuerySet[Device]) -> QuerySet[Device]:
    """Devices with their last backup run's status and time, versions and last good check."""
    last_run = Run.objects.filter(kind=KIND, target=OuterRef("name")).order_by("-created")
    return devices.annotate(
        backup_status=Subquery(last_run.values("status")[:1]),
        backup_at=Subquery(last_run.values("created")[:1]),
        backup_error=Subquery(last_run.values("error_message")[:1]),
        versions=Count("config_versions", distinct=True),
        last_ok=Max("config_versions__last_checked"),
    )


def failures_first(devices: QuerySet[Device]) -> QuerySet[Device]:
    failed = Q(backup_status__in=[RunStatus.FAILED, RunStatus.PARTIAL])
    from django.db.models import Case, IntegerField, Value, When

    rank = Case(When(failed, then=Value(0)), default=Value(1), output_field=IntegerField())
    return devices.annotate(failed_rank=rank).order_by("failed_rank", "name")


def dashboard(now: datetime | None = None, top: int = 10) -> Dashboard:
    now = now or timezone.now()
    since = now - timedelta(hours=24)
    runs = Run.objects.filter(kind=KIND)
    recent = runs.filter(created__gte=since).aggregate(
        total=Count("id"),
        ok=Count("id", filter=Q(status=RunStatus.SUCCEEDED)),
        failed=Count("id", filter=Q(status__in=[RunStatus.FAILED, RunStatus.PARTIAL])),
    )
    changes = ConfigVersion.objects.filter(first_seen__gte=since, seq__gt=1).count()
    devices = eligible()
    last_ok = dict(
        ConfigVersion.objects.filter(device__in=devices)
        .values_list("device")
        .annotate(m=Max("last_checked"))
        .values_list("device", "m")
    )
    health = {"healthy": 0, "warning": 0, "critical": 0}
    for device_id in devices.values_list("pk", flat=True):
        health[health_of(last_ok.get(device_id), now)] += 1
    return Dashboard(
        devices=Device.objects.count(),
        active=devices.count(),
        runs_24h=recent["total"],
        ok_24h=recent["ok"],
        failed_24h=recent["failed"],
        changes_24h=changes,
        health=health,
        trend=trend(now),
        storage=storage(top),
    )


def trend(now: datetime, days: int = TREND_DAYS, height: float = 40.0) -> list[Day]:
    start = (now - timedelta(days=days - 1)).date()
    rows = (
        Run.objects.filter(kind=KIND, created__date__gte=start)
        .annotate(day=TruncDate("created"))
        .values("day")
        .annotate(
            ok=Count("id", filter=Q(status=RunStatus.SUCCEEDED)),
            failed=Count("id", filter=Q(status__in=[RunStatus.FAILED, RunStatus.PARTIAL])),
        )
    )
    by_day: dict[date, tuple[int, int]] = {row["day"]: (row["ok"], row["failed"]) for row in rows}
    result = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        result.append(Day(day, *by_day.get(day, (0, 0))))
    peak = max((d.ok + d.failed for d in result), default=0) or 1
    for index, d in enumerate(result):
        d.ok_h = round(height * d.ok / peak, 1)
        d.failed_h = round(height * d.failed / peak, 1)
        d.x = index * 10
        d.ok_y = round(height + 2 - d.ok_h, 1)
        d.failed_y = round(d.ok_y - d.failed_h, 1)
    return result


def storage(top: int = 10) -> list[DeviceStorage]:
    """Devices using the most version storage (encoded line lists; shared lines not counted)."""
    rows = (
        ConfigVersion.objects.exclude(device=None)
        .values("device", "device_name")
        .annotate(stored=Sum(Length("lines")), text=Sum("size"), versions=Count("id"))
        .order_by("-stored")[:top]
    )
    return [
        DeviceStorage(
            device=r["device"],
            name=r["device_name"],
            stored_bytes=int(r["stored"] or 0),
            text_bytes=int(r["text"] or 0),
            versions=r["versions"],
        )
        for r in rows
    ]
