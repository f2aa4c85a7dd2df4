"""Run a discovery scan in the foreground: `scan sweep|known|ports|dns <target>`, `scan status`.

Exit codes: 0 the run succeeded; 1 it failed or was partial (or another run of
the same target is in progress); 2 the input was wrong or the target is out of
scope (the message says why).
"""

from __future__ import annotations

import threading
import time
from typing import TypedDict, Unpack

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from accounts import audit
from discovery import nmap, scans, scope, tasks
from discovery.models import RunKind, ScanRun
from ipam.models import Subnet
from netkeep import jobs
from netkeep.jobs import RunStatus

KINDS = {
    "sweep": RunKind.SWEEP,
    "known": RunKind.KNOWN_HOSTS,
    "ports": RunKind.PORTS,
    "dns": RunKind.DNS,
}


def _refuse(message: str) -> CommandError:
    return CommandError(message, returncode=2)


class Options(TypedDict):
    action: str
    target: str | None
    profile: str


class Command(BaseCommand):
    help = "Sweep, port-scan or resolve a subnet, host or network now, in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=[*KINDS, "status"])
        parser.add_argument(
            "target",
            nargs="?",
            help="A subnet id, a network such as 198.18.0.0/24, or (ports) an address.",
        )
        parser.add_argument("--profile", default="", help="Nmap profile name (ports).")

    def handle(self, *args: str, **options: Unpack[Options]) -> None:
        # Runs whose worker died are failed first, so they neither block nor mislead.
        jobs.reap_stale_runs()
        if options["action"] == "status":
            self.status()
            return
        kind = KINDS[options["action"]]
        target = self.target(kind, options["target"])
        with audit.context("command"):
            try:
                run = scans.enqueue_scan(kind, target, profile=options["profile"], queue=False)
            except (scope.ScopeError, nmap.UnknownProfile, ValueError) as error:
                raise _refuse(str(error)) from None
        if run.status != RunStatus.QUEUED or run.task_id:
            raise CommandError(
                f"A {run.get_kind_display().lower()} of {run.target} is already "
                f"{run.get_status_display().lower()} (run {run.pk}): try again when it is done.",
                returncode=1,
            )
        self.stdout.write(f"Run {run.pk}: {run.get_kind_display().lower()} of {run.target}")
        self.execute_with_progress(run)
        run.refresh_from_db()
        self.report(run)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"{run.error_class}: {run.error_message}", returncode=1)

    def target(self, kind: str, text: str | None) -> Subnet | str:
        if kind == RunKind.KNOWN_HOSTS:
            return "known hosts" if not text else self.subnet_or_text(text)
        if not text:
            raise _refuse("Give a target: a subnet id or a network such as 198.18.0.0/24.")
        return self.subnet_or_text(text)

    def subnet_or_text(self, text: str) -> Subnet | str:
        if text.isdigit():
            subnet = Subnet.objects.filter(pk=int(text)).first()
            if subnet is None:
                raise _refuse(f"There is no subnet with id {text}: see the subnet list for ids.")
            return subnet
        return text

    def execute_with_progress(self, run: ScanRun) -> None:
        stop = threading.Event()
        interactive = self.stdout.isatty()

        def watch() -> None:
            last = None
            try:
                while not stop.wait(0.5):
                    try:
                        row = ScanRun.objects.filter(pk=run.pk).values("done", "total").first()
                    except Exception:
                        return  # progress output is a courtesy; the run goes on
                    if row and row["total"] and (row["done"], row["total"]) != last:
                        last = (row["done"], row["total"])
                        percent = int(row["done"] * 100 / row["total"])
                        line = f"  {row['done']}/{row['total']} ({percent} %)"
                        self.stdout.write(("\r" + line) if interactive else line, ending="")
                        if not interactive:
                            self.stdout.write("")
            finally:
                connections.close_all()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        started = time.monotonic()
        try:
            with audit.context("command"):
                tasks.execute(run.pk)
        finally:
            stop.set()
            watcher.join(timeout=2)
        if interactive:
            self.stdout.write("")
        self.elapsed = time.monotonic() - started

    def report(self, run: ScanRun) -> None:
        found = run.summary
        line = f"{run.get_status_display()} in {getattr(self, 'elapsed', 0):.2f} s"
        line += f": {found}" if found else ""
        if run.status == RunStatus.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(line))
        else:
            self.stdout.write(self.style.ERROR(line))

    def status(self) -> None:
        active = list(ScanRun.objects.active().order_by("created")[:50])
        self.stdout.write(f"{len(active)} run(s) queued or running")
        for run in active:
            self.stdout.write(
                f"  #{run.pk} {run.kind} {run.target} {run.status} {run.done}/{run.total}"
            )
        self.stdout.write("Recent runs:")
        for run in ScanRun.objects.finished()[:10]:
            took = f"{run.duration_s:.1f} s" if run.duration_s is not None else "-"
            detail = run.error_message[:80] if run.error_message else ""
            self.stdout.write(
                f"  #{run.pk} {run.kind} {run.target} {run.status} {took} {detail}".rstrip()
            )
