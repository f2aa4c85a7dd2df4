"""The subnet view's address flow: hosts, child subnets and collapsed free runs, in order.

Work per page is bounded by the page size: at most `limit` direct hosts and
`limit` children are read after the cursor, whatever the subnet's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipam.addresses import IPAddress, from_key, to_key, usable_bounds

if TYPE_CHECKING:
    from ipam.models import Flow, Host, Subnet


@dataclass(frozen=True)
class FreeRun:
    """A run of unused, assignable addresses, shown as one row."""

    first: IPAddress
    last: IPAddress

    @property
    def count(self) -> int:
        return int(self.last) - int(self.first) + 1

    @property
    def first_key(self) -> str:
        return to_key(int(self.first))

    @property
    def last_key(self) -> str:
        return to_key(int(self.last))

    kind = "free"


@dataclass(frozen=True)
class HostItem:
    host: Host
    kind = "host"


@dataclass(frozen=True)
class ChildItem:
    subnet: Subnet
    kind = "child"


def _free(lo: int, hi: int, usable: tuple[int, int], family: int) -> FreeRun | None:
    lo, hi = max(lo, usable[0]), min(hi, usable[1])
    if lo > hi:
        return None
    return FreeRun(from_key(to_key(lo), family), from_key(to_key(hi), family))


def build_flow(subnet: Subnet, after: str | None = None, limit: int = 256) -> Flow:
    from ipam.models import Flow

    start = int(subnet.start_key, 16)
    end = int(subnet.end_key, 16)
    usable = usable_bounds(subnet.ip_network)
    cursor = int(after, 16) + 1 if after else start
    cursor_key = to_key(cursor)

    hosts = list(
        subnet.hosts.filter(key__gte=cursor_key)
        .order_by("key")
        .prefetch_related("tags")[: limit + 1]
    )
    children = list(
        subnet.children.filter(start_key__gte=cursor_key).order_by("start_key")[: limit + 1]
    )

    used: list[tuple[int, int, object]] = [
        (int(h.key, 16), int(h.key, 16), HostItem(h)) for h in hosts
    ]
    used += [(int(c.start_key, 16), int(c.end_key, 16), ChildItem(c)) for c in children]
    used.sort(key=lambda t: t[0])

    items: list[object] = []
    position = cursor
    # Each list was read one past the limit, so the first `limit` merged items
    # are exactly the first `limit` used items after the cursor.
    more = len(used) > limit
    for lo, hi, item in used[:limit]:
        gap = _free(position, lo - 1, usable, subnet.family)
        if gap is not None:
            items.append(gap)
        items.append(item)
        position = hi + 1
    if not more:
        gap = _free(position, end, usable, subnet.family)
        if gap is not None:
            items.append(gap)
    next_cursor = to_key(position - 1) if more else None
    return Flow(items=items, next_cursor=next_cursor)
