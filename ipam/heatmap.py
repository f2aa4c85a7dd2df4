"""Heatmap of a large subnet: one tile per sub-block (a /16 as 256 /24s), without enumerating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipam import usage
from ipam.addresses import IPNetwork, to_key, usable_count
from netkeep.jsonrows import parse_rows

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

    256 rows whatever the subnet's size, annotated by `with_tiles()` or else read;
    counted from the hosts only when the rows are missing (a subnet made before
    the counters, until `recount_usage`).
    """
    from ipam.models import UsageCount

    networks = usage.tile_networks(subnet)
    if not networks:
        return []
    annotated = getattr(subnet, "tile_rows", None)
    if annotated is not None:
        rows = [(used, alive) for _, used, alive in sorted(parse_rows(annotated))]
    else:
        counters = UsageCount.objects.filter(subnet=subnet, kind=usage.TILE)
        rows = list(counters.order_by("start_key").values_list("used", "alive"))
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
    label: str  # "10.1.0.0/16: 12 used, 3 alive", for the tooltip and screen readers


def tile_links(subnet: Subnet, children: list[Subnet] | None = None) -> list[TileLink]:
    """Heatmap tiles, each linking to the child subnet holding it or to its range here.

    Drawn on every view of a big subnet: one walk over tiles and holders (both in
    address order), each URL reversed once. `children`, when given, are all the
    direct children in address order, already read (by the same page's flow).
    """
    size = usage.tile_prefix(subnet)
    if size is None:
        return []
    # Direct children are disjoint, so at most 256 of them can hold a whole tile.
    if children is None:
        holders = list(subnet.children.filter(prefix_length__lte=size).order_by("start_key"))
    else:
        holders = [child for child in children if child.prefix_length <= size]
    here = subnet.get_absolute_url()
    # A child holding half the subnet holds 128 tiles: its URL is reversed once.
    urls = {child.pk: child.get_absolute_url() for child in holders}
    tiles = heatmap(subnet)
    usable = tiles[0].usable if tiles else 0  # every tile has the same size
    span = 1 << ((32 if subnet.family == 4 else 128) - size)
    low = int(subnet.start_key, 16)
    links = []
    index = 0
    for tile in tiles:
        first, last = to_key(low), to_key(low + span - 1)
        low += span
        while index < len(holders) and holders[index].end_key < last:
            index += 1
        child = holders[index] if index < len(holders) else None
        if child is not None and child.start_key > first:
            child = None
        name = str(tile.network)
        if child is None:
            url = f"{here}?range={name}#flow"
        elif child.prefix_length == size:
            url = urls[child.pk]
        else:
            url = f"{urls[child.pk]}?range={name}#flow"
        level = 0.0 if not tile.used else max(0.15, min(1.0, tile.used / usable))
        label = f"{name}: {tile.used} used, {tile.alive} alive"
        links.append(TileLink(tile, url, child, round(level, 2), label))
    return links
