"""CSV export of filtered device lists; the columns are the import template's."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from inventory.models import Device
from ipam.exporting import _Echo, _safe

COLUMNS = [
    "name",
    "role",
    "platform",
    "site",
    "vrf",
    "management_address",
    "is_gateway",
    "virtualisation",
    "description",
    "url",
    "tags",
    "credential_sets",
    "serial",
    "model",
    "os_version",
    "notes",
    "last_test",
]


def device_row(device: Device) -> list[Any]:
    host = device.management_host
    if device.last_test_at is None:
        last_test = ""
    else:
        outcome = "ok" if device.last_test_ok else "failed"
        last_test = f"{outcome} {device.last_test_at.isoformat()}"
    return [
        device.name,
        device.role,
        device.platform,
        device.site.name if device.site else "",
        host.subnet.vrf.name if host and host.subnet.vrf else "",
        host.address if host else "",
        "yes" if device.is_gateway else "no",
        device.virtualisation,
        device.description,
        device.url,
        ",".join(t.name for t in device.tags.all()),
        ",".join(link.credential_set.name for link in device.device_credentials.all()),
        device.serial,
        device.model,
        device.os_version,
        device.notes,
        last_test,
    ]


def stream_devices(queryset: QuerySet[Device]) -> Iterator[str]:
    """CSV lines of the devices, a few queries per chunk whatever the list's size."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    rows = queryset.select_related("site", "management_host__subnet__vrf").prefetch_related(
        "tags", "device_credentials__credential_set"
    )
    for device in rows.iterator(chunk_size=2000):
        yield writer.writerow([_safe(v) for v in device_row(device)])
