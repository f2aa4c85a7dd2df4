"""Saving a device with its interfaces and credential list, in one transaction.

The device form and the API both end here, so a device and its interfaces are
created or replaced together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from inventory.models import CredentialSet, Device, DeviceCredential, Interface
from ipam.models import VLAN, Host


@dataclass
class InterfaceRow:
    """One interface as a form row or API item gives it; the host may be new (unsaved)."""

    name: str
    host: Host | None = None
    vlan: VLAN | None = None
    mac: str = ""
    is_upstream: bool = False
    description: str = ""


def _saved(host: Host | None, made: dict[tuple[int, str], Host]) -> Host | None:
    """Save a new host once: the management address is often an interface's address too."""
    if host is None or host.pk is not None:
        return host
    key = (host.subnet.vrf_key, str(host.address))
    if key not in made:
        host.save()
        made[key] = host
    return made[key]


def replace_interfaces(
    device: Device, rows: list[InterfaceRow], made: dict[tuple[int, str], Host] | None = None
) -> None:
    """Make the device's interfaces exactly `rows`: matched by name, updated, created or deleted."""
    made = {} if made is None else made
    current = {i.name: i for i in device.interfaces.all()}
    wanted = {row.name for row in rows}
    for name, iface in current.items():
        if name not in wanted:
            iface.delete()
    for row in rows:
        iface = current.get(row.name) or Interface(device=device, name=row.name)
        iface.host = _saved(row.host, made)
        iface.vlan = row.vlan
        iface.mac = row.mac
        iface.is_upstream = row.is_upstream
        iface.description = row.description
        iface.full_clean()
        iface.save()


def set_credential_sets(device: Device, sets: list[CredentialSet]) -> None:
    """The device's own ordered list of credential sets, replaced as a whole."""
    links = {link.credential_set_id: link for link in device.device_credentials.all()}
    keep = {c.pk for c in sets}
    for cred_pk, link in links.items():
        if cred_pk not in keep:
            link.delete()
    for position, cred in enumerate(sets):
        existing = links.get(cred.pk)
        if existing is None:
            DeviceCredential.objects.create(device=device, credential_set=cred, position=position)
        elif existing.position != position:
            existing.position = position
            existing.save(update_fields=["position"])


def save_device(
    device: Device,
    *,
    management_host: Host | None,
    interfaces: list[InterfaceRow] | None = None,
    credential_sets: list[CredentialSet] | None = None,
    save_m2m: object = None,
) -> Device:
    """Save the device, its management address, interfaces and credential list atomically.

    `interfaces` / `credential_sets` of None leave those untouched (a partial API update).
    `save_m2m` is the form's callback that writes the tags.
    """
    made: dict[tuple[int, str], Host] = {}
    with transaction.atomic():
        device.management_host = _saved(management_host, made)
        device.save()
        if callable(save_m2m):
            save_m2m()
        if interfaces is not None:
            replace_interfaces(device, interfaces, made)
        if credential_sets is not None:
            set_credential_sets(device, credential_sets)
    return device
