"""Generated status history for demo hosts, so the demo shows uptime bars and sparklines.

Nothing is scanned: samples are made up from each host's current status and
latency, then rolled up the way the hourly job does it.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from discovery import history
from discovery.models import HostHourly, HostSample
from ipam.models import Host, HostStatus

SAMPLE_EVERY = timedelta(minutes=15)


class Command(BaseCommand):
    help = (
        "Generate status history (raw samples for the last 48 h, hourly roll-ups for the "
        "7 days before) for demo hosts that have a status. Generated, never scanned."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--hosts", type=int, default=200, help="at most this many hosts")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any history exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and (HostSample.objects.exists() or HostHourly.objects.exists()):
            self.stdout.write("Status history exists; nothing generated.")
            return
        rng = random.Random(options["seed"])
        now = timezone.now().replace(second=0, microsecond=0)
        raw_start = now - history.RAW_WINDOW
        hourly_start = raw_start.replace(minute=0) - timedelta(days=7)
        candidates = list(
            Host.objects.filter(status__in=[HostStatus.UP, HostStatus.DOWN]).order_by("pk")
        )
        # Spread over every subnet rather than the first addresses in order.
        hosts = rng.sample(candidates, min(options["hosts"], len(candidates)))
        samples: list[HostSample] = []
        hourly: list[HostHourly] = []
        for host in hosts:
            base = host.latency_ms or rng.uniform(0.5, 30.0)
            flaky = rng.random() < 0.15
            # A host that is down now went down at some point in the last day.
            down_since = now - timedelta(minutes=rng.randint(5, 24 * 60))
            hour = hourly_start
            while hour < raw_start.replace(minute=0):
                up = 12 - (rng.randint(0, 6) if flaky and rng.random() < 0.2 else 0)
                rtts = [max(0.1, rng.gauss(base, base * 0.15)) for _ in range(3)]
                hourly.append(
                    HostHourly(
                        host=host,
                        hour=hour,
                        samples=12,
                        up_samples=up,
                        rtt_avg=sum(rtts) / 3,
                        rtt_min=min(rtts),
                        rtt_max=max(rtts),
                    )
                )
                hour += timedelta(hours=1)
            at = raw_start.replace(minute=0)
            while at <= now:
                is_up = not (host.status == HostStatus.DOWN and at >= down_since) and not (
                    flaky and rng.random() < 0.03
                )
                rtt = max(0.1, rng.gauss(base, base * 0.2)) if is_up else None
                samples.append(HostSample(host=host, at=at, up=is_up, rtt_ms=rtt))
                at += SAMPLE_EVERY
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
