"""Service checks: run the due ones in one async cycle and record what changed.

`run_cycle()` reads every due check, runs them all through the engine in
`inventory/http_check.py` on one event loop, then writes the results in a few
bulk statements: the checks' current state, hourly buckets for uptime %, a
change row and an event per status change, and the devices' Unavailable flag.
History is bounded: change rows plus one bucket per check and hour.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from inventory import http_check
from inventory.models import CheckChange, CheckHour, CheckStatus, Device, ServiceCheck
from netkeep import events
from netkeep.models import EventKind

CONCURRENCY = 200
JITTER = 0.1  # each next run moves by up to ±10 % of the interval, so checks spread out
KEEP_HOURS = timedelta(days=90)
EVENT_KINDS: dict[str, str] = {
    CheckStatus.UP: EventKind.SERVICE_UP,
    CheckStatus.DOWN: EventKind.SERVICE_DOWN,
    CheckStatus.DEGRADED: EventKind.SERVICE_DEGRADED,
}


@dataclass
class CycleReport:
    """What one cycle did."""

    checked: int = 0
    changed: int = 0
    seconds: float = 0.0


def spec(check: ServiceCheck) -> http_check.Spec:
    return http_check.Spec(
        id=check.pk,
        kind=check.kind,
        url=check.url,
        target=check.target,
        expected_status=check.expected_status,
        expected_text=check.expected_text,
        verify_tls=check.verify_tls,
        timeout_s=check.timeout_s,
        degraded_ms=float(check.degraded_ms),
        cert_warn_days=check.cert_warn_days,
    )


def next_due(now: datetime, interval_s: int) -> datetime:
    return now + timedelta(seconds=interval_s * (1 + random.uniform(-JITTER, JITTER)))


LEASE = timedelta(minutes=2)


def claim_due(now: datetime) -> list[ServiceCheck]:
    """The due checks this worker may run: moving next_due forward is the claim, so two
    overlapping cycles (or workers) never run the same check twice."""
    ids = list(ServiceCheck.objects.due(now).values_list("pk", flat=True)[:5000])
    if not ids:
        return []
    lease = now + LEASE
    ServiceCheck.objects.filter(pk__in=ids, next_due__lte=now).update(next_due=lease)
    return list(ServiceCheck.objects.filter(pk__in=ids, next_due=lease))


def scheduled() -> int:
    """The periodic job: a minute of cycles, running each check as it comes due."""
    return loop(55)


def run_cycle(
    now: datetime | None = None, concurrency: int = CONCURRENCY, only: Iterable[int] | None = None
) -> CycleReport:
    """Run every due check once (or just `only`) and record the results."""
    started = time.monotonic()
    now = now or timezone.now()
    checks = ServiceCheck.objects.filter(pk__in=list(only)) if only is not None else claim_due(now)
    by_id = {c.pk: c for c in checks}
    if not by_id:
        return CycleReport()
    outcomes = http_check.run([spec(c) for c in by_id.values()], concurrency)
    changed = record(by_id, outcomes, timezone.now())
    return CycleReport(len(outcomes), changed, time.monotonic() - started)


def record(
    by_id: dict[int, ServiceCheck], outcomes: list[http_check.Outcome], now: datetime
) -> int:
    """Write a cycle's outcomes in bulk; returns how many checks changed status."""
    changes: list[CheckChange] = []
    for outcome in outcomes:
        check = by_id[outcome.id]
        if outcome.status != check.status:
            changes.append(
                CheckChange(
                    service_check=check, at=now, status=outcome.status, message=outcome.message
                )
            )
            check.last_change = now
        check.status = outcome.status
        check.latency_ms = outcome.latency_ms
        check.message = outcome.message[:300]
        check.cert_expires = outcome.cert_expires
        check.last_checked = now
        check.next_due = next_due(now, check.interval_s)
    with transaction.atomic():
        ServiceCheck.objects.bulk_update(
            list(by_id.values()),
            [*ServiceCheck.RESULT_FIELDS, "next_due"],
            batch_size=500,
        )
        _buckets(outcomes, now)
        CheckChange.objects.bulk_create(changes, batch_size=500)
        events.record_many(
            (
                (
                    EVENT_KINDS[c.status],
                    c.service_check,
                    {"message": c.message, "check": c.service_check.where},
                )
                for c in changes
                if c.status in EVENT_KINDS
            ),
            at=now,
        )
        refresh_unavailable({c.device_id for c in by_id.values() if c.device_id})
    return len(changes)


def _buckets(outcomes: list[http_check.Outcome], now: datetime) -> None:
    hour = now.replace(minute=0, second=0, microsecond=0)
    ids = [o.id for o in outcomes]
    existing = {
        b.service_check_id: b for b in CheckHour.objects.filter(service_check_id__in=ids, hour=hour)
    }
    new: list[CheckHour] = []
    for outcome in outcomes:
        bucket = existing.get(outcome.id)
        if bucket is None:
            bucket = CheckHour(service_check_id=outcome.id, hour=hour)
            new.append(bucket)
        bucket.samples += 1
        if outcome.status != CheckStatus.DOWN:
            bucket.up += 1
        bucket.latency_sum_ms += outcome.latency_ms or 0
    CheckHour.objects.bulk_update(
        list(existing.values()), ["samples", "up", "latency_sum_ms"], batch_size=500
    )
    CheckHour.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)


def refresh_unavailable(device_ids: set[int]) -> None:
    """A device with a failing (down) check is Unavailable, with the first failure as reason."""
    if not device_ids:
        return
    down = (
        ServiceCheck.objects.filter(device_id__in=device_ids, enabled=True, status=CheckStatus.DOWN)
        .order_by("device_id", "name")
        .values_list("device_id", "name", "message")
    )
    reasons: dict[int, str] = {}
    for device_id, name, message in down:
        reasons.setdefault(device_id, f"{name} is down: {message}"[:300])
    for device in Device.objects.filter(pk__in=device_ids).only("pk", "unavailable_reason"):
        reason = reasons.get(device.pk, "")
        if device.unavailable_reason != reason:
            Device.objects.filter(pk=device.pk).update(unavailable_reason=reason)


def uptime(check: ServiceCheck, days: int, now: datetime | None = None) -> float | None:
    """Percentage of samples not down in the last `days` days, or None without samples."""
    since = (now or timezone.now()) - timedelta(days=days)
    totals = check.hours.filter(hour__gte=since).aggregate(n=Sum("samples"), up=Sum("up"))
    if not totals["n"]:
        return None
    return round(100.0 * totals["up"] / totals["n"], 2)


def snapshot() -> list[dict[str, object]]:
    """Every check's live state in one query (the status API)."""
    rows = ServiceCheck.objects.select_related("device").order_by("name", "id")
    return [
        {
            "id": c.pk,
            "name": c.name,
            "kind": c.kind,
            "where": c.where,
            "device": c.device_id,
            "status": c.status,
            "latency_ms": c.latency_ms,
            "message": c.message,
            "last_checked": c.last_checked,
            "last_change": c.last_change,
        }
        for c in rows
    ]


def prune(now: datetime | None = None) -> int:
    """Forget hourly buckets and changes older than KEEP_HOURS (bounded history)."""
    horizon = (now or timezone.now()) - KEEP_HOURS
    hours, _ = CheckHour.objects.filter(hour__lt=horizon).delete()
    changes, _ = CheckChange.objects.filter(at__lt=horizon).delete()
    return hours + changes


def loop(seconds: float, tick: float = 1.0) -> int:
    """Run cycles for `seconds`, waking every `tick` for checks that came due; returns the count."""
    deadline = time.monotonic() + seconds
    total = 0
    while time.monotonic() < deadline:
        total += run_cycle().checked
        time.sleep(max(0.0, min(tick, deadline - time.monotonic())))
    return total
