"""What uses an address: other apps (inventory's devices) say so here; ipam imports none of them.

An app registers a `Source` at start-up: the columns it adds to a host query
(correlated subqueries, `netkeep.jsonrows`) and how to read a host's owners from
them. A page that reads its hosts gives the query `columns(user)`, so the
owners come in the same query as the rows; `attach(hosts)` then sets
`host.owners` to a list of `Owner` for the templates, and reads the columns in
one query for hosts that came without them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Expression

    from ipam.models import Host
    from netkeep.types import Actor


@dataclass(frozen=True)
class Owner:
    """Something that uses an address, as a page shows it: "core1 (Gi0/1)" linking to core1."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Source:
    """An app's owners of addresses: columns to read with each host, and their reading."""

    # The columns by name, for what this user may see ({} when nothing).
    columns: Callable[[Actor], dict[str, Expression]]
    # A host's owners from the values of those columns ({} of them: none).
    read: Callable[[dict[str, Any]], list[Owner]]


_sources: list[Source] = []


def register(source: Source) -> None:
    """Add an app's owners (once, from its AppConfig.ready)."""
    if source not in _sources:
        _sources.append(source)


def columns(user: Actor = None) -> dict[str, Expression]:
    """Every registered app's owner columns for this user, to annotate a host query with."""
    found: dict[str, Expression] = {}
    for source in _sources:
        found.update(source.columns(user))
    return found


def attach(hosts: Iterable[Host], user: Actor = None) -> None:
    """Set `owners` on every host; those read without `columns(user)` are read in one query."""
    from ipam.models import Host

    rows = [h for h in hosts if h is not None]
    wanted = columns(user)
    missing = [h for h in rows if not all(hasattr(h, name) for name in wanted)]
    if missing and wanted:
        read = Host.objects.filter(pk__in=[h.pk for h in missing]).annotate(**wanted)
        values = {pk: rest for pk, *rest in read.values_list("pk", *wanted)}
        for host in missing:
            found = values.get(host.pk, [None] * len(wanted))  # deleted meanwhile: nothing
            for name, value in zip(wanted, found, strict=True):
                setattr(host, name, value)
    for host in rows:
        given = {name: getattr(host, name) for name in wanted}
        host.owners = [o for s in _sources for o in s.read(given)]  # type: ignore[attr-defined]
