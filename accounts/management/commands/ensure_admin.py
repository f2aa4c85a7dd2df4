"""Create the first admin from NETKEEP_ADMIN_USER / NETKEEP_ADMIN_PASSWORD (idempotent)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from accounts.models import Role, User


class Command(BaseCommand):
    help = (
        "Create the first admin from NETKEEP_ADMIN_USER and NETKEEP_ADMIN_PASSWORD. "
        "The password is a bootstrap password: it must be changed at first sign-in. "
        "Does nothing when the user exists."
    )

    def handle(self, *args: object, **options: object) -> None:
        username = settings.NETKEEP_ADMIN_USER
        password = settings.NETKEEP_ADMIN_PASSWORD
        if not username or not password:
            raise CommandError(
                "Set NETKEEP_ADMIN_USER and NETKEEP_ADMIN_PASSWORD "
                "(or NETKEEP_ADMIN_PASSWORD_FILE), "
                "or run `manage.py createsuperuser`."
            )
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin {username!r} already exists; nothing changed.")
            return
        with audit.context(door="command"):
            user = User(
                username=username, role=Role.ADMIN, is_superuser=True, must_change_password=True
            )
            user.set_password(password)
            user.save()
        self.stdout.write(self.style.SUCCESS(f"Created admin {username!r} (must change password)."))
