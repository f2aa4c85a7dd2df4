"""Addresses of devices: find the IPAM host for an address, or create it in its subnet."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ipam.addresses import parse_address
from ipam.models import VRF, Host, HostOrigin, Subnet


def host_for(text: str, vrf: VRF | None = None, hostname: str = "") -> Host:
    """The IPAM host at this address, created in the most specific subnet when new.

    Raises ValidationError (with words that say what to do) for a malformed
    address or one that no subnet contains.
    """
    address = parse_address(text)
    vrf_key = vrf.pk if vrf is not None else 0
    existing = Host.objects.at(address, vrf_key).select_related("subnet").first()
    if existing is not None:
        return existing
    subnet = Subnet.objects.best_match(vrf_key, address)
    if subnet is None:
        where = f"VRF {vrf}" if vrf is not None else "the global table"
        raise ValidationError(
            f"No subnet in {where} contains {address}: add its subnet in IPAM first."
        )
    host = Host(
        address=str(address), subnet=subnet, hostname=hostname, origin=HostOrigin.DOCUMENTED
    )
    host.full_clean()
    host.save()
    return host
