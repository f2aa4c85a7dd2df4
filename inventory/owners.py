"""Inventory's answer to ipam.owners: which device uses each address, read with the host."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse

from ipam.owners import Owner, Source
from netkeep.jsonrows import parse_rows, related_rows

if TYPE_CHECKING:
    from django.db.models import Expression

    from netkeep.types import Actor

MARK = 987654321
MANAGED, INTERFACES = "owner_managed_by", "owner_interfaces_of"


def device_columns(user: Actor) -> dict[str, Expression]:
    """Devices managed at the host's address, and interfaces with it: (device, name[, iface])."""
    from inventory.models import Device, Interface

    if user is not None and not user.has_perm("inventory.view_device"):
        return {}
    return {
        MANAGED: related_rows(Device.objects.all(), "management_host", "pk", "name"),
        INTERFACES: related_rows(
            Interface.objects.all(), "host", "device_id", "device__name", "name"
        ),
    }


def device_owners(values: dict[str, Any]) -> list[Owner]:
    """The host's devices: management first, then interfaces, each by device and interface."""
    if MANAGED not in values:  # the user may not see devices (another app's columns only)
        return []
    before, _, after = reverse("inventory:device_detail", args=[MARK]).partition(str(MARK))
    rows = [(pk, name, "") for pk, name in parse_rows(values[MANAGED])]
    rows += [tuple(row) for row in parse_rows(values[INTERFACES])]
    owners: list[Owner] = []
    for pk, name, iface in sorted(rows, key=lambda r: (r[2] != "", r[1], r[2])):
        if not iface:
            owners.append(Owner(name, f"{before}{pk}{after}", "management"))
        elif not any(o.label == name for o in owners):
            owners.append(Owner(name, f"{before}{pk}{after}", iface))
        else:
            # The management address is also this interface's: say both.
            index = next(i for i, o in enumerate(owners) if o.label == name)
            owners[index] = Owner(name, owners[index].url, f"{owners[index].detail}, {iface}")
    return owners


DEVICES = Source(columns=device_columns, read=device_owners)
