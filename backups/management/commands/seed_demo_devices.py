"""Demo devices with 30 days of generated backups (`make run`); nothing connects."""

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backups import demo
from inventory.models import Device


class Command(BaseCommand):
    help = (
        "Create demo devices on demo hosts that are up, with facts, LLDP links and 30 days "
        "of generated config backups. Generated, never connected to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any device exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Device.objects.exists():
            self.stdout.write("Devices exist already: no demo devices added.")
            return
        made = demo.seed(random.Random(options["seed"]))
        if not made:
            self.stdout.write("Not enough demo hosts that are up: run seed_demo first.")
            return
        self.stdout.write(f"Demo devices: {made}, each with {demo.DAYS} days of generated backups.")
