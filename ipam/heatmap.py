"""Heatmap of a large subnet: one tile per sub-block (a /16 as 256 /24s), without enumerating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipam import usage
from ipam.addresses import IPNetwork, to_key, usable_count

if TYPE_CHECKING:
    from ipam.models import Subnet


@dataclass(frozen=True)
class Tile:
    network: IPNetwork
    used: int
    alive: int

    @property
    def usable(self) -> int:
        return usable_count(self.network)

    @property
    def ratio(self) -> float:
        return min(1.0, self.used / self.usable) if self.usable else 0.0


def heatmap(subnet: Subnet) -> list[Tile]:
    """The subnet's 256 tiles with their counts, read from its counter rows (ipam/usage.py).

    256 rows whatever the subnet's size; counted from the hosts only when the
    rows are missing (a subnet made before the counters, until `recount_usage`).
    """
    from ipam.models import UsageCount

    networks = usage.tile_networks(subnet)
    if not networks:
        return []
    rows = list(
        UsageCount.objects.filter(subnet=subnet, kind=usage.TILE)
        .order_by("start_key")
        .values_list("used", "alive")
    )
    if len(rows) != len(networks):
        rows = usage.count_tiles(subnet, subnet.host_range())
    return [Tile(n, used, alive) for n, (used, alive) in zip(networks, rows, strict=True)]


@dataclass
class TileLink:
    """A heatmap tile as the subnet page draws it: where a click goes and how dark it is."""

    tile: Tile
    url: str
    child: Subnet | None
    level: float


def tile_links(subnet: Subnet) -> list[TileLink]:
    """Heatmap tiles, each linking to the child subnet holding it or to its range here."""
    from ipam.flow import flow_url

    size = usage.tile_prefix(subnet)
    if size is None:
        return []
    # Direct children are disjoint, so at most 256 of them can hold a whole tile.
    holders = list(subnet.children.filter(prefix_length__lte=size).order_by("start_key"))
    links = []
    for tile in heatmap(subnet):
        first, last = to_key(int(tile.network[0])), to_key(int(tile.network[-1]))
        child = next((c for c in holders if c.start_key <= first and c.end_key >= last), None)
        if child is None:
            url = flow_url(subnet, range=tile.network) + "#flow"
        elif child.prefix_length == size:
            url = child.get_absolute_url()
        else:
            url = flow_url(child, range=tile.network) + "#flow"
        level = 0.0 if not tile.used else max(0.15, tile.ratio)
        links.append(TileLink(tile, url, child, round(level, 2)))
    return links
