"""The encodings behind the config store: line-id lists, edit scripts and line packs.

Configurations of a fleet share most of their lines, and each version of one
device differs from the last by a few lines. So the store keeps every distinct
line once (in packs of about a megabyte of text, each line numbered), a version
as the list of its line ids, and that list as an edit script against the
previous version, with a full list (a keyframe) every ``KEYFRAME`` versions so
that no version is more than that many steps from one.

Search therefore reads each distinct line once, not each version: a substring
or regular expression is run over the packs' text (plain ``str.find``/``re`` on
big strings, which is memchr-fast), the matching line ids are mapped to the
devices that ever held them (postings), and only the shown devices' version
chains are decoded to say which versions contain them.

Everything here is plain values in and out; the models call it.
"""

from __future__ import annotations

import re
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

KEYFRAME = 32
PACK_BYTES = 1 << 20


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _put_varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _varints(data: bytes) -> Iterator[int]:
    n = shift = 0
    for byte in data:
        n |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
        else:
            yield n
            n = shift = 0


def encode_ids(ids: Iterable[int]) -> bytes:
    """A list of ids as zlib-compressed zigzag deltas."""
    out = bytearray()
    previous = 0
    for value in ids:
        _put_varint(out, _zigzag(value - previous))
        previous = value
    return zlib.compress(bytes(out), 6)


def decode_ids(blob: bytes) -> list[int]:
    ids: list[int] = []
    previous = 0
    for delta in _varints(zlib.decompress(blob)):
        previous += _unzigzag(delta)
        ids.append(previous)
    return ids


def encode_postings(ids: array[int]) -> bytes:
    """A sorted array of device ids (a line's postings), compressed."""
    return zlib.compress(ids.tobytes(), 1)


def decode_postings(blob: bytes) -> array[int]:
    ids = array("I")
    if blob:
        ids.frombytes(zlib.decompress(blob))
    return ids


def add_posting(blob: bytes, device_id: int) -> bytes | None:
    """The postings with `device_id` added, or None if it was there already."""
    ids = decode_postings(blob)
    index = bisect_left(ids, device_id)
    if index < len(ids) and ids[index] == device_id:
        return None
    ids.insert(index, device_id)
    return encode_postings(ids)


def encode_edit(old: Sequence[int], new: Sequence[int]) -> bytes:
    """An edit script turning `old` into `new`: (position, deleted count, inserted ids) runs."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    out = bytearray()
    # autojunk only changes which matches difflib tries first (lines such as "!" that
    # recur everywhere); the script it yields is still exact, and it is 5x faster.
    matcher = SequenceMatcher(None, old[start:end_old], new[start:end_new], autojunk=True)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        _put_varint(out, start + i1)
        _put_varint(out, i2 - i1)
        _put_varint(out, j2 - j1)
        for value in new[start + j1 : start + j2]:
            _put_varint(out, value)
    return zlib.compress(bytes(out), 6)


def apply_edit(old: Sequence[int], script: bytes) -> list[int]:
    values = _varints(zlib.decompress(script))
    result: list[int] = []
    cursor = 0
    for position in values:
        deleted = next(values)
        inserted = next(values)
        result.extend(old[cursor:position])
        result.extend(next(values) for _ in range(inserted))
        cursor = position + deleted
    result.extend(old[cursor:])
    return result


@dataclass(frozen=True)
class Link:
    """One stored version in a chain: a keyframe (full list) or an edit of the one before."""

    keyframe: bool
    blob: bytes


def decode_chain(links: Sequence[Link]) -> list[list[int]]:
    """Every version's line ids, oldest first; the first link must be a keyframe."""
    versions: list[list[int]] = []
    current: list[int] = []
    for index, link in enumerate(links):
        if link.keyframe:
            current = decode_ids(link.blob)
        elif index == 0:
            raise ValueError("a version chain must start with a keyframe")
        else:
            current = apply_edit(current, link.blob)
        versions.append(current)
    return versions


# Packs --------------------------------------------------------------------


def pack_text(lines: Sequence[str]) -> bytes:
    """Lines joined by newlines, compressed. Lines never contain a newline."""
    return zlib.compress("\n".join(lines).encode(), 6)


class Pack:
    """A decompressed pack: its text and the ids of its lines, for searching."""

    __slots__ = ("count", "first_id", "text")

    def __init__(self, first_id: int, count: int, blob: bytes) -> None:
        self.first_id = first_id
        self.count = count
        self.text = zlib.decompress(blob).decode()

    def lines(self) -> list[str]:
        return self.text.split("\n")

    def line(self, index: int) -> str:
        return self.lines()[index]

    def find(self, needle: str, *, ignore_case: bool = False) -> list[int]:
        """Ids of the lines holding `needle`."""
        haystack = self.text
        if ignore_case:
            haystack, needle = haystack.lower(), needle.lower()
        found: list[int] = []
        position = haystack.find(needle)
        line = 0
        counted_to = 0
        last_line = -1
        while position != -1:
            line += haystack.count("\n", counted_to, position)
            counted_to = position
            if line != last_line:
                found.append(self.first_id + line)
                last_line = line
            next_break = haystack.find("\n", position)
            if next_break == -1:
                break
            position = haystack.find(needle, next_break + 1)
        return found

    def search(self, pattern: re.Pattern[str]) -> list[int]:
        """Ids of the lines matching `pattern` (compiled with re.MULTILINE by the caller)."""
        found: list[int] = []
        line = 0
        counted_to = 0
        last_line = -1
        for match in pattern.finditer(self.text):
            position = match.start()
            line += self.text.count("\n", counted_to, position)
            counted_to = position
            if line != last_line:
                found.append(self.first_id + line)
                last_line = line
        return found


def line_texts(packs: Sequence[Pack], ids: Iterable[int]) -> dict[int, str]:
    """The text of each id, read from the packs that hold them."""
    starts = [p.first_id for p in packs]
    by_pack: dict[int, list[int]] = {}
    for line_id in ids:
        index = bisect_right(starts, line_id) - 1
        if index >= 0 and line_id < packs[index].first_id + packs[index].count:
            by_pack.setdefault(index, []).append(line_id)
    texts: dict[int, str] = {}
    for index, wanted in by_pack.items():
        pack = packs[index]
        lines = pack.lines()
        for line_id in wanted:
            texts[line_id] = lines[line_id - pack.first_id]
    return texts


def ranges(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """Runs of True as (first index, last index) pairs."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for index, flag in enumerate(flags):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            out.append((start, index - 1))
            start = None
    if start is not None:
        out.append((start, len(flags) - 1))
    return out


def postings(ids: Iterable[int]) -> bytes:
    return encode_postings(array("I", sorted(set(ids))))
