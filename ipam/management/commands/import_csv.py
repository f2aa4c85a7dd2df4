"""manage.py import_csv FILE --kind hosts --mode update|skip [--dry-run] [--valid-only]."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict, Unpack

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ipam.importing import KINDS, MODES, ImportFileError, decode, run_import


class Options(TypedDict):
    file: str
    kind: str
    mode: str
    dry_run: bool
    valid_only: bool
    verbosity: int


class Command(BaseCommand):
    help = (
        "Import VLANs, subnets or hosts from a CSV file (phpIPAM export columns accepted). "
        "Nothing is written if any row fails, unless --valid-only is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file with a header line, or - for standard input.")
        parser.add_argument("--kind", choices=KINDS, required=True)
        parser.add_argument(
            "--mode",
            choices=MODES,
            default="skip",
            help="What to do with rows that match an existing object (default: skip).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would happen; write nothing."
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="Apply the valid rows even when others have errors (they are reported).",
        )

    def handle(self, *args: str, **options: Unpack[Options]) -> None:
        if options["file"] == "-":
            import sys

            text = sys.stdin.read()
        else:
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"{path} does not exist or is not a file.")
            text = decode(path.read_bytes())
        try:
            result = run_import(
                text,
                options["kind"],
                options["mode"],
                dry_run=options["dry_run"],
                valid_only=options["valid_only"],
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        verbose = options["verbosity"] >= 2
        for row in result.rows:
            if row.action == "error":
                self.stderr.write(f"line {row.line}: {row.label}: {row.message}")
            elif verbose:
                self.stdout.write(f"line {row.line}: {row.action} {row.label} {row.message}")
        self.stdout.write(result.summary())
        if result.errors:
            raise CommandError(f"{len(result.errors)} row(s) with errors.", returncode=1)
