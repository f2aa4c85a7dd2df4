"""CSV export of filtered lists, streamed row by row; columns re-import unchanged."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from ipam.models import VLAN, Host, Subnet

COLUMNS: dict[str, list[str]] = {
    "vlans": ["vid", "name", "description", "colour", "tags"],
    "subnets": [
        "network",
        "vrf",
        "name",
        "description",
        "vlan",
        "tags",
        "scan_enabled",
        "scan_interval",
        "used",
        "usable",
    ],
    "hosts": [
        "address",
        "vrf",
        "subnet",
        "hostname",
        "description",
        "mac",
        "tags",
        "notes",
        "status",
        "last_seen",
        "origin",
    ],
}
CHUNK = 2000


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _tags(obj: Any) -> str:
    return ",".join(t.name for t in obj.tags.all())


def vlan_row(vlan: VLAN) -> list[Any]:
    return [vlan.vid or "", vlan.name, vlan.description, vlan.colour, _tags(vlan)]


def subnet_row(subnet: Subnet) -> list[Any]:
    return [
        subnet.network,
        subnet.vrf.name if subnet.vrf else "",
        subnet.name,
        subnet.description,
        (subnet.vlan.vid or subnet.vlan.name) if subnet.vlan else "",
        _tags(subnet),
        "yes" if subnet.scan_enabled else "no",
        subnet.scan_interval,
        getattr(subnet, "used", ""),
        subnet.usable,
    ]


def host_row(host: Host) -> list[Any]:
    return [
        host.address,
        host.subnet.vrf.name if host.subnet.vrf else "",
        host.subnet.network,
        host.hostname,
        host.description,
        host.mac,
        _tags(host),
        host.notes,
        host.status,
        host.last_seen.isoformat() if host.last_seen else "",
        host.origin,
    ]


def prepare(kind: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset with what each row needs, fetched in bulk: a few queries per chunk."""
    if kind == "hosts":
        return queryset.select_related("subnet__vrf").prefetch_related("tags")
    if kind == "subnets":
        subnets: Any = queryset.select_related("vrf", "vlan").prefetch_related("tags")
        return subnets.with_usage()
    return queryset.prefetch_related("tags")


ROWS = {"vlans": vlan_row, "subnets": subnet_row, "hosts": host_row}


def stream_csv(kind: str, queryset: QuerySet[Any]) -> Iterator[str]:
    """CSV lines of the queryset, read in chunks so memory stays flat for big sets."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS[kind])
    row: Any = ROWS[kind]
    for obj in prepare(kind, queryset).iterator(chunk_size=CHUNK):
        yield writer.writerow([_safe(v) for v in row(obj)])


def _safe(value: Any) -> Any:
    """Defuse spreadsheet formulas: a cell starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
