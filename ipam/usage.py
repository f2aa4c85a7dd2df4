"""Utilisation counters: hosts per subnet and per heatmap tile, kept by the database itself.

A subnet page shows how many addresses of the subnet are used and a heatmap of
256 tiles. Counting them on every view read every index entry of the subnet
(a /8's page cost five times a /24's). Instead each subnet has one `UsageCount`
row for its whole range and, when it gets a heatmap, one per tile; triggers on
the host table add and subtract in the same transaction as the write
(`UPDATE ... SET used = used + 1`), so every door — forms, API, import,
sweeps, raw SQL, bulk inserts — keeps them right, and concurrent writers queue
on the counter rows instead of losing updates.

The counts are ranges, not foreign keys: a host counts in every subnet whose
range holds it (children's hosts included, as the page shows), so moving a host
between a subnet and its child changes nothing, and only inserts, deletes and
changes of address, VRF or status touch the counters. `recount()` rebuilds a
subnet's rows from the hosts (on creation, after a range edit, and from
`manage.py recount_usage` as a repair).

A bulk insert of thousands of hosts pauses the insert trigger for its own
transaction (`inserts_paused()`) and adds its hosts to the counters in one
pass (`add_hosts()`): a counter row updated once per host in one transaction
keeps every version of itself until the commit, so on PostgreSQL each update
walked all the earlier ones (20,000 hosts: 6½ minutes instead of seconds).
The pause is a row in `ipam_usage_pause` that only the pausing transaction
sees; every other writer's triggers go on counting.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections import Counter
from collections.abc import Iterable, Iterator
from math import ceil
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Model, Q, QuerySet
from django.db.models.functions import Substr

from ipam.addresses import to_key

if TYPE_CHECKING:
    from ipam.models import Subnet

WHOLE, TILE = 0, 1
TILES_LOG2 = 8


def tile_prefix(subnet: Subnet) -> int | None:
    """The prefix length of the subnet's heatmap tiles, or None when it has no heatmap.

    Subnets bigger than a /24 (IPv6: a /120) get 256 tiles.
    """
    if subnet.prefix_length >= (24 if subnet.family == 4 else 120):
        return None
    return subnet.prefix_length + TILES_LOG2


def count_tiles(subnet: Subnet, hosts: QuerySet[Any]) -> list[tuple[int, int]]:
    """(used, alive) per tile of the subnet's `hosts`, in one grouped query on the key prefix."""
    size = tile_prefix(subnet)
    if size is None:
        return []
    max_len = 32 if subnet.family == 4 else 128
    offset = 128 - max_len  # IPv4 keys hold the address in the low 32 of 128 bits
    chars = ceil((offset + size) / 4)
    rows = (
        hosts.order_by()
        .annotate(bucket=Substr("key", 1, chars))
        .values("bucket")
        # Counting `key` (not the primary key) lets the range index answer alone.
        .annotate(used=Count("key"), alive=Count("key", filter=Q(status="up")))
    )
    start = int(subnet.start_key, 16)
    shift = max_len - size
    counts = [(0, 0)] * (1 << TILES_LOG2)
    for row in rows:
        index = (int(row["bucket"].ljust(32, "0"), 16) - start) >> shift
        used, alive = counts[index]
        counts[index] = (used + row["used"], alive + row["alive"])
    return counts


def tile_networks(subnet: Subnet) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    size = tile_prefix(subnet)
    if size is None:
        return []
    base = int(ipaddress.ip_network(subnet.network).network_address)
    shift = (32 if subnet.family == 4 else 128) - size
    return [
        ipaddress.ip_network((base + (index << shift), size)) for index in range(1 << TILES_LOG2)
    ]


def recount(subnets: Iterable[Subnet]) -> None:
    """Rebuild the counter rows of these subnets from their hosts."""
    from ipam.models import UsageCount

    for subnet in subnets:
        recount_into(UsageCount, subnet, subnet.host_range())


def recount_into(model: type[Model], subnet: Any, hosts: QuerySet[Any]) -> None:
    """Replace the subnet's counter rows (`model`: UsageCount, or its migration state)."""
    with transaction.atomic():
        model._default_manager.filter(subnet_id=subnet.pk).delete()
        totals = hosts.order_by().aggregate(
            used=Count("key"), alive=Count("key", filter=Q(status="up"))
        )
        rows = [
            model(
                subnet_id=subnet.pk,
                kind=WHOLE,
                start_key=subnet.start_key,
                end_key=subnet.end_key,
                used=totals["used"],
                alive=totals["alive"],
            )
        ]
        tiles = zip(tile_networks(subnet), count_tiles(subnet, hosts), strict=True)
        for network, (used, alive) in tiles:
            rows.append(
                model(
                    subnet_id=subnet.pk,
                    kind=TILE,
                    start_key=to_key(int(network.network_address)),
                    end_key=to_key(int(network.broadcast_address)),
                    used=used,
                    alive=alive,
                )
            )
        model._default_manager.bulk_create(rows)


# --- the triggers -------------------------------------------------------------------


def _change(row: str, sign: str) -> list[str]:
    """Statements that add (+) or take (-) the host `row` (NEW or OLD) to its counters."""
    up = f"(CASE WHEN {row}.status = 'up' THEN 1 ELSE 0 END)"
    holders = (
        f"FROM ipam_subnet s WHERE s.vrf_key = {row}.vrf_key AND s.family = {row}.family "
        f'AND s.start_key <= {row}."key" AND s.end_key >= {row}."key"'
    )
    # Tiles partition their subnet: the last tile starting at or before the key holds it.
    tile = (
        f"SELECT u.id FROM ipam_usagecount u WHERE u.subnet_id = s.id AND u.kind = {TILE} "  # noqa: S608 — constants only
        f'AND u.start_key <= {row}."key" ORDER BY u.start_key DESC LIMIT 1'
    )
    bump = f"SET used = used {sign} 1, alive = alive {sign} {up}"
    whole = f"kind = {WHOLE} AND subnet_id IN (SELECT s.id {holders})"
    return [
        f"UPDATE ipam_usagecount {bump} WHERE {whole};",
        f"UPDATE ipam_usagecount {bump} WHERE id IN (SELECT ({tile}) {holders});",
    ]


_CHANGED = ("vrf_key", "family", '"key"', "status")
PAUSE_TABLE = "ipam_usage_pause"
_PAUSED = "EXISTS (SELECT 1 FROM ipam_usage_pause)"


@contextlib.contextmanager
def inserts_paused() -> Iterator[None]:
    """Hosts inserted in this block are not counted by the trigger: call add_hosts() for them.

    Must run inside the transaction that inserts them (the pause row is
    deleted again before it commits, and no other transaction ever sees it).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("inserts_paused() needs a transaction: wrap it in atomic()")
    # In a savepoint of its own: when the block fails, its rollback takes the pause row too.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PAUSE_TABLE} (paused) VALUES (1)")  # noqa: S608 — constant
        yield
        cursor.execute(f"DELETE FROM {PAUSE_TABLE}")  # noqa: S608 — constant


def add_hosts(hosts: Iterable[tuple[int, int, str, str]]) -> None:
    """Count hosts inserted while the trigger was paused: (vrf_key, family, key, status) each.

    Does what the insert trigger does per host, grouped: every subnet whose
    range holds the host and the tile of it that does, each counter row touched
    updated once (on PostgreSQL all of them in one statement: a 100,000-host
    import touches some 16,000 tile rows, and one UPDATE per row cost a second of
    the server's time).
    """
    used: Counter[tuple[int, int, str]] = Counter()
    alive: Counter[tuple[int, int, str]] = Counter()
    by_space: dict[tuple[int, int], list[tuple[int, bool]]] = {}
    for vrf_key, family, key, status in hosts:
        by_space.setdefault((vrf_key, family), []).append((int(key, 16), status == "up"))
    for (vrf_key, family), values in by_space.items():
        for row, up in _counter_rows(vrf_key, family, values):
            used[row] += 1
            if up:
                alive[row] += 1
    if not used:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows = list(used)
            cursor.execute(
                "UPDATE ipam_usagecount u SET used = u.used + v.n, alive = u.alive + v.a "
                "FROM unnest(%s::bigint[], %s::smallint[], %s::varchar[], %s::int[], %s::int[]) "
                "AS v(subnet_id, kind, start_key, n, a) "
                "WHERE u.subnet_id = v.subnet_id AND u.kind = v.kind AND u.start_key = v.start_key",
                [
                    [r[0] for r in rows],
                    [r[1] for r in rows],
                    [r[2] for r in rows],
                    [used[r] for r in rows],
                    [alive[r] for r in rows],
                ],
            )
            return
        cursor.executemany(
            "UPDATE ipam_usagecount SET used = used + %s, alive = alive + %s "
            "WHERE subnet_id = %s AND kind = %s AND start_key = %s",
            [(n, alive[row], *row) for row, n in used.items()],
        )


def _counter_rows(
    vrf_key: int, family: int, values: list[tuple[int, bool]]
) -> Iterator[tuple[tuple[int, int, str], bool]]:
    """(subnet id, WHOLE or TILE, start key) of every counter row holding each address."""
    from ipam.models import Subnet

    bits = 32 if family == 4 else 128
    subnets: dict[tuple[int, int], tuple[int, str, int | None]] = {}
    for subnet in Subnet.objects.filter(vrf_key=vrf_key, family=family).only(
        "pk", "start_key", "prefix_length", "family"
    ):
        tile = tile_prefix(subnet)
        start = (subnet.prefix_length, int(subnet.start_key, 16))
        subnets[start] = (subnet.pk, subnet.start_key, tile)
    masks = [(length, ~((1 << (bits - length)) - 1)) for length in sorted({n for n, _ in subnets})]
    # Neighbouring hosts share their tile: its row is built once.
    tiles: dict[tuple[int, int], tuple[int, int, str]] = {}
    for value, up in values:
        for length, mask in masks:
            found = subnets.get((length, value & mask))
            if found is None:
                continue
            pk, start_key, tile = found
            yield (pk, WHOLE, start_key), up
            if tile is not None:
                first = value & ~((1 << (bits - tile)) - 1)
                row = tiles.get((pk, first))
                if row is None:
                    row = tiles[(pk, first)] = (pk, TILE, to_key(first))
                yield row, up


def install_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create the host-table triggers that keep the counters (SQLite or PostgreSQL)."""
    add, take = "\n".join(_change("NEW", "+")), "\n".join(_change("OLD", "-"))
    pause = f"CREATE TABLE IF NOT EXISTS {PAUSE_TABLE} (paused integer NOT NULL)"
    if connection.vendor == "postgresql":
        statements = [
            pause,
            f"""CREATE OR REPLACE FUNCTION ipam_host_usage() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' AND {_PAUSED} THEN RETURN NULL; END IF;
                IF TG_OP IN ('UPDATE', 'DELETE') THEN {take} END IF;
                IF TG_OP IN ('UPDATE', 'INSERT') THEN {add} END IF;
                RETURN NULL;
            END $$""",
            "CREATE TRIGGER ipam_host_usage AFTER INSERT OR DELETE ON ipam_host "
            "FOR EACH ROW EXECUTE FUNCTION ipam_host_usage()",
            f"CREATE TRIGGER ipam_host_usage_update AFTER UPDATE OF {', '.join(_CHANGED)} "
            f"ON ipam_host FOR EACH ROW WHEN (({', '.join('OLD.' + c for c in _CHANGED)}) "
            f"IS DISTINCT FROM ({', '.join('NEW.' + c for c in _CHANGED)})) "
            "EXECUTE FUNCTION ipam_host_usage()",
        ]
    elif connection.vendor == "sqlite":
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _CHANGED)
        statements = [
            pause,
            f"CREATE TRIGGER ipam_host_usage_insert AFTER INSERT ON ipam_host "
            f"WHEN NOT {_PAUSED} BEGIN {add} END",
            f"CREATE TRIGGER ipam_host_usage_delete AFTER DELETE ON ipam_host BEGIN {take} END",
            f"CREATE TRIGGER ipam_host_usage_update AFTER UPDATE OF {', '.join(_CHANGED)} "
            f"ON ipam_host WHEN {changed} BEGIN {take} {add} END",
        ]
    else:
        raise NotImplementedError(
            f"No usage triggers for {connection.vendor}: use SQLite or PostgreSQL."
        )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS ipam_host_usage ON ipam_host")
            cursor.execute("DROP TRIGGER IF EXISTS ipam_host_usage_update ON ipam_host")
            cursor.execute("DROP FUNCTION IF EXISTS ipam_host_usage()")
        else:
            for name in ("insert", "delete", "update"):
                cursor.execute(f"DROP TRIGGER IF EXISTS ipam_host_usage_{name}")
        cursor.execute(f"DROP TABLE IF EXISTS {PAUSE_TABLE}")
