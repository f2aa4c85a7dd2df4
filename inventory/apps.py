from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from accounts import audit
        from inventory import importing  # noqa: F401  (registers the CSV importers)
        from inventory.models import (
            CredentialSet,
            Device,
            DeviceCredential,
            Interface,
            ServiceCheck,
        )
        from inventory.owners import DEVICES
        from ipam import owners

        audit.register(Device, exclude=("created", "updated", "last_test_at", "unavailable_reason"))
        audit.register(Interface)
        audit.register(DeviceCredential)
        audit.register(
            CredentialSet, exclude=("created", "updated"), secret=CredentialSet.SECRET_FIELDS
        )
        audit.register(
            ServiceCheck,
            exclude=(*ServiceCheck.RESULT_FIELDS, "next_due", "created"),
        )
        owners.register(DEVICES)
