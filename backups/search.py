"""Config search across devices, in current configs and in history.

Every distinct line is searched once (in the packs), whatever the number of
devices and versions holding it; the matching lines' postings give the devices;
only the devices on the page shown have their version chains decoded, to find
which versions (as date ranges) hold a match and the lines around it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress, count, islice
from typing import NamedTuple

from django.db import connection

from backups import linestore, store
from backups.models import ConfigLine, ConfigVersion

MAX_LINES = 20_000
MAX_PATTERN = 200
# A quantified group that itself holds a quantifier, such as (a+)+ or (x*y)*: the
# shape behind catastrophic backtracking. Refused, since a search runs in a request.
NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")


class SearchError(ValueError):
    """The query cannot be searched; the message says what to change."""


@dataclass(frozen=True)
class VersionRange:
    """Consecutive versions of one device that hold a match."""

    first_seq: int
    last_seq: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True)
class Excerpt:
    """A matching line with its neighbours: (line number, text, is_match) triples."""

    lines: tuple[tuple[int, str, bool], ...]


@dataclass
class DeviceHits:
    """Where one device's configurations match."""

    device_id: int
    device_name: str
    current: bool
    ranges: list[VersionRange]
    excerpts: list[Excerpt] = field(default_factory=list)
    latest_seq: int = 0


@dataclass
class Results:
    query: str
    regex: bool
    devices: int  # devices whose history (or current config) matched, before paging
    lines: int  # distinct lines matched
    hits: list[DeviceHits]
    elapsed_ms: float
    truncated: bool = False


def compile_query(query: str, *, regex: bool, ignore_case: bool) -> re.Pattern[str] | None:
    """Validate the query; a compiled pattern for a regex, None for a substring."""
    if not query or not query.strip():
        raise SearchError("Enter something to search for.")
    if "\n" in query or "\x00" in query:
        raise SearchError("A search is one line: remove line breaks and NUL characters.")
    if not regex:
        return None
    if len(query) > MAX_PATTERN:
        raise SearchError(f"A regular expression is at most {MAX_PATTERN} characters.")
    if NESTED_QUANTIFIER.search(query):
        raise SearchError(
            "Nested quantifiers such as (a+)+ can take minutes to search: rewrite the "
            "expression without a repeated group that itself repeats."
        )
    try:
        return re.compile(query, re.MULTILINE | (re.IGNORECASE if ignore_case else 0))
    except re.error as exc:
        raise SearchError(f"Not a valid regular expression: {exc}.") from None


def matching_lines(
    query: str, *, regex: bool = False, ignore_case: bool = True
) -> tuple[list[int], bool]:
    """Ids of the distinct lines that match, and whether the list was cut at MAX_LINES."""
    pattern = compile_query(query, regex=regex, ignore_case=ignore_case)
    found: list[int] = []
    for pack in store.packs():
        if pattern is None:
            found.extend(pack.find(query, ignore_case=ignore_case))
        else:
            # `^` and `$` anchor at line ends in the pack text; a `.` never crosses one.
            found.extend(pack.search(pattern))
        if len(found) > MAX_LINES:
            return found[:MAX_LINES], True
    return found, False


def devices_holding(line_ids: Collection[int]) -> set[int]:
    """The devices that ever held any of these lines (their postings, merged)."""
    holders: set[int] = set()
    ids = sorted(line_ids)
    table = connection.ops.quote_name(ConfigLine._meta.db_table)
    with connection.cursor() as cursor:
        # Plain SQL: the ORM spends more on thousands of IN parameters than the database.
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT devices FROM {table} WHERE id IN ({marks})", chunk)  # noqa: S608
            for (blob,) in cursor.fetchall():
                holders.update(linestore.decode_postings(bytes(blob)))
    return holders


def search(
    query: str,
    *,
    regex: bool = False,
    ignore_case: bool = True,
    devices: dict[int, str] | None = None,
    current_only: bool = False,
    limit: int = 50,
    context: int = 2,
) -> Results:
    """Search configs. `devices` (id → name) limits the search to those devices."""
    started = time.perf_counter()
    line_ids, truncated = matching_lines(query, regex=regex, ignore_case=ignore_case)
    matched = set(line_ids)
    holders = devices_holding(matched)
    if devices is not None:
        holders &= set(devices)
    names = devices if devices is not None else _names(holders)
    ordered = sorted(holders, key=lambda d: (names.get(d, ""), d))
    hits: list[DeviceHits] = []
    # Devices are looked at a page at a time; with current_only some may not qualify.
    for page_start in range(0, len(ordered), limit):
        if len(hits) >= limit:
            break
        page = ordered[page_start : page_start + limit]
        chains = _chains(page)
        for device_id in page:
            rows = chains.get(device_id)
            hit = _device_hits(rows, names.get(device_id, ""), matched, context) if rows else None
            if hit is not None and (hit.current or not current_only) and len(hits) < limit:
                hits.append(hit)
    _fill_texts(hits)
    return Results(
        query=query,
        regex=regex,
        devices=len(ordered),
        lines=len(matched),
        hits=hits,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        truncated=truncated,
    )


def _names(device_ids: set[int]) -> dict[int, str]:
    """Device names for sorting: from the inventory (one row per device, not per version)."""
    from inventory.models import Device

    if len(device_ids) > 900:  # most of the fleet: reading every name beats an IN list
        table = connection.ops.quote_name(Device._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, name FROM {table}")  # noqa: S608
            return {pk: name for pk, name in cursor.fetchall() if pk in device_ids}
    return dict(Device.objects.filter(pk__in=device_ids).values_list("pk", "name"))


class _Version(NamedTuple):
    """What a search reads of a version (plain rows: building models costs more)."""

    device_id: int
    device_name: str
    seq: int
    keyframe: bool
    lines: bytes
    first_seen: datetime
    last_seen: datetime


def _chains(device_ids: list[int]) -> dict[int, list[_Version]]:
    """Each device's versions, oldest first, in one query."""
    chains: dict[int, list[_Version]] = {}
    rows = (
        ConfigVersion.objects.filter(device_id__in=device_ids)
        .order_by("device_id", "seq")
        .values_list(*_Version._fields)
    )
    for row in rows:
        version = _Version(*row)
        chains.setdefault(version.device_id, []).append(version)
    return chains


def _device_hits(
    versions: list[_Version], name: str, matched: set[int], context: int
) -> DeviceHits | None:
    links = [linestore.Link(v.keyframe, bytes(v.lines)) for v in versions]
    flags, ids = linestore.walk(links, matched)
    spans = linestore.ranges(flags)
    if not spans:
        return None
    ranges = [
        VersionRange(
            first_seq=versions[a].seq,
            last_seq=versions[b].seq,
            first_seen=versions[a].first_seen,
            last_seen=versions[b].last_seen,
        )
        for a, b in spans
    ]
    newest = spans[-1][1]
    hits = DeviceHits(
        device_id=versions[0].device_id or 0,
        device_name=name or versions[-1].device_name,
        current=flags[-1],
        ranges=list(reversed(ranges)),
        latest_seq=versions[newest].seq,
    )
    positions = list(islice(compress(count(), map(matched.__contains__, ids)), 5))
    for position in positions:
        window = range(max(0, position - context), min(len(ids), position + context + 1))
        # Texts are filled in afterwards for every device at once; keep ids for now.
        hits.excerpts.append(
            Excerpt(tuple((i + 1, str(ids[i]), ids[i] in matched) for i in window))
        )
    return hits


def _fill_texts(hits: list[DeviceHits]) -> None:
    wanted = {int(text) for hit in hits for ex in hit.excerpts for _, text, _ in ex.lines}
    found = store.texts(wanted)
    for hit in hits:
        hit.excerpts = [
            Excerpt(tuple((n, found.get(int(t), ""), m) for n, t, m in ex.lines))
            for ex in hit.excerpts
        ]
