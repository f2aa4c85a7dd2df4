"""Heatmap of a large subnet: one tile per sub-block (a /16 as 256 /24s), without enumerating."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from math import ceil
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.db.models.functions import Substr

from ipam.addresses import IPNetwork, usable_count

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
