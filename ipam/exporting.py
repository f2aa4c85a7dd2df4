"""CSV export of filtered lists, streamed row by row; columns re-import unchanged.

Hosts are the big list (100,000 rows and more) and take each database's fast
road. On SQLite, Python writes them: plain values through csv.writer, tags and
subnets fetched per chunk (`_host_rows`). On PostgreSQL that road cannot keep up
with SQLite (raw rows through csv.writer alone take longer than SQLite's whole
export), so the database writes each line (`HostLine`): the query returns one
text column, the finished line, read through a server-side cursor in chunks and
sent on in blocks. The bytes are the same on both: csv.writer's minimal quoting,
CR LF line ends, `_safe`'s defusing of the typed cells, the tags in name order.
Not COPY ... CSV: it writes `""` for an empty string and LF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, cast

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Func, Model, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler

from ipam.models import VLAN, Host, Subnet, Tag
from ipam.querysets import IsoTime, SubnetQuerySet, tag_names

COLUMNS: dict[str, list[str]] = {
    "vlans": ["vid", "name", "description", "colour", "tags"],
    "subnets": [
        "network",
        "vrf",
        "name",
        "description",
        "vlan",
        "tags",
        "scan_enabled",
        "scan_interval",
        "used",
        "usable",
    ],
    "hosts": [
        "address",
        "vrf",
        "subnet",
        "hostname",
        "description",
        "mac",
        "tags",
        "notes",
        "status",
        "last_seen",
        "origin",
    ],
}
CHUNK = 2000
# Lines per piece of the response: one write per line made it a stream of tiny pieces.
BLOCK = 500


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _tags(obj: VLAN | Subnet) -> str:
    return ",".join(t.name for t in obj.tags.all())


def vlan_row(vlan: VLAN) -> list[object]:
    return [vlan.vid or "", vlan.name, vlan.description, vlan.colour, _tags(vlan)]


def subnet_row(subnet: Subnet) -> list[object]:
    return [
        subnet.network,
        subnet.vrf.name if subnet.vrf else "",
        subnet.name,
        subnet.description,
        (subnet.vlan.vid or subnet.vlan.name) if subnet.vlan else "",
        _tags(subnet),
        "yes" if subnet.scan_enabled else "no",
        subnet.scan_interval,
        getattr(subnet, "used", ""),
        subnet.usable,
    ]


# What a host row reads: plain values, no model objects (100,000 rows stream in seconds);
# `last_seen` as the database writes it in isoformat()'s form.
HOST_VALUES = (
    "id",
    "address",
    "subnet_id",
    "hostname",
    "description",
    "mac",
    "notes",
    "status",
    IsoTime("last_seen", suffix="+00:00"),
    "origin",
)


def _host_rows(queryset: QuerySet[Model]) -> Iterator[list[object]]:
    """Host rows in chunks: per chunk one query for tags and one for subnets not seen yet.

    Only the cells people type are defused (`_safe`): addresses, networks, times and
    choices cannot start a formula, and a check per cell was a third of the export.
    """
    subnets: dict[int, tuple[str, object]] = {}
    rows = queryset.values_list(*HOST_VALUES).iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        tags = tag_names([row[0] for row in chunk])
        missing = {row[2] for row in chunk} - subnets.keys()
        if missing:
            found = Subnet.objects.filter(pk__in=missing).values_list("pk", "network", "vrf__name")
            subnets.update({pk: (network, _safe(vrf or "")) for pk, network, vrf in found})
        for pk, address, subnet_id, hostname, desc, mac, notes, status, seen, origin in chunk:
            network, vrf = subnets[subnet_id]
            yield [
                address,
                vrf,
                network,
                _safe(hostname),
                _safe(desc),
                _safe(mac),
                _safe(",".join(tags.get(pk, ()))),
                _safe(notes),
                status,
                seen or "",
                origin,
            ]


# A piece of SQL and its parameters.
SQL = tuple[str, Sequence[Any]]


def _sql(*pieces: SQL | str) -> SQL:
    """The pieces' SQL run together, their parameters in the order the text names them."""
    text: list[str] = []
    params: list[Any] = []
    for piece in pieces:
        sql, values = (piece, ()) if isinstance(piece, str) else piece
        text.append(sql)
        params.extend(values)
    return "".join(text), params


def _joined(cells: Sequence[SQL], separator: str) -> SQL:
    pieces: list[SQL | str] = []
    for cell in cells:
        pieces += [separator, cell] if pieces else [cell]
    return _sql(*pieces)


# csv.writer quotes a cell holding the delimiter, the quote or a line-end character
# (as a PostgreSQL regex); `_safe` defuses a cell whose first character is in FORMULA.
NEEDS_QUOTES = """'[,"\\r\\n]'"""


def _starts_formula(text: SQL) -> SQL:
    # ascii() is the first character's code point (0 for ""): cheaper than a regex.
    codes = ", ".join(str(ord(c)) for c in sorted(FORMULA))
    return _sql("ascii(", text, f") IN ({codes})")


def _cell(text: SQL, defused: bool) -> SQL:
    """SQL writing the NOT NULL text `text` as `_safe` (if `defused`) and csv.writer do."""
    quoted = _sql("""'"' || replace(""", text, """, '"', '""') || '"'""")
    if not defused:
        return _sql("CASE WHEN ", text, f" ~ {NEEDS_QUOTES} THEN ", quoted, " ELSE ", text, " END")
    # The defusing quote needs no quoting itself: quote the cell as typed, the prefix inside.
    prefix = _sql("CASE WHEN ", _starts_formula(text), " THEN '''' ELSE '' END")
    quoted = _sql("""'"' || """, prefix, " || replace(", text, """, '"', '""') || '"'""")
    return _sql(
        "CASE WHEN ",
        text,
        f" ~ {NEEDS_QUOTES} THEN ",
        quoted,
        " ELSE ",
        prefix,
        " || ",
        text,
        " END",
    )


class HostLine(Func):
    """A host's CSV line, byte for byte as `_host_rows` and csv.writer write it, by PostgreSQL.

    Each cell as csv.writer's QUOTE_MINIMAL writes it: quoted when it holds `,`
    `"` CR or LF, its quotes doubled; the typed cells defused first, as `_safe`
    does; NULL as empty. The tags are joined with "," in name order, as
    `tag_names` gives them. No line end: the caller joins lines with CR LF.

    `hosts` is the exported queryset: the tags of its hosts are read once, not
    once per row (see `_tags_cell`).
    """

    output_field = TextField()
    # How each cell is written, in COLUMNS["hosts"]'s order (see __init__).
    CELLS = (
        "quoted",  # address
        "defused",  # vrf
        "quoted",  # subnet
        "defused",  # hostname
        "defused",  # description
        "defused",  # mac
        "tags",  # by the host's id
        "defused",  # notes
        "quoted",  # status
        "plain",  # last_seen: ISO text, nothing to quote
        "quoted",  # origin
    )

    def __init__(self, hosts: QuerySet[Model]) -> None:
        super().__init__(
            F("address"),
            Coalesce("subnet__vrf__name", Value("")),
            F("subnet__network"),
            F("hostname"),
            F("description"),
            F("mac"),
            F("pk"),
            F("notes"),
            F("status"),
            Coalesce(IsoTime("last_seen", suffix="+00:00"), Value("")),
            F("origin"),
            Subquery(hosts.order_by().values("pk")),
        )

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        *cells, hosts = [compiler.compile(e) for e in self.source_expressions]
        tags = self.CELLS.index("tags")
        before = self._part(self.CELLS[:tags], cells[:tags])
        after = self._part(self.CELLS[tags + 1 :], cells[tags + 1 :])
        return _sql(
            "(",
            before,
            " || ',' || ",
            _tags_cell(cells[tags], hosts, connection),
            " || ',' || ",
            after,
            ")",
        )

    @staticmethod
    def _part(kinds: Sequence[str], cells: Sequence[SQL]) -> SQL:
        """The cells joined with ",", each cell checked only in a row that needs it.

        Almost every row needs neither quotes nor defusing: one regex over the
        row's cells run together and a look at the first character of each typed
        cell find the others, where checking each cell was half of PostgreSQL's work.
        """
        typed = [_starts_formula(c) for k, c in zip(kinds, cells, strict=True) if k == "defused"]
        checked = [c for k, c in zip(kinds, cells, strict=True) if k != "plain"]
        written = [
            cell if kind == "plain" else _cell(cell, defused=kind == "defused")
            for kind, cell in zip(kinds, cells, strict=True)
        ]
        return _sql(
            "CASE WHEN (",
            _joined(checked, " || "),
            f") ~ {NEEDS_QUOTES} OR ",
            _joined(typed, " OR "),
            " THEN ",
            _joined(written, " || ',' || "),
            " ELSE ",
            _joined(cells, " || ',' || "),
            " END",
        )

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> SQL:
        raise NotImplementedError("HostLine is PostgreSQL's: other databases use _host_rows.")


def _tags_cell(host_id: SQL, hosts: SQL, connection: BaseDatabaseWrapper) -> SQL:
    """SQL writing the tags cell of the host `host_id`, one of the hosts `hosts` selects.

    The cells of all those hosts that have tags are made once, as one JSON object
    by host id (an InitPlan), that each row looks up: a subquery per row was two
    thirds of PostgreSQL's work, and still a third when run only for hosts with tags.
    """
    links = connection.ops.quote_name(Host.tags.through._meta.db_table)
    tags = connection.ops.quote_name(Tag._meta.db_table)
    # Table names only, no values.
    names = (
        "SELECT l.host_id, string_agg(t.name, ',' ORDER BY t.name) AS names"  # noqa: S608
        f" FROM {links} l JOIN {tags} t ON t.id = l.tag_id WHERE l.host_id IN "
    )
    cell = _cell(("x.names", ()), defused=True)
    return _sql(
        "coalesce((SELECT jsonb_object_agg(x.host_id, ",
        cell,
        f") FROM ({names}",
        hosts,
        " GROUP BY l.host_id) x) ->> (",
        host_id,
        ")::text, '')",
    )


def prepare(kind: str, queryset: QuerySet[Model]) -> QuerySet[Model]:
    """The queryset with what each row needs, fetched in bulk: a few queries per chunk."""
    if kind == "subnets":
        subnets = (
            cast(SubnetQuerySet, queryset).select_related("vrf", "vlan").prefetch_related("tags")
        )
        return subnets.with_usage()
    return queryset.prefetch_related("tags")


ROWS = {"vlans": vlan_row, "subnets": subnet_row}


def stream_csv(kind: str, queryset: QuerySet[Model]) -> Iterator[str]:
    """CSV lines of the queryset, read in chunks so memory stays flat for big sets."""
    if kind == "hosts" and connections[queryset.db].vendor == "postgresql":
        return hosts_written_by_postgresql(queryset)
    return written_by_python(kind, queryset)


def written_by_python(kind: str, queryset: QuerySet[Model]) -> Iterator[str]:
    """The CSV of the queryset, each row's cells written by csv.writer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS[kind])
    if kind == "hosts":
        rows = _host_rows(queryset)  # defused cell by cell
    else:
        row: Any = ROWS[kind]
        objects = prepare(kind, queryset).iterator(chunk_size=CHUNK)
        rows = ([_safe(v) for v in row(obj)] for obj in objects)
    while block := list(islice(rows, BLOCK)):
        writer.writerows(block)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    if rest := out.getvalue():  # the header of an empty list
        yield rest


def hosts_written_by_postgresql(queryset: QuerySet[Model]) -> Iterator[str]:
    """The hosts' CSV, each line written by PostgreSQL (`HostLine`), the same bytes."""
    out = io.StringIO()
    csv.writer(out).writerow(COLUMNS["hosts"])
    yield out.getvalue()
    lines = queryset.values_list(HostLine(queryset), flat=True).iterator(chunk_size=CHUNK)
    while block := list(islice(lines, BLOCK)):
        yield "\r\n".join(block) + "\r\n"


FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    """Defuse spreadsheet formulas: a cell starting with = + - @ is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value
