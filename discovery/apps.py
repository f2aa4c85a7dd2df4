from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "discovery"
    verbose_name = "Discovery"

    def ready(self) -> None:
        from accounts import audit
        from discovery.models import AllowedNetwork, ReconciliationItem, ScanProfileDef

        # Who widened the scan scope, defined a profile or decided an item is on record.
        audit.register(AllowedNetwork)
        audit.register(ScanProfileDef)
        audit.register(ReconciliationItem, exclude=("updated",))
