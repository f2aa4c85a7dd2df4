"""Reusable filters for subnets and hosts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Exists, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from ipam.addresses import IPAddress, IPNetwork, address_key, to_key
from netkeep.jsonrows import json_rows, parse_rows, related_rows

if TYPE_CHECKING:
    from ipam.models import Host, Subnet


class TagChip(NamedTuple):
    """A tag as a row draws it."""

    name: str
    colour: str


_Tagged = TypeVar("_Tagged", bound=models.Model)
_QS = TypeVar("_QS", bound="TaggedQuerySet[Any]")


class TaggedQuerySet(models.QuerySet[_Tagged]):
    def with_tag_chips(self: _QS) -> _QS:
        """Annotate `tag_rows`: each row's tags as (name, colour), read in the same query.

        A prefetch of `tags` is one more query per page (a round trip: 1 to 2 ms on
        PostgreSQL) and builds a Tag and a manager per row; a chip needs two strings.
        """
        through = self.model.tags.through.objects
        link = self.model._meta.model_name
        return self.annotate(tag_rows=related_rows(through, link, "tag__name", "tag__colour"))


def tag_chips(obj: Subnet | Host) -> list[TagChip]:
    """The object's tags by name: from `with_tag_chips()` when it was annotated, else read."""
    if hasattr(obj, "tag_rows"):
        return sorted(TagChip(name, colour) for name, colour in parse_rows(obj.tag_rows))
    return [TagChip(t.name, t.colour) for t in obj.tags.all()]


class SubnetQuerySet(TaggedQuerySet["Subnet"]):
    def best_match(self, vrf_key: int, address: IPAddress) -> Subnet | None:
        """The most specific subnet in this VRF that contains the address."""
        key = address_key(address)
        match: Subnet | None = (
            self.filter(
                vrf_key=vrf_key, family=address.version, start_key__lte=key, end_key__gte=key
            )
            .order_by("-prefix_length")
            .first()
        )
        return match

    def within(self, network: IPNetwork) -> SubnetQuerySet:
        """Subnets inside `network` (itself included)."""
        return self.filter(
            family=network.version,
            start_key__gte=to_key(int(network.network_address)),
            end_key__lte=to_key(int(network.broadcast_address)),
        )

    def containing(self, network: IPNetwork) -> SubnetQuerySet:
        """Subnets that contain `network` (itself included)."""
        return self.filter(
            family=network.version,
            start_key__lte=to_key(int(network.network_address)),
            end_key__gte=to_key(int(network.broadcast_address)),
        )

    def with_usage(self) -> SubnetQuerySet:
        """Annotate `used` (hosts in range, children included) and `alive` from the counters.

        One indexed row per subnet (ipam/usage.py), whatever the subnet's size.
        """
        from ipam.models import UsageCount
        from ipam.usage import WHOLE

        whole = UsageCount.objects.filter(subnet=OuterRef("pk"), kind=WHOLE)
        used, alive = whole.values("used")[:1], whole.values("alive")[:1]
        return self.annotate(used=Coalesce(Subquery(used), 0), alive=Coalesce(Subquery(alive), 0))

    def with_ancestors(self) -> SubnetQuerySet:
        """Annotate `ancestor_rows`: the subnets holding each one, read in the same query."""
        from ipam.models import Subnet

        holding = Subnet.objects.filter(
            vrf_key=OuterRef("vrf_key"),
            family=OuterRef("family"),
            start_key__lte=OuterRef("start_key"),
            end_key__gte=OuterRef("end_key"),
            prefix_length__lt=OuterRef("prefix_length"),
        )
        # Grouped by the VRF, which the outer subnet and its ancestors share.
        rows = json_rows(holding, "vrf_key", "pk", "network", "prefix_length")
        return self.annotate(ancestor_rows=rows)

    def with_tiles(self) -> SubnetQuerySet:
        """Annotate `tile_rows`: the heatmap's counter rows of each subnet, read in the same query.

        [start key, used, alive] per tile (256 for a subnet above a /24, none below):
        the heatmap's own query was one more round trip on every view of a big subnet.
        """
        from ipam.models import UsageCount
        from ipam.usage import TILE

        tiles = UsageCount.objects.filter(subnet=OuterRef("pk"), kind=TILE)
        return self.annotate(tile_rows=json_rows(tiles, "subnet", "start_key", "used", "alive"))

    def for_tree(self) -> SubnetQuerySet:
        """Subnets as the tree shows them: usage in the same query, whether they have children."""
        from ipam.models import Subnet

        return (
            self.with_usage()
            .with_tag_chips()
            .select_related("vrf", "vlan")
            .annotate(has_children=Exists(Subnet.objects.filter(parent=OuterRef("pk"))))
        )


class HostQuerySet(TaggedQuerySet["Host"]):
    def alive(self) -> HostQuerySet:
        return self.filter(status="up")

    def stale(self, days: int = 30) -> HostQuerySet:
        """Documented hosts not seen for `days` days (or never seen)."""
        horizon = timezone.now() - timedelta(days=days)
        return self.filter(Q(last_seen__lt=horizon) | Q(last_seen__isnull=True))

    def in_network(self, network: IPNetwork, vrf_key: int | None = None) -> HostQuerySet:
        qs = self.filter(
            family=network.version,
            key__gte=to_key(int(network.network_address)),
            key__lte=to_key(int(network.broadcast_address)),
        )
        return qs.filter(vrf_key=vrf_key) if vrf_key is not None else qs

    def at(self, address: IPAddress, vrf_key: int = 0) -> HostQuerySet:
        return self.filter(vrf_key=vrf_key, family=address.version, key=address_key(address))

    def search_fields(self, **kwargs: object) -> HostQuerySet:
        return self.filter(**kwargs)


def tag_names(host_ids: Collection[int]) -> dict[int, list[str]]:
    """The tag names of those hosts that have tags, in name order: one query for a page.

    Plain SQL: building the ORM's IN of a thousand ids cost more than running it.
    """
    from ipam.models import Host, Tag

    names: dict[int, list[str]] = {}
    if not host_ids:
        return names
    links, tags = Host.tags.through._meta.db_table, Tag._meta.db_table
    ids: list[Any] = list(host_ids)
    # PostgreSQL gets the ids as one array: a thousand parameters took longer to bind
    # than the query to run.
    if connection.vendor == "postgresql":
        where, ids = "l.host_id = ANY(%s::bigint[])", [ids]
    else:
        where = f"l.host_id IN ({', '.join(['%s'] * len(ids))})"
    with connection.cursor() as cursor:
        sql = f"SELECT l.host_id, t.name FROM {links} l JOIN {tags} t ON t.id = l.tag_id"  # noqa: S608 — table names and placeholders only
        cursor.execute(f"{sql} WHERE {where} ORDER BY t.name", ids)
        for host_id, name in cursor.fetchall():
            names.setdefault(host_id, []).append(name)
    return names


class IsoTime(Func):
    """A time as ISO 8601 text in UTC, written by the database: "2026-11-29T16:45:19.785714Z".

    Reading each time as a datetime and writing it back as text was half the
    cost of an API list page and a fifth of a CSV export; the database's own
    text needs no work in Python. As Python's isoformat() writes it: the fraction
    has six digits, or none when it is zero. `suffix` names UTC: "Z" as the API
    writes it, "+00:00" as isoformat() does.
    """

    arity = 1
    output_field = CharField()

    def __init__(self, expression: str, suffix: str = "Z") -> None:
        super().__init__(expression)
        self.suffix = suffix

    def as_sqlite(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        # Django stores times on SQLite as UTC text, "2026-11-29 16:45:19[.785714]".
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(replace({sql}, ' ', 'T') || %s)", (*params, self.suffix)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        # One to_char and a replace: a CASE on the fraction cost PostgreSQL half as much again.
        sql, params = compiler.compile(self.source_expressions[0])
        text = f"""to_char({sql} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
        return f"(replace({text}, '.000000', '') || %s)", (*params, self.suffix)

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, Sequence[Any]]:
        # Another database: the column as its driver reads it (a datetime).
        return compiler.compile(self.source_expressions[0])
