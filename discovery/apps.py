from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "discovery"
    verbose_name = "Discovery"

    def ready(self) -> None:
        from accounts import audit
        from discovery.models import (
            AllowedNetwork,
            ReconciliationCheck,
            ReconciliationItem,
            ScanProfileDef,
        )
        from discovery.scope_rules import check_scan_policy
        from ipam.models import SCAN_POLICY_CHECKS

        # Who widened the scan scope, defined a profile or decided an item is on record.
        audit.register(AllowedNetwork)
        audit.register(ScanProfileDef)
        audit.register(ReconciliationItem, exclude=("updated",))
        # Each check writes one entry by hand (discovery.reconcile.refresh).
        audit.register(ReconciliationCheck, signals=False)

        # Connection tests, service checks and backups stay inside the same allowlist.
        from discovery.scope_rules import check
        from netkeep import outbound

        outbound.register(check)

        # MACs that backups read from ARP tables feed the reconciliation's "MAC changed".
        from discovery.reconcile import flag_mac_change
        from ipam import observations

        observations.on_mac_seen(lambda host, old, new: flag_mac_change(host, old, new))

        # A subnet's resolver and profile are refused when saved, not only when a run starts.
        if check_scan_policy not in SCAN_POLICY_CHECKS:
            SCAN_POLICY_CHECKS.append(check_scan_policy)

        # The host page shows uptime, latency, open ports and events (one page per host).
        from discovery.host_status import host_panel
        from ipam import host_panels

        host_panels.register(host_panel)

        # The subnet form offers the profiles that exist as a choice, not free text.
        from discovery.portscan import profile_choices
        from ipam.models import SCAN_PROFILE_CHOICES

        if profile_choices not in SCAN_PROFILE_CHOICES:
            SCAN_PROFILE_CHOICES.append(profile_choices)
