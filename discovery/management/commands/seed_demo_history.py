"""Generated status history for demo hosts, so the demo shows uptime bars and sparklines.

Nothing is scanned: samples are made up from each host's current status,
`status_changed_at` and latency, then rolled up the way the hourly job does it.
The history agrees with the host: it ends in the current state (the last sample
is now, with the host's latency), the current state starts at
`status_changed_at` and never wavers after it, and before that the host was in
the other state for a while (earlier still, up with the odd flap). A host
without `status_changed_at` has been in its state for the whole history.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TypedDict, Unpack

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from discovery import history
from discovery.models import HostHourly, HostSample
from ipam.models import Host, HostStatus

HOURLY_DAYS = 7  # roll-ups before the raw window
HOUR_STEPS = 12  # one generated observation every 5 minutes inside an hour


class Timeline:
    """When one demo host was up: its current state since `since`, the other before."""

    def __init__(self, host: Host, rng: random.Random) -> None:
        self.up_now = host.status == HostStatus.UP
        self.since = host.status_changed_at
        self.flaky = rng.random() < 0.15
        self.rng = rng
        # Before the change, the other state held for a while; before that, up.
        span = timedelta(minutes=rng.randint(10, 6 * 60))
        self.other_from = self.since - span if self.since is not None else None

    def up(self, at: datetime) -> bool:
        if self.since is None or at >= self.since:
            return self.up_now
        if self.other_from is not None and at >= self.other_from:
            return not self.up_now
        return not (self.flaky and self.rng.random() < 0.05)


class Options(TypedDict):
    hosts: int
    seed: int
    if_empty: bool


class Command(BaseCommand):
    help = (
        "Generate status history (raw samples for the last 48 h, hourly roll-ups for the "
        "7 days before) for demo hosts that have a status, consistent with each host's "
        "status and status_changed_at. Generated, never scanned."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hosts", type=int, default=200, help="at most this many hosts")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any history exists"
        )

    def handle(self, *args: str, **options: Unpack[Options]) -> None:
        if options["if_empty"] and (HostSample.objects.exists() or HostHourly.objects.exists()):
            self.stdout.write("Status history exists; nothing generated.")
            return
        rng = random.Random(options["seed"])
        now = timezone.now().replace(microsecond=0)
        raw_start = (now - history.RAW_WINDOW).replace(minute=0, second=0)
        hourly_start = raw_start - timedelta(days=HOURLY_DAYS)
        candidates = list(
            Host.objects.filter(status__in=[HostStatus.UP, HostStatus.DOWN])
            .select_related("subnet")
            .order_by("pk")
        )
        # Spread over every subnet rather than the first addresses in order.
        hosts = rng.sample(candidates, min(options["hosts"], len(candidates)))
        samples: list[HostSample] = []
        hourly: list[HostHourly] = []
        for host in hosts:
            timeline = Timeline(host, rng)
            base = host.latency_ms or rng.uniform(0.5, 30.0)

            def rtt(up: bool, base: float = base) -> float | None:
                return round(max(0.1, rng.gauss(base, base * 0.2)), 3) if up else None

            hour = hourly_start
            step = timedelta(hours=1) / HOUR_STEPS
            while hour < raw_start:
                states = [timeline.up(hour + step * i) for i in range(HOUR_STEPS)]
                rtts = [r for r in (rtt(up) for up in states) if r is not None]
                hourly.append(
                    HostHourly(
                        host=host,
                        hour=hour,
                        seconds_observed=3600.0,
                        seconds_up=step.total_seconds() * sum(states),
                        samples=HOUR_STEPS,
                        up_samples=sum(states),
                        rtt_avg=round(sum(rtts) / len(rtts), 3) if rtts else None,
                        rtt_min=min(rtts) if rtts else None,
                        rtt_max=max(rtts) if rtts else None,
                    )
                )
                hour += timedelta(hours=1)
            every = timedelta(minutes=host.subnet.scan_interval or history.DEFAULT_INTERVAL_MIN)
            moments = []
            at = raw_start
            while at < now:
                moments.append(at)
                at += every
            # The change itself is a sample, and the last sample is now.
            if timeline.since is not None and raw_start <= timeline.since < now:
                moments.append(timeline.since)
            for at in sorted(set(moments)):
                up = timeline.up(at)
                samples.append(HostSample(host=host, at=at, up=up, rtt_ms=rtt(up)))
            latest = host.latency_ms if timeline.up_now else None
            samples.append(HostSample(host=host, at=now, up=timeline.up_now, rtt_ms=latest))
        with transaction.atomic():
            HostHourly.objects.bulk_create(hourly, batch_size=2000, ignore_conflicts=True)
            HostSample.objects.bulk_create(samples, batch_size=2000)
        # Roll the raw samples' complete hours up, as the hourly job would.
        rolled = history.rollup_hourly(now)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated history for {len(hosts)} hosts: {len(samples):,} samples, "
                f"{len(hourly) + rolled:,} hourly rows."
            )
        )
