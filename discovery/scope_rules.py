"""The effective scan allowlist: SCAN_ALLOWED_NETWORKS plus the networks allowed in the UI."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError

from discovery import scope
from discovery.models import AllowedNetwork

if TYPE_CHECKING:
    from ipam.models import Subnet


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


def allowlist_is_empty() -> bool:
    """True while every scan is refused for want of an allowed network.

    A SCAN_ALLOWED_NETWORKS that does not parse refuses every scan as well.
    """
    try:
        return not allowed_networks()
    except scope.ScopeError:
        return True


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


def check_resolver(server: str) -> None:
    """A chosen DNS resolver is a target like any other: ScopeError unless it is allowed.

    It receives a query for every alive address, so an editor must not be able
    to point it anywhere. No resolver (the system's) is the operator's choice.
    """
    try:
        check(ipaddress.ip_address(server))
    except ValueError as error:  # ScopeError is a ValueError too
        raise scope.ScopeError(f"DNS resolver {server}: {error}") from None


def check_scan_policy(subnet: Subnet) -> None:
    """A subnet's resolver and port-scan profile, refused on save as a run would refuse them."""
    from discovery.portscan import resolve_profile

    errors: dict[str, str] = {}
    if subnet.dns_resolver:
        try:
            check_resolver(str(subnet.dns_resolver))
        except scope.ScopeError as error:
            errors["dns_resolver"] = f"{error}."
    if subnet.nmap_profile:
        try:
            resolve_profile(subnet.nmap_profile)
        except ValueError as error:
            errors["nmap_profile"] = str(error)
    if errors:
        raise ValidationError(errors)
