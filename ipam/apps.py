from django.apps import AppConfig

# Discovery keeps these up to date on every sweep; derived keys follow the address.
# Neither is a change a person made, so the audit trail leaves them out.
DISCOVERY_FIELDS = (
    "status",
    "latency_ms",
    "last_seen",
    "first_seen",
    "status_changed_at",
    "ptr_name",
)
DERIVED_FIELDS = (
    "key",
    "next_key",
    "start_key",
    "end_key",
    "family",
    "prefix_length",
    "vrf_key",
    "created",
    "updated",
)


class IpamConfig(AppConfig):
    name = "ipam"
    verbose_name = "IPAM"

    def ready(self) -> None:
        from accounts import audit
        from ipam import importing  # noqa: F401  (registers the CSV importers)
        from ipam.models import VLAN, VRF, Host, Site, Subnet, Tag

        for model in (VRF, VLAN, Tag, Site):
            audit.register(model)
        audit.register(Subnet, exclude=DERIVED_FIELDS)
        audit.register(Host, exclude=DISCOVERY_FIELDS + DERIVED_FIELDS)
