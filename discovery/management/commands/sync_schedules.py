"""Register the periodic jobs every app declares (`<app>.tasks.wanted_schedules()`).

Idempotent and safe at every start: unchanged schedules keep their next run,
new or changed ones get a random first run within their jitter, and schedules
an app no longer wants are removed.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from discovery.tasks import sync_schedules


class Command(BaseCommand):
    help = "Create, update and remove django-q2 schedules to match what the apps declare."

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as error:
                if error.name != f"{config.name}.tasks":
                    raise
                continue
            wanted = getattr(module, "wanted_schedules", None)
            if wanted is None:
                continue
            result = sync_schedules(wanted(), f"{config.label}:")
            self.stdout.write(
                f"{config.label}: {result['created']} created, {result['updated']} updated, "
                f"{result['kept']} unchanged, {result['deleted']} removed"
            )
