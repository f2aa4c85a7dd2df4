"""The config store: save a processed configuration, read versions back, search them.

See ``backups/linestore.py`` for the encodings. Here is the ORM side:

- ``save()`` interns the version's lines (new ones are appended to the open
  pack under a row lock, so two workers never give one line two ids), writes a
  new version only when the comparison digest changed (else only ``last_seen`` /
  ``last_checked`` move), and adds the device to the postings of lines it did
  not hold in its previous version.
- ``lines_of()`` decodes a version's chain and reads its lines from the packs.
- Packs are cached per process (sealed packs never change; the open one is
  keyed by its line count), so reading and searching touch the database for
  little more than the list of packs.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from backups import linestore
from backups.linestore import KEYFRAME, PACK_BYTES, Link, Pack
from backups.models import ConfigLine, ConfigVersion, LinePack
from backups.profiles import Processed
from netkeep import bulk

if TYPE_CHECKING:
    from inventory.models import Device

CACHE_BYTES = 256 << 20
_cache: OrderedDict[tuple[int, int, int], Pack] = OrderedDict()
_cache_size = 0
_cache_lock = threading.Lock()


# Packs ---------------------------------------------------------------------


def _cached(key: tuple[int, int, int]) -> Pack | None:
    with _cache_lock:
        pack = _cache.get(key)
        if pack is not None:
            _cache.move_to_end(key)
        return pack


def _remember(key: tuple[int, int, int], pack: Pack) -> None:
    global _cache_size
    with _cache_lock:
        if key in _cache:
            return
        _cache[key] = pack
        _cache_size += len(pack.text)
        while _cache_size > CACHE_BYTES and len(_cache) > 1:
            _, old = _cache.popitem(last=False)
            _cache_size -= len(old.text)


def packs(first_ids: Iterable[int] | None = None) -> list[Pack]:
    """Decompressed packs (all, or those starting at `first_ids`), in id order."""
    rows = LinePack.objects.order_by("first_id")
    if first_ids is not None:
        rows = rows.filter(first_id__in=list(first_ids))
    listing = list(rows.values_list("id", "first_id", "count", "checksum"))
    missing = [pk for pk, first, count, crc in listing if _cached((first, count, crc)) is None]
    if missing:
        for first, count, crc, data in LinePack.objects.filter(pk__in=missing).values_list(
            "first_id", "count", "checksum", "data"
        ):
            _remember((first, count, crc), Pack(first, count, bytes(data), crc))
    result = []
    for _, first, count, crc in listing:
        pack = _cached((first, count, crc))
        if pack is None:  # evicted meanwhile by a huge read: load it again
            data = LinePack.objects.values_list("data", flat=True).get(first_id=first)
            pack = Pack(first, count, bytes(data), crc)
        result.append(pack)
    return result


def texts(ids: Iterable[int]) -> dict[int, str]:
    """The text of each line id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    starts = list(LinePack.objects.order_by("first_id").values_list("first_id", flat=True))
    from bisect import bisect_right

    needed = {starts[bisect_right(starts, i) - 1] for i in wanted if bisect_right(starts, i)}
    return linestore.line_texts(packs(needed), wanted)


# Interning -----------------------------------------------------------------


class _LineIndex:
    """Text → id for every stored line, built from the packs and kept per process.

    Only processes that save configurations (workers) build it. Packs only grow,
    by appends under the open pack's row lock, so a refresh reads only what was
    appended since it last looked. When the packs are not what it indexed (a
    database restored from a backup, a test rolled back), it starts over.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        # first_id -> (line count, checksum, characters indexed, CRC-32 of those characters)
        self.seen: dict[int, tuple[int, int, int, int]] = {}
        self.lock = threading.Lock()

    def refresh(self) -> None:
        listing = {
            f: (n, crc)
            for f, n, crc in LinePack.objects.values_list("first_id", "count", "checksum")
        }
        if any(
            first not in listing or listing[first][0] < seen[0] for first, seen in self.seen.items()
        ):
            self.forget()
        stale = [f for f, (n, crc) in listing.items() if self.seen.get(f, (0, 0))[:2] != (n, crc)]
        if not stale:
            return
        with self.lock:
            for pack in packs(stale):
                count, _, chars, prefix = self.seen.get(pack.first_id, (0, 0, 0, 0))
                if count and zlib.crc32(pack.text[:chars].encode()) != prefix:
                    self.forget()
                    return self.refresh()
                for offset, line in enumerate(pack.lines()[count:], start=count):
                    self.ids.setdefault(line, pack.first_id + offset)
                self.seen[pack.first_id] = (
                    pack.count,
                    pack.checksum,
                    len(pack.text),
                    zlib.crc32(pack.text.encode()),
                )

    def forget(self) -> None:
        self.ids.clear()
        self.seen.clear()


_index = _LineIndex()


def intern(
    lines: Sequence[str], device_id: int | None = None, hint: dict[str, int] | None = None
) -> list[int]:
    """The id of each line, adding lines never seen before (held by `device_id`).

    `hint` maps texts to ids already known (the device's previous version), so that
    only the changed lines are looked up. Call inside a transaction.
    """
    hint = hint or {}
    fresh = [line for line in dict.fromkeys(lines) if line not in hint]
    if fresh:
        _index.refresh()
        missing = [line for line in fresh if line not in _index.ids]
        if missing:
            _append(missing, device_id)
    return [hint[line] if line in hint else _index.ids[line] for line in lines]


def _append(new: list[str], device_id: int | None) -> None:
    """Append new lines to the open pack, under its row lock; seal the pack when full."""
    tail = LinePack.objects.select_for_update().filter(sealed=False).order_by("-first_id").first()
    # Another worker may have added some of these lines since we looked.
    _index.refresh()
    pending = [line for line in new if line not in _index.ids]
    if not pending:
        return
    if tail is None:
        last = LinePack.objects.aggregate(m=Max("first_id"))["m"]
        start = 1 if last is None else _end_of(last)
        tail = LinePack(first_id=start, count=0, size=0, data=linestore.pack_text([]))
    lines = zlib.decompress(bytes(tail.data)).decode().split("\n") if tail.count else []
    holders = linestore.postings([device_id] if device_id is not None else [])
    rows = []
    for line in pending:
        rows.append(ConfigLine(id=tail.first_id + len(lines), devices=holders))
        lines.append(line)
    tail.count = len(lines)
    tail.size = sum(len(line) + 1 for line in lines)
    tail.data = linestore.pack_text(lines)
    tail.checksum = zlib.crc32(tail.data)
    tail.sealed = tail.size >= PACK_BYTES
    tail.save()
    ConfigLine.objects.bulk_create(rows, batch_size=2000)
    _index.refresh()


def _end_of(first_id: int) -> int:
    pack = LinePack.objects.get(first_id=first_id)
    return pack.first_id + pack.count


# Versions ------------------------------------------------------------------


def chain(
    device_id: int | None, upto_seq: int | None = None
) -> list[tuple[ConfigVersion, list[int]]]:
    """A device's versions with their line ids, oldest first (up to `upto_seq`)."""
    versions = ConfigVersion.objects.chain_for(device_id)
    if upto_seq is not None:
        versions = versions.filter(seq__lte=upto_seq)
    rows = list(versions.defer("secrets"))
    if not rows:
        return []
    decoded = linestore.decode_chain([Link(v.keyframe, bytes(v.lines)) for v in rows])
    return list(zip(rows, decoded, strict=True))


def ids_of(version: ConfigVersion) -> list[int]:
    for row, ids in reversed(chain(version.device_id, version.seq)):
        if row.pk == version.pk:
            return ids
    return []


def lines_of(version: ConfigVersion) -> list[str]:
    ids = ids_of(version)
    found = texts(ids)
    return [found[i] for i in ids]


@dataclass(frozen=True)
class Saved:
    """What `save` did: the version now current, and whether it is new."""

    version: ConfigVersion
    created: bool
    previous: ConfigVersion | None


def save(
    device: Device,
    processed: Processed,
    *,
    run_id: int | None = None,
    at: datetime | None = None,
) -> Saved:
    """Store a configuration for `device`: a new version only if it changed."""
    now = at or timezone.now()
    with transaction.atomic():
        latest = (
            ConfigVersion.objects.select_for_update().filter(device=device).order_by("-seq").first()
        )
        if latest is not None and latest.digest == processed.digest:
            ConfigVersion.objects.filter(pk=latest.pk).update(last_seen=now, last_checked=now)
            latest.last_seen = latest.last_checked = now
            return Saved(latest, False, None)
        previous_ids: list[int] = []
        if latest is not None:
            previous_ids = chain(device.pk, latest.seq)[-1][1]
        previous_texts = texts(previous_ids)
        hint = {previous_texts[i]: i for i in previous_ids if i in previous_texts}
        ids = intern(processed.lines, device.pk, hint)
        seq = 1 if latest is None else latest.seq + 1
        keyframe = latest is None or seq % KEYFRAME == 1
        blob = linestore.encode_ids(ids) if keyframe else linestore.encode_edit(previous_ids, ids)
        version = ConfigVersion.objects.create(
            device=device,
            device_name=str(device)[:100],
            seq=seq,
            digest=processed.digest,
            keyframe=keyframe,
            lines=blob,
            line_count=len(ids),
            size=len(processed.text.encode()),
            secrets=json.dumps(processed.originals) if processed.originals else "",
            first_seen=now,
            last_seen=now,
            last_checked=now,
        )
        add_postings(device.pk, set(ids) - set(previous_ids))
    return Saved(version, True, latest)


def add_postings(device_id: int, line_ids: Iterable[int]) -> None:
    """Record that `device_id` holds these lines (idempotent)."""
    wanted = sorted(set(line_ids))
    changed: list[tuple[bytes, int]] = []
    for start in range(0, len(wanted), 900):
        rows = ConfigLine.objects.filter(id__in=wanted[start : start + 900])
        for line_id, blob in rows.values_list("id", "devices"):
            updated = linestore.add_posting(bytes(blob), device_id)
            if updated is not None:
                changed.append((updated, line_id))
    if changed:
        table = connection.ops.quote_name(ConfigLine._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET devices = %s WHERE id = %s", changed)  # noqa: S608


def touch(version: ConfigVersion, at: datetime | None = None) -> None:
    now = at or timezone.now()
    ConfigVersion.objects.filter(pk=version.pk).update(last_checked=now, last_seen=now)


class HistoryLoader:
    """Bulk-loads many devices' histories at once (imports, benchmarks).

    It makes exactly what ``save()`` makes, version by version, but interns lines
    through an in-memory map and writes packs, lines, versions and postings in
    large batches. Use it on an empty store or for devices with no versions yet.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        last = LinePack.objects.order_by("-first_id").first()
        self.next_id = 1 if last is None else last.first_id + last.count
        self.pack_start = self.next_id
        self.pack_lines: list[str] = []
        self.pack_size = 0
        self.postings: dict[int, list[int]] = {}
        self.versions: list[dict[str, object]] = []
        if LinePack.objects.filter(sealed=False).exists():
            raise ValueError("HistoryLoader needs a store whose open pack is sealed or empty")

    def _id(self, line: str) -> int:
        line_id = self.ids.get(line)
        if line_id is None:
            line_id = self.ids[line] = self.next_id
            self.next_id += 1
            self.pack_lines.append(line)
            self.pack_size += len(line) + 1
            if self.pack_size >= PACK_BYTES:
                self._seal()
        return line_id

    def _seal(self, sealed: bool = True) -> None:
        if self.pack_lines:
            data = linestore.pack_text(self.pack_lines)
            LinePack.objects.create(
                first_id=self.pack_start,
                count=len(self.pack_lines),
                size=self.pack_size,
                data=data,
                checksum=zlib.crc32(data),
                sealed=sealed,
            )
        self.pack_start = self.next_id
        self.pack_lines, self.pack_size = [], 0

    def add(self, device: Device, history: Iterable[tuple[datetime, Sequence[str], str]]) -> int:
        """Add (time, masked lines, digest) versions of one device, oldest first."""
        previous: list[int] = []
        seen: set[int] = set()
        count = 0
        last: dict[str, object] | None = None
        name = str(device)[:100]
        for seq, (when, lines, digest) in enumerate(history, start=1):
            if last is not None:  # the previous version stood until this one appeared
                last["last_seen"] = last["last_checked"] = when
            found: list[int | None] = list(map(self.ids.get, lines))
            if None in found:  # new lines: usually a few (a changed line, the header)
                at = found.index(None)
                while True:
                    found[at] = self._id(lines[at])
                    try:
                        at = found.index(None, at + 1)
                    except ValueError:
                        break
            ids = cast("list[int]", found)
            keyframe = seq % KEYFRAME == 1
            blob = linestore.encode_ids(ids) if keyframe else linestore.encode_edit(previous, ids)
            last = {
                "device_id": device.pk,
                "device_name": name,
                "seq": seq,
                "digest": digest,
                "keyframe": keyframe,
                "lines": blob,
                "line_count": len(ids),
                "size": sum(map(len, lines)) + len(lines),
                "first_seen": when,
                "last_seen": when,
                "last_checked": when,
            }
            self.versions.append(last)
            for line_id in set(ids) - seen:
                self.postings.setdefault(line_id, []).append(device.pk)
            seen.update(ids)
            previous = ids
            count += 1
        if len(self.versions) >= 20_000:
            with transaction.atomic():
                bulk.insert(ConfigVersion, self.versions)
            self.versions = []
        return count

    @transaction.atomic
    def finish(self) -> None:
        self._seal(sealed=False)
        bulk.insert(ConfigVersion, self.versions)
        self.versions = []
        batch: list[dict[str, object]] = []
        for line_id in self.ids.values():
            holders = self.postings.get(line_id, ())
            batch.append({"id": line_id, "devices": linestore.postings(holders)})
            if len(batch) >= 20_000:
                bulk.insert(ConfigLine, batch)
                batch = []
        bulk.insert(ConfigLine, batch)
        self.postings = {}
        self.ids = {}
