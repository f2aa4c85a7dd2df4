"""Heatmap of a large subnet: one tile per sub-block (a /16 as 256 /24s), without enumerating."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.db.models.functions import Substr

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


def tile_prefix(subnet: Subnet, tiles_log2: int = 8) -> int | None:
    """The prefix length of the tiles, or None when the subnet is too small for a heatmap."""
    max_len = 32 if subnet.family == 4 else 128
    if subnet.prefix_length + tiles_log2 > max_len:
        return None
    return subnet.prefix_length + tiles_log2


def heatmap(subnet: Subnet, tiles_log2: int = 8) -> list[Tile]:
    """Counts per tile in one grouped query on the key's hex prefix."""
    size = tile_prefix(subnet, tiles_log2)
    if size is None:
        return []
    max_len = 32 if subnet.family == 4 else 128
    offset = 128 - max_len  # IPv4 keys hold the address in the low 32 of 128 bits
    chars = ceil((offset + size) / 4)
    rows = (
        subnet.host_range()
        .order_by()
        .annotate(bucket=Substr("key", 1, chars))
        .values("bucket")
        # Counting `key` (not the primary key) lets the range index answer alone.
        .annotate(used=Count("key"), alive=Count("key", filter=Q(status="up")))
    )
    start = int(subnet.start_key, 16)
    shift = max_len - size
    counts: dict[int, list[int]] = {}
    for row in rows:
        value = int(row["bucket"].ljust(32, "0"), 16)
        index = (value - start) >> shift
        total = counts.setdefault(index, [0, 0])
        total[0] += row["used"]
        total[1] += row["alive"]
    base = subnet.ip_network
    tiles = []
    for index in range(1 << tiles_log2):
        network = ipaddress.ip_network((int(base.network_address) + (index << shift), size))
        used, alive = counts.get(index, (0, 0))
        tiles.append(Tile(network=network, used=used, alive=alive))
    return tiles


@dataclass
class TileLink:
    """A heatmap tile as the subnet page draws it: where a click goes and how dark it is."""

    tile: Tile
    url: str
    child: Subnet | None
    level: float


def wants_heatmap(subnet: Subnet) -> bool:
    """Subnets bigger than a /24 (IPv6: a /120) get a heatmap of 256 tiles."""
    return subnet.prefix_length < (24 if subnet.family == 4 else 120)


def tile_links(subnet: Subnet) -> list[TileLink]:
    """Heatmap tiles, each linking to the child subnet holding it or to its range here."""
    from ipam.flow import flow_url

    size = tile_prefix(subnet)
    if size is None or not wants_heatmap(subnet):
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
