"""Addresses of devices: the IPAM host for an address, created in its subnet when new.

Forms, the API and CSV import all go through `resolve()`, so the same text gets
the same answer (and the same words when it is wrong) at every door.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from ipam.addresses import parse_address
from ipam.models import VRF, Host, HostOrigin, Subnet


def resolve(text: str, vrf: VRF | None = None) -> Host:
    """The IPAM host at this address, or a new, validated, unsaved one in its subnet.

    Raises ValidationError that says what to do for a malformed address or one
    that no subnet contains.
    """
    address = parse_address(text.strip())
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
    host = Host(address=str(address), subnet=subnet, origin=HostOrigin.DOCUMENTED)
    try:
        host.full_clean()
    except ValidationError as error:
        raise ValidationError(error.messages) from None
    return host


def host_for(text: str, vrf: VRF | None = None) -> Host:
    """The IPAM host at this address, created (and saved) in its subnet when new."""
    host = resolve(text, vrf)
    if host.pk is None:
        host.save()
    return host


def claimed_by(host: Host, device_pk: int | None) -> str | None:
    """The name of another device that already uses this address, if any."""
    if host.pk is None:
        return None
    from inventory.models import Device

    other = (
        Device.objects.filter(Q(management_host=host) | Q(interfaces__host=host))
        .exclude(pk=device_pk or 0)
        .values_list("name", flat=True)
        .first()
    )
    return other
