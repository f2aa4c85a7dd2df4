"""Inventory's answer to ipam.owners: which device uses each address (one query per page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import CharField, Value
from django.urls import reverse

from ipam.owners import Owner

if TYPE_CHECKING:
    from netkeep.types import Actor

MARK = 987654321


def device_owners(host_pks: list[int], user: Actor) -> dict[int, list[Owner]]:
    """Devices whose management address or interface is one of these hosts."""
    from inventory.models import Device, Interface

    if user is not None and not user.has_perm("inventory.view_device"):
        return {}
    before, _, after = reverse("inventory:device_detail", args=[MARK]).partition(str(MARK))
    found: dict[int, list[Owner]] = {}
    # Management addresses and interfaces in one query (a page's rows ask once).
    managed = (
        Device.objects.filter(management_host_id__in=host_pks)
        .order_by()
        .values_list("management_host_id", "pk", "name", Value("", output_field=CharField()))
    )
    ifaces = (
        Interface.objects.filter(host_id__in=host_pks)
        .order_by()
        .values_list("host_id", "device_id", "device__name", "name")
    )
    # Management first, then interfaces, each by device and interface name.
    rows = sorted(managed.union(ifaces, all=True), key=lambda r: (r[3] != "", r[2], r[3]))
    for host_pk, pk, name, iface in rows:
        owners = found.setdefault(host_pk, [])
        if not iface:
            owners.append(Owner(name, f"{before}{pk}{after}", "management"))
        elif not any(o.label == name for o in owners):
            owners.append(Owner(name, f"{before}{pk}{after}", iface))
        else:
            # The management address is also this interface's: say both.
            index = next(i for i, o in enumerate(owners) if o.label == name)
            owners[index] = Owner(name, owners[index].url, f"{owners[index].detail}, {iface}")
    return found
