from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender: AppConfig, **kwargs: object) -> None:
    from django.contrib.auth.management import create_permissions
    from django.core.management import call_command

    from accounts.roles import sync_role_groups

    # post_migrate reaches this handler before auth's for the same app, so make
    # sure every permission exists before the groups are synced.
    create_permissions(sender, verbosity=0, using=str(kwargs.get("using", "default")))
    sync_role_groups()
    # The shared cache (django-q2 heartbeats) lives in a table of its own.
    if sender.label == "accounts":
        call_command("createcachetable", database=kwargs.get("using", "default"), verbosity=0)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import audit, schema  # noqa: F401  (registers the OpenAPI extension)
        from accounts.models import APIToken, User

        audit.connect()
        audit.register(
            User, exclude=("last_login", "password_changed_at", "date_joined"), secret=("password",)
        )
        # Only the hash is stored and even that stays out of the trail; a use is not a change.
        audit.register(APIToken, exclude=("key_hash", "last_used"))
        # Runs after the last app migrates, so every app's permissions exist.
        post_migrate.connect(_after_migrate, dispatch_uid="accounts.sync_roles")
