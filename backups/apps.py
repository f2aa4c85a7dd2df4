from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from accounts import audit
        from backups.models import BackupSchedule

        audit.register(BackupSchedule, exclude=("created",))
