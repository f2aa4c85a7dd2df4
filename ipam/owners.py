"""What uses an address: other apps (inventory's devices) say so here; ipam imports none of them.

An app registers a lookup at start-up; pages call `attach(hosts)` once per page,
which asks each lookup once for the whole page (one query each, however many
rows) and sets `host.owners` to a list of `Owner` for the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from ipam.models import Host
    from netkeep.types import Actor


@dataclass(frozen=True)
class Owner:
    """Something that uses an address, as a page shows it: "core1 (Gi0/1)" linking to core1."""

    label: str
    url: str
    detail: str = ""


Lookup: TypeAlias = "Callable[[list[int], Actor], dict[int, list[Owner]]]"
_lookups: list[Lookup] = []


def register(lookup: Lookup) -> None:
    """Add a lookup: host primary keys and the user in, {host pk: [Owner, ...]} out."""
    if lookup not in _lookups:
        _lookups.append(lookup)


def attach(hosts: Iterable[Host], user: Actor = None) -> None:
    """Set `owners` on every host, with one query per registered lookup."""
    rows = [h for h in hosts if h is not None]
    found: dict[int, list[Owner]] = {}
    pks = [h.pk for h in rows]
    if pks:
        for lookup in _lookups:
            for pk, owners in lookup(pks, user).items():
                found.setdefault(pk, []).extend(owners)
    for host in rows:
        host.owners = found.get(host.pk, [])  # type: ignore[attr-defined]
