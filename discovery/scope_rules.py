"""The effective scan allowlist: SCAN_ALLOWED_NETWORKS plus the networks allowed in the UI."""

from __future__ import annotations

from django.conf import settings

from discovery import scope
from discovery.models import AllowedNetwork


def allowed_networks() -> list[scope.Network]:
    """Every allowed network, settings first; a bad settings entry raises ScopeError."""
    networks = scope.parse_allowlist(getattr(settings, "SCAN_ALLOWED_NETWORKS", []) or [])
    for text in AllowedNetwork.objects.values_list("network", flat=True):
        try:
            networks.append(scope.parse_network(text))
        except scope.ScopeError:
            # Rows are validated on save; one edited behind our back is ignored, not trusted.
            continue
    return list(dict.fromkeys(networks))


def check(target: scope.Network | scope.Address) -> None:
    """Raise ScopeError with the reason unless `target` may be scanned."""
    scope.check_scope(target, allowed_networks())


def settings_networks() -> tuple[list[str], str]:
    """The networks SCAN_ALLOWED_NETWORKS allows, or none and what is wrong with the setting."""
    try:
        parsed = scope.parse_allowlist(getattr(settings, "SCAN_ALLOWED_NETWORKS", []) or [])
    except scope.ScopeError as error:
        return [], f"SCAN_ALLOWED_NETWORKS is not valid: {error}"
    return [str(n) for n in parsed], ""
