"""Run the service checks: one cycle, or cycles for a while (what the periodic job does)."""

from __future__ import annotations

from typing import TypedDict, Unpack

from django.core.management.base import BaseCommand, CommandParser

from inventory import checks


class Options(TypedDict):
    seconds: float
    concurrency: int


class Command(BaseCommand):
    help = "Run due service checks once (default) or keep running them for --seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=0, help="Keep cycling this long.")
        parser.add_argument("--concurrency", type=int, default=checks.CONCURRENCY)

    def handle(self, *args: str, **options: Unpack[Options]) -> None:
        if options["seconds"]:
            total = checks.loop(options["seconds"])
            self.stdout.write(f"{total} check(s) run.")
            return
        report = checks.run_cycle(concurrency=options["concurrency"])
        self.stdout.write(
            f"{report.checked} check(s) run, {report.changed} changed status, "
            f"{report.seconds:.2f} s."
        )
