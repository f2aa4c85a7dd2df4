"""manage.py backup run|diff|search: config backups from the command line."""

from __future__ import annotations

import sys
from typing import TypedDict

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import audit
from backups import fetch, search, stats
from backups.models import ConfigVersion
from backups.versions import compare
from inventory.models import Device
from netkeep import jobs


class RunOptions(TypedDict):
    device: list[str] | None
    tag: str | None
    all: bool


class DiffOptions(TypedDict):
    device: str
    old: int | None
    new: int | None


class SearchOptions(TypedDict):
    query: str
    regex: bool
    current: bool
    limit: int


class Command(BaseCommand):
    help = "Back up devices now, compare two versions, or search configurations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Back up devices in this process, with progress.")
        which = run.add_mutually_exclusive_group(required=True)
        which.add_argument("--device", action="append", help="A device name (repeatable).")
        which.add_argument("--tag", help="Every device with this tag.")
        which.add_argument("--all", action="store_true", help="Every device that can be backed up.")
        diff = sub.add_parser("diff", help="Compare two versions (unified diff).")
        diff.add_argument("device", help="Device name.")
        diff.add_argument(
            "old", nargs="?", type=int, help="Older version number (default: previous)."
        )
        diff.add_argument(
            "new", nargs="?", type=int, help="Newer version number (default: latest)."
        )
        find = sub.add_parser("search", help="Search current and past configurations.")
        find.add_argument("query")
        find.add_argument("--regex", action="store_true")
        find.add_argument("--current", action="store_true", help="Current configs only.")
        find.add_argument("--limit", type=int, default=50)

    def handle(self, *args: str, **options: object) -> None:
        # The sub-command's parser gave the options of one of the TypedDicts above.
        with audit.context("command"):
            getattr(self, f"_{options['action']}")(options)

    def _devices(self, options: RunOptions) -> list[Device]:
        if options["device"]:
            found = {d.name: d for d in Device.objects.filter(name__in=options["device"])}
            missing = [n for n in options["device"] if n not in found]
            if missing:
                raise CommandError(f"No device named {', '.join(missing)}.")
            return [found[n] for n in options["device"]]
        devices = stats.eligible()
        if options["tag"]:
            devices = devices.filter(tags__name=options["tag"])
        return list(devices.distinct().order_by("name"))

    def _run(self, options: RunOptions) -> None:
        devices = self._devices(options)
        if not devices:
            raise CommandError(
                "No device to back up: give devices a platform and a management address."
            )
        failed = 0
        for index, device in enumerate(devices, start=1):
            prefix = f"[{index}/{len(devices)}] {device.name}:"
            why = fetch.refusal(device)
            if why:
                self.stdout.write(f"{prefix} refused: {why}")
                failed += 1
                continue
            run = jobs.enqueue(fetch.KIND, target=device.name, queue=False, device=device.pk)
            if run.status != jobs.RunStatus.QUEUED:
                self.stdout.write(f"{prefix} already running (run {run.pk})")
                continue
            jobs.execute(run.pk)
            run.refresh_from_db()
            if run.status == jobs.RunStatus.SUCCEEDED:
                c = run.counts
                what = (
                    "changed"
                    if c.get("changed")
                    else ("first version" if c.get("first") else "unchanged")
                )
                self.stdout.write(f"{prefix} {what}, v{c.get('version')}, {c.get('lines')} lines")
            else:
                failed += 1
                self.stdout.write(f"{prefix} FAILED ({run.error_class}): {run.error_message}")
        if failed:
            self.stderr.write(f"{failed} of {len(devices)} backups failed.")
            sys.exit(1)

    def _diff(self, options: DiffOptions) -> None:
        versions = ConfigVersion.objects.filter(device__name=options["device"]).order_by("-seq")
        if not versions.exists():
            raise CommandError(f"No stored configuration for {options['device']!r}.")
        new = versions.filter(seq=options["new"]).first() if options["new"] else versions.first()
        if new is None:
            raise CommandError(f"{options['device']} has no version {options['new']}.")
        older = versions.filter(seq__lt=new.seq)
        old = older.filter(seq=options["old"]).first() if options["old"] else older.first()
        if old is None:
            raise CommandError("Nothing to compare with: name an older version number.")
        result = compare(old, new)
        self.stdout.write(result.unified(str(old), str(new)) or "No difference.\n", ending="")
        self.stderr.write(f"+{result.added} -{result.removed}, similarity {result.similarity:.3f}")

    def _search(self, options: SearchOptions) -> None:
        try:
            results = search.search(
                options["query"],
                regex=options["regex"],
                current_only=options["current"],
                limit=options["limit"],
            )
        except search.SearchError as refusal:
            raise CommandError(str(refusal)) from None
        for hit in results.hits:
            spans = ", ".join(
                f"v{r.first_seq}" + (f"-v{r.last_seq}" if r.last_seq != r.first_seq else "")
                for r in hit.ranges
            )
            self.stdout.write(
                f"{hit.device_name} ({'current' if hit.current else 'history'}: {spans})"
            )
            for excerpt in hit.excerpts:
                for number, text, match in excerpt.lines:
                    self.stdout.write(f"  {number:>6}{'>' if match else ' '} {text}")
        self.stderr.write(
            f"{results.devices} devices, {results.lines} lines, {results.elapsed_ms:.0f} ms"
        )
