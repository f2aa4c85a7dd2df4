from django.apps import AppConfig
from django.db.models import Model
from django.db.models.signals import pre_delete


class BackupsConfig(AppConfig):
    name = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from accounts import audit
        from backups.models import BackupSchedule, ConfigVersion
        from inventory.models import Device

        audit.register(BackupSchedule, exclude=("created",))
        # Versions are written by backups, not people: only an unmasked look or a
        # deletion through the API is recorded, by hand.
        audit.register(ConfigVersion, signals=False)
        pre_delete.connect(_detach_versions, sender=Device, dispatch_uid="backups.detach")


def _detach_versions(sender: type[Model], instance: Model, **kwargs: object) -> None:
    from backups.retention import detach

    detach(instance.pk)
