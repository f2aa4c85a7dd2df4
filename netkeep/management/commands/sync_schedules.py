"""Register the periodic jobs every app declares in its jobs.py (see netkeep.jobs).

Workers do this when they start and whenever scan settings change; the command
is for looking, or for a deployment without workers yet. Idempotent: unchanged
schedules keep their next run, new or changed ones get a random first run
within their jitter, and schedules an app no longer wants are removed.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from netkeep import jobs


class Command(BaseCommand):
    help = "Create, update and remove django-q2 schedules to match what the apps declare."

    def handle(self, *args: str, **options: object) -> None:
        for prefix, result in jobs.sync_all().items():
            self.stdout.write(
                f"{prefix}: {result['created']} created, {result['updated']} updated, "
                f"{result['kept']} unchanged, {result['deleted']} removed"
            )
