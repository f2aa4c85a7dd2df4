"""Re-encrypt every stored secret with the newest key in NETKEEP_SECRET_KEYS."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from netkeep import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (credential sets, webhook secrets, ...) with the first "
        "key of NETKEEP_SECRET_KEYS. Safe to run twice and safe to interrupt: run it again."
    )

    def handle(self, *args: str, **options: object) -> None:
        counts = crypto.rotate_all()
        unreadable = 0
        for c in counts:
            self.stdout.write(
                f"{c.model}: {c.rotated} re-encrypted, {c.current} already current, "
                f"{c.unreadable} unreadable"
            )
            unreadable += c.unreadable
        total = sum(c.rotated for c in counts)
        self.stdout.write(f"{total} value(s) re-encrypted with the newest key.")
        if unreadable:
            raise CommandError(
                f"{unreadable} value(s) could not be decrypted with any key in "
                "NETKEEP_SECRET_KEYS: put back the key they were written with and run this again."
            )
