"""The subnet view's address flow: hosts, child subnets and collapsed free runs, in order.

Also the paging of that view: which page a request's parameters ask for
(`address_page`), the "alive first" order, and where a jump into a child goes.

Work per page is bounded by the page size: at most `limit` rows (hosts, children
and free runs) are shown, and at most `limit` direct hosts and `limit` children
are read after the cursor, whatever the subnet's size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from typing import TYPE_CHECKING, TypeAlias

from django.core.exceptions import ValidationError
from django.urls import reverse

from ipam.addresses import (
    IPAddress,
    IPNetwork,
    parse_address,
    parse_network,
    to_key,
    usable_bounds,
)
from ipam.querysets import TagChip, tag_chips

if TYPE_CHECKING:
    from django.db.models import Expression

    from ipam.models import Flow, Host, Subnet
    from ipam.querysets import HostQuerySet

Columns: TypeAlias = "dict[str, Expression]"


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


@dataclass(frozen=True)
class MarkItem:
    """An address with a role in the subnet that no host holds: network, gateway, broadcast."""

    address: IPAddress
    role: str  # "network", "gateway" or "broadcast"
    kind = "mark"

    @property
    def assignable(self) -> bool:
        return self.role == "gateway"


# One row of Subnet.flow(), and one row of a page of the subnet view.
FlowItem: TypeAlias = HostItem | ChildItem | FreeRun
PageItem: TypeAlias = FlowItem | MarkItem


def marks(subnet: Subnet) -> dict[int, str]:
    """The addresses of a subnet with a role, by integer value: network, broadcast, gateway.

    IPv4 blocks up to /30 have a network and a broadcast address; IPv6 blocks up
    to /126 keep back the subnet-router anycast address, shown as the network.
    """
    net = subnet.ip_network
    first, last = usable_bounds(net)
    found: dict[int, str] = {}
    if first > int(net.network_address):
        found[int(net.network_address)] = "network"
    if last < int(net.broadcast_address):
        found[int(net.broadcast_address)] = "broadcast"
    if subnet.gateway:
        found[int(parse_address(subnet.gateway))] = "gateway"
    return found


def _insert_marks(
    items: list[FlowItem], roles: dict[int, str], lo: int, hi: int, family: int
) -> list[PageItem]:
    """Add a row for each role address from `lo` to `hi` that no host or child holds.

    A free run holding the gateway is split around it; hosts and children are
    left alone (a host on the gateway address is marked by its own row).
    """
    pending = sorted(a for a in roles if lo <= a <= hi)
    if not pending:
        return list(items)

    def mark(value: int) -> MarkItem:
        return MarkItem(_addr(value, family), roles[value])

    out: list[PageItem] = []
    for item in items:
        if isinstance(item, FreeRun):
            first, last = int(item.first), int(item.last)
            while pending and pending[0] < first:
                out.append(mark(pending.pop(0)))
            position = first
            while pending and pending[0] <= last:
                value = pending.pop(0)
                if value > position:
                    out.append(
                        FreeRun(
                            item.first if position == first else _addr(position, family),
                            _addr(value - 1, family),
                        )
                    )
                out.append(mark(value))
                position = value + 1
            if position <= last:
                out.append(
                    item if position == first else FreeRun(_addr(position, family), item.last)
                )
            continue
        start = (
            int(item.host.ip_address)
            if isinstance(item, HostItem)
            else int(item.subnet.start_key, 16)
        )
        end = start if isinstance(item, HostItem) else int(item.subnet.end_key, 16)
        while pending and pending[0] < start:
            out.append(mark(pending.pop(0)))
        while pending and pending[0] <= end:
            pending.pop(0)  # held by this host or child
        out.append(item)
    out.extend(mark(value) for value in pending)
    return out


def _addr(value: int, family: int) -> IPAddress:
    return IPv4Address(value) if family == 4 else IPv6Address(value)


# What a host row of the subnet view shows (templates/jinja2/ipam/rows.html), and
# what paging reads: the other columns are left unread (four of them datetimes,
# parsed per row on SQLite). In the model's field order: Host.from_db reads them so.
ROW_FIELDS = (
    "id", "address", "family", "key", "subnet_id", "hostname", "ptr_name", "description",
    "status", "latency_ms", "last_seen",
)  # fmt: skip
KEY = ROW_FIELDS.index("key")


def page_hosts(hosts: HostQuerySet, columns: Columns | None = None) -> HostQuerySet:
    """`hosts` with the columns the subnet view's rows show, their tags (`with_tags`) and
    `columns` (more values read with each host, as `ipam.owners.columns()`)."""
    return hosts.only(*ROW_FIELDS).with_tag_chips().annotate(**(columns or {}))


def with_tags(hosts: list[Host]) -> list[Host]:
    """Set `host.tag_list` on every host, as plain (name, colour) pairs.

    `host.tags.all()` in a row builds a manager and a queryset per host, and a
    prefetch builds them too, with a Tag per host and tag: together more than
    the rest of the row. Hosts read by `page_hosts()` brought their tags along;
    the others' are read in one query.
    """
    from ipam.models import Host

    if all(hasattr(host, "tag_rows") for host in hosts):
        for host in hosts:
            host.tag_list = tag_chips(host)  # type: ignore[attr-defined]
        return hosts
    chips: dict[int, list[TagChip]] = {}
    if hosts:
        pairs = (
            Host.tags.through.objects.filter(host_id__in=[h.pk for h in hosts])
            .order_by("tag__name")
            .values_list("host_id", "tag__name", "tag__colour")
        )
        for host_id, name, colour in pairs:
            chips.setdefault(host_id, []).append(TagChip(name, colour))
    for host in hosts:
        host.tag_list = chips.get(host.pk, [])  # type: ignore[attr-defined]
    return hosts


def _free(lo: int, hi: int, usable: tuple[int, int], family: int) -> FreeRun | None:
    lo, hi = max(lo, usable[0]), min(hi, usable[1])
    if lo > hi:
        return None
    return FreeRun(_addr(lo, family), _addr(hi, family))


def build_flow(
    subnet: Subnet, after: str | None = None, limit: int = 256, columns: Columns | None = None
) -> Flow:
    from ipam.models import Flow, Host

    start = int(subnet.start_key, 16)
    end = int(subnet.end_key, 16)
    usable = usable_bounds(subnet.ip_network)
    cursor = int(after, 16) + 1 if after else start
    cursor_key = to_key(cursor)

    # The row's columns as plain values, in the same query as the keys; a Host only
    # for the rows shown: in a sparse subnet a free run comes before each host, so a
    # page shows half the hosts it looks past.
    extra = ("tag_rows", *(columns or {}))
    values = {
        row[KEY]: row
        for row in page_hosts(subnet.hosts.filter(key__gte=cursor_key), columns)
        .order_by("key")
        .values_list(*ROW_FIELDS, *extra)[: limit + 1]
    }
    keys = list(values)
    children = list(
        subnet.children.filter(start_key__gte=cursor_key)
        .with_usage()
        .order_by("start_key")[: limit + 1]
    )

    used: list[tuple[int, int, str | ChildItem]] = [(int(k, 16), int(k, 16), k) for k in keys]
    used += [(int(c.start_key, 16), int(c.end_key, 16), ChildItem(c)) for c in children]
    used.sort(key=lambda t: t[0])

    items: list[FlowItem | str] = []
    position = cursor
    # Each list was read one past the limit, so the first `limit` merged items
    # are exactly the first `limit` used items after the cursor. A page holds
    # `limit` rows, free runs included: a sparse /8 is no longer twice a /24's rows.
    more = len(used) > limit
    for lo, hi, item in used[:limit]:
        gap = _free(position, lo - 1, usable, subnet.family)
        if gap is not None:
            if len(items) == limit:
                more = True
                break
            items.append(gap)
            position = lo
        if len(items) == limit:
            more = True
            break
        items.append(item)
        position = hi + 1
    if not more:
        gap = _free(position, end, usable, subnet.family)
        if gap is not None and len(items) == limit:
            more = True  # the last free run opens the next page
        elif gap is not None:
            items.append(gap)
    next_cursor = to_key(position - 1) if more else None
    db = subnet._state.db or "default"
    hosts = {}
    width = len(ROW_FIELDS)
    for key in items:
        if isinstance(key, str):
            host = hosts[key] = Host.from_db(db, ROW_FIELDS, values[key][:width])
            for name, value in zip(extra, values[key][width:], strict=True):
                setattr(host, name, value)
    with_tags(list(hosts.values()))
    rows = [HostItem(hosts[item]) if isinstance(item, str) else item for item in items]
    # Read from the subnet's start and not cut: every child, which the free prefixes
    # of the same page need too.
    every_child = children if cursor == start and len(children) <= limit else None
    return Flow(items=rows, next_cursor=next_cursor, children=every_child)


# --- one page of the subnet view ------------------------------------------------------

# Every page is bounded by what it shows, never by the subnet's size: a /8's first
# page draws as many rows as a /24 half in use (a sparse subnet's page is a free run
# before each host), and "Load more" adds the next ones in place.
FLOW_PAGE = 128


@dataclass
class AddressPage:
    """What the address flow of the subnet view shows for one request."""

    items: list[PageItem]
    next_url: str
    mode: str  # "flow", "alive" or "sorted"
    start: IPAddress | None = None
    range: IPNetwork | None = None
    error: str = ""
    sort: str = ""  # the column a "sorted" page is sorted by ("-" first: descending)
    children: list[Subnet] | None = None  # every child, when the flow read them all


def flow_url(subnet: Subnet, **params: object) -> str:
    """The subnet view's URL with the given query parameters (empty ones left out)."""
    query = "&".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))
    return f"{reverse('ipam:subnet_detail', args=[subnet.pk])}?{query}"


def _clip_to(items: list[PageItem], end: int) -> tuple[list[PageItem], bool]:
    """Items up to the address `end`; True when the flow went past it."""
    kept: list[PageItem] = []
    for item in items:
        if isinstance(item, FreeRun):
            if int(item.first) > end:
                return kept, True
            if int(item.last) > end:
                kept.append(FreeRun(item.first, _addr(end, item.first.version)))
                return kept, True
        elif isinstance(item, HostItem):
            if int(item.host.ip_address) > end:
                return kept, True
        elif isinstance(item, MarkItem):
            if int(item.address) > end:
                return kept, True
        elif int(item.subnet.start_key, 16) > end:
            return kept, True
        kept.append(item)
    return kept, False


# Columns of the subnet view that sort by a click on their header: the name in the
# query string, then the database order (the address breaks ties; empty values last).
SORTS: dict[str, tuple[str, ...]] = {
    "status": ("status",),
    "hostname": ("hostname",),
    "description": ("description",),
    "last_seen": ("last_seen",),
    "latency": ("latency_ms",),
}


@dataclass(frozen=True)
class Column:
    """A header of the subnet view's table: its label, and how a click sorts by it."""

    label: str
    name: str = ""  # the sort name; empty: the column does not sort
    url: str = ""
    aria_sort: str = ""  # "ascending", "descending" or "" (not sorted by it)


def columns(subnet: Subnet, sort: str) -> list[Column]:
    """The table's headers: a sorted column links to the other direction, others to ascending."""
    base = reverse("ipam:subnet_detail", args=[subnet.pk])
    current, descending = sort.lstrip("-"), sort.startswith("-")
    out: list[Column] = []
    for label, name in (
        ("Status", "status"),
        ("Address", "address"),
        ("Hostname", "hostname"),
        ("Description", "description"),
        ("Tags", ""),
        ("Last seen", "last_seen"),
        ("Latency", "latency"),
    ):
        if not name:
            out.append(Column(label))
            continue
        active = current == name or (name == "address" and not current)
        direction = ("descending" if descending else "ascending") if active else ""
        if name == "address":
            # Address order is the flow itself (free runs and children between hosts).
            out.append(Column(label, name, base, direction))
            continue
        flip = f"-{name}" if active and not descending else name
        out.append(Column(label, name, f"{base}?sort={flip}", direction))
    return out


def sorted_page(
    subnet: Subnet, sort: str, page: str, columns: Columns | None = None
) -> AddressPage:
    """Hosts of the subnet's whole range sorted by one column, FLOW_PAGE rows a page."""
    from django.db.models import F

    name, descending = sort.lstrip("-"), sort.startswith("-")
    fields = SORTS[name]
    order = [
        F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in fields
    ]
    number = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    offset = (number - 1) * FLOW_PAGE
    hosts = page_hosts(subnet.host_range(), columns).order_by(*order, "key")
    rows = list(hosts[offset : offset + FLOW_PAGE + 1])
    next_url = ""
    if len(rows) > FLOW_PAGE:
        next_url = flow_url(subnet, sort=sort, page=number + 1)
    shown = with_tags(rows[:FLOW_PAGE])
    return AddressPage([HostItem(h) for h in shown], next_url, "sorted", sort=sort)


def address_page(
    subnet: Subnet, params: Mapping[str, str], columns: Columns | None = None
) -> AddressPage:
    """Parse the subnet view's parameters (start, range, cursor, order, sort); read one page.

    `columns` are read with each host and set on it (`page_hosts`).
    """
    if params.get("order") == "alive":
        return alive_page(subnet, params.get("after", ""), columns)
    sort = params.get("sort", "")
    if sort.lstrip("-") in SORTS:
        return sorted_page(subnet, sort, params.get("page", ""), columns)
    after = params.get("after") or None
    if after and (len(after) != 32 or not all(c in "0123456789abcdef" for c in after)):
        return AddressPage([], "", "flow", error="That page link is damaged: start again.")
    start: IPAddress | None = None
    span = None
    try:
        if params.get("range"):
            span = parse_network(params["range"].strip())
            start = span.network_address
        elif params.get("jump"):
            start = parse_address(params["jump"].strip())
    except ValidationError as error:
        return AddressPage([], "", "flow", error=" ".join(error.messages))
    if start is not None and not subnet.contains(start):
        return AddressPage([], "", "flow", error=f"{start} is not inside {subnet.network}.")
    if after is None and start is not None and int(start) > int(subnet.start_key, 16):
        after = to_key(int(start) - 1)
    flow = subnet.flow(after=after, limit=FLOW_PAGE, columns=columns)
    cursor = flow.next_cursor
    # Network, gateway and broadcast rows within the span this page covers.
    low = int(after, 16) + 1 if after else int(subnet.start_key, 16)
    high = int(cursor, 16) if cursor else int(subnet.end_key, 16)
    items = _insert_marks(flow.items, marks(subnet), low, high, subnet.family)
    if span is not None:
        items, past_end = _clip_to(items, int(span.broadcast_address))
        cursor = None if past_end else cursor
    next_url = flow_url(subnet, after=cursor, range=span or "") if cursor else ""
    return AddressPage(items, next_url, "flow", start=start, range=span, children=flow.children)


def alive_page(subnet: Subnet, after: str, columns: Columns | None = None) -> AddressPage:
    """Hosts of the subnet's whole range, those up first; the cursor is <phase><key>."""
    from ipam.models import HostStatus

    phase, key = (after[:1], after[1:]) if after else ("u", "")
    hosts = page_hosts(subnet.host_range(), columns).order_by("key")
    rows: list[Host] = []
    if phase == "u":
        rows = list(hosts.filter(status=HostStatus.UP, key__gt=key)[: FLOW_PAGE + 1])
        if len(rows) <= FLOW_PAGE:
            phase, key = "o", ""
    if phase == "o":
        rest = hosts.exclude(status=HostStatus.UP).filter(key__gt=key)
        rows += list(rest[: FLOW_PAGE + 1 - len(rows)])
    more = len(rows) > FLOW_PAGE
    rows = rows[:FLOW_PAGE]
    next_url = ""
    if more:
        last = rows[-1]
        cursor = ("u" if last.status == HostStatus.UP else "o") + last.key
        next_url = flow_url(subnet, order="alive", after=cursor)
    return AddressPage([HostItem(h) for h in with_tags(rows)], next_url, "alive")


def child_target(subnet: Subnet, params: Mapping[str, str]) -> str:
    """The child subnet view to show instead, when a jump address or a range lies in a child."""
    jump, span = params.get("jump", "").strip(), params.get("range", "").strip()
    try:
        if span:
            network = parse_network(span)
            first, last = network[0], network[-1]
        elif jump:
            first = last = parse_address(jump)
        else:
            return ""
    except ValidationError:
        return ""  # the page itself explains the mistake
    if not (subnet.contains(first) and subnet.contains(last)):
        return ""
    lo, hi = to_key(int(first)), to_key(int(last))
    child = subnet.children.filter(start_key__lte=lo, end_key__gte=hi).first()
    if child is None:
        return ""
    return flow_url(child, range=span) if span else flow_url(child, jump=jump)
