from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from accounts import audit
        from backups.models import BackupSchedule, ConfigVersion

        audit.register(BackupSchedule, exclude=("created",))
        # Versions are written by backups, not people: only an unmasked look or a
        # deletion through the API is recorded, by hand.
        audit.register(ConfigVersion, signals=False)
