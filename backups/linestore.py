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

import importlib
import re
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate, compress, count, islice
from operator import ne, sub

from backups.diff import increasing_run

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


# A keyframe in the planar form starts with this byte (a zlib stream starts with 0x78).
PLANAR = b"\x01"
_INT32 = 1 << 31


def encode_ids(ids: Iterable[int]) -> bytes:
    """A list of ids: deltas as 32-bit integers, byte planes apart, compressed.

    Putting the low bytes of every delta together, then the next bytes, and so
    on, lets zlib see the mostly-zero high bytes as long runs: the size of
    variable-length deltas, decoded in C (`decode_ids`) instead of byte by byte.
    """
    values = list(ids)
    deltas = list(map(sub, values, [0, *values[:-1]]))
    if any(not -_INT32 <= d < _INT32 for d in deltas):
        return _encode_varints(values)
    raw = array("i", deltas).tobytes()
    planes = b"".join(raw[k::4] for k in range(4))
    return PLANAR + zlib.compress(planes, 6)


def _encode_varints(ids: Iterable[int]) -> bytes:
    """zlib-compressed zigzag varint deltas: the first form, still read."""
    out = bytearray()
    previous = 0
    for value in ids:
        _put_varint(out, _zigzag(value - previous))
        previous = value
    return zlib.compress(bytes(out), 6)


def decode_ids(blob: bytes) -> list[int]:
    if blob[:1] == PLANAR:
        planes = zlib.decompress(blob[1:])
        size = len(planes) // 4
        raw = bytearray(len(planes))
        for k in range(4):
            raw[k::4] = planes[k * size : (k + 1) * size]
        deltas = array("i")
        deltas.frombytes(raw)
        return list(accumulate(deltas))
    ids: list[int] = []
    previous = 0
    for delta in _varints(zlib.decompress(blob)):
        previous += _unzigzag(delta)
        ids.append(previous)
    return ids


def encode_postings(ids: array[int]) -> bytes:
    """A sorted array of device ids (a line's postings): raw when short, else compressed.

    Most lines belong to one device or a few, where zlib's own header would double
    the size; the first byte says which form follows.
    """
    raw = ids.tobytes()
    if len(ids) <= 8:
        return b"\x00" + raw
    return b"\x01" + zlib.compress(raw, 1)


def decode_postings(blob: bytes) -> array[int]:
    ids = array("I")
    if blob:
        ids.frombytes(blob[1:] if blob[0] == 0 else zlib.decompress(blob[1:]))
    return ids


def add_posting(blob: bytes, device_id: int) -> bytes | None:
    """The postings with `device_id` added, or None if it was there already."""
    ids = decode_postings(blob)
    index = bisect_left(ids, device_id)
    if index < len(ids) and ids[index] == device_id:
        return None
    ids.insert(index, device_id)
    return encode_postings(ids)


# After a mismatch, realignments of up to this many deleted + inserted lines are
# tried, each confirmed by the next CONFIRM lines being equal on both sides.
REALIGN = 12
CONFIRM = 4
# (deleted, inserted) pairs in the order tried: fewest lines, then replacements first.
_STEPS = [
    (gone, size - gone)
    for size in range(1, REALIGN + 1)
    for gone in sorted(range(size + 1), key=lambda g: abs(2 * g - size))
]


def _common_run(old: Sequence[int], new: Sequence[int], i: int, j: int) -> int:
    """How many lines old[i:] and new[j:] have in common at their start (compared in C)."""
    differ = compress(count(), map(ne, islice(old, i, None), islice(new, j, None)))
    return next(differ, min(len(old) - i, len(new) - j))


def _realign(old: Sequence[int], new: Sequence[int], i: int, j: int) -> tuple[int, int] | None:
    """The fewest (deleted, inserted) lines after which old[i:] and new[j:] agree again."""
    for gone, added in _STEPS:
        a, b = i + gone, j + added
        if a <= len(old) and b <= len(new) and old[a : a + CONFIRM] == new[b : b + CONFIRM]:
            return gone, added
    return None


def _changed_regions(old: Sequence[int], new: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """Regions (i1, i2, j1, j2) where old[i1:i2] became new[j1:j2], in order.

    Configs change by a few lines: equal runs are skipped in C, and after each
    mismatch a short realignment is looked for (a changed, added or removed line
    or a few). Every equal run is compared, so the script is exact whatever it
    finds; when no short realignment exists the rest goes to a patience diff.
    """
    regions: list[tuple[int, int, int, int]] = []
    i = j = 0
    while True:
        run = _common_run(old, new, i, j)
        i, j = i + run, j + run
        if i == len(old) or j == len(new):
            if i < len(old) or j < len(new):
                regions.append((i, len(old), j, len(new)))
            return regions
        step = _realign(old, new, i, j)
        if step is None:
            return regions + [
                (i + i1, i + i2, j + j1, j + j2)
                for i1, i2, j1, j2 in _patience_regions(old[i:], new[j:])
            ]
        regions.append((i, i + step[0], j, j + step[1]))
        i, j = i + step[0], j + step[1]


def _patience_regions(old: Sequence[int], new: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """Regions (i1, i2, j1, j2) where old[i1:i2] became new[j1:j2], in order.

    Patience diff: lines that occur once in each list and keep their order are
    anchors (a longest increasing subsequence); only the short stretches between
    anchors go to difflib. Configs are mostly unique lines with a few edits, so
    this is linear in practice where difflib alone is quadratic on repeats like "!".
    """
    if len(old) == len(new):
        # Lines changed in place (the common case: a description, a VLAN, the clock
        # header): compare position by position, no search needed.
        changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
        if len(changed) <= max(8, len(old) // 50):
            return [(i, i + 1, i, i + 1) for i in changed]
    count_old = Counter(old)
    count_new = Counter(new)
    where_new = {v: j for j, v in enumerate(new) if count_new[v] == 1}
    pairs = [(i, where_new[v]) for i, v in enumerate(old) if count_old[v] == 1 and v in where_new]
    # The longest in-order run of lines found once on each side (pairs are in i order).
    anchors = increasing_run(pairs)
    anchors.append((len(old), len(new)))
    regions: list[tuple[int, int, int, int]] = []
    i = j = 0
    for ai, aj in anchors:
        # Grow the equal run before the anchor backwards, after the previous one forwards.
        while i < ai and j < aj and old[i] == new[j]:
            i += 1
            j += 1
        end_i, end_j = ai, aj
        while end_i > i and end_j > j and old[end_i - 1] == new[end_j - 1]:
            end_i -= 1
            end_j -= 1
        if i < end_i or j < end_j:
            if i == end_i or j == end_j:
                regions.append((i, end_i, j, end_j))
            else:
                matcher = SequenceMatcher(None, old[i:end_i], new[j:end_j], autojunk=False)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                    if tag != "equal":
                        regions.append((i + i1, i + i2, j + j1, j + j2))
        i, j = ai + 1, aj + 1
    return regions


def encode_edit(old: Sequence[int], new: Sequence[int]) -> bytes:
    """An edit script turning `old` into `new`.

    Runs of (position, deleted count, inserted count, deleted ids, inserted ids):
    the deleted ids are redundant for applying the script, but they let a search
    follow which lines come and go along a chain without rebuilding every version.
    """
    out = bytearray()
    for i1, i2, j1, j2 in _changed_regions(old, new):
        _put_varint(out, i1)
        _put_varint(out, i2 - i1)
        _put_varint(out, j2 - j1)
        for value in old[i1:i2]:
            _put_varint(out, value)
        for value in new[j1:j2]:
            _put_varint(out, value)
    return zlib.compress(bytes(out), 6)


def edit_ops(script: bytes) -> Iterator[tuple[int, list[int], list[int]]]:
    """The runs of an edit script: (position, deleted ids, inserted ids)."""
    values = _varints(zlib.decompress(script))
    for position in values:
        deleted = next(values)
        inserted = next(values)
        gone = [next(values) for _ in range(deleted)]
        added = [next(values) for _ in range(inserted)]
        yield position, gone, added


def apply_edit(old: Sequence[int], script: bytes) -> list[int]:
    return _apply_ops(old, edit_ops(script))


def _apply_ops(old: Sequence[int], ops: Iterable[tuple[int, list[int], list[int]]]) -> list[int]:
    result: list[int] = []
    cursor = 0
    for position, gone, added in ops:
        result.extend(old[cursor:position])
        result.extend(added)
        cursor = position + len(gone)
    result.extend(old[cursor:])
    return result


def presence(links: Sequence[Link], wanted: set[int]) -> list[bool]:
    """For each version of a chain, whether it holds any of `wanted`."""
    return walk(links, wanted)[0]


def walk(links: Sequence[Link], wanted: set[int]) -> tuple[list[bool], list[int]]:
    """For each version of a chain, whether it holds any of `wanted`; and the newest that does.

    Each keyframe and edit script is decoded once. The edit scripts' deleted and
    inserted ids keep a count of the wanted lines present, so only the newest
    matching version is rebuilt (from its keyframe, edited in place).
    """
    flags: list[bool] = []
    present: Counter[int] = Counter()
    keyframes: dict[int, list[int]] = {}
    scripts: dict[int, list[tuple[int, list[int], list[int]]]] = {}
    for index, link in enumerate(links):
        if link.keyframe:
            ids = keyframes[index] = decode_ids(link.blob)
            held = wanted.intersection(ids)
            present = Counter(filter(held.__contains__, ids)) if held else Counter()
        elif index == 0:
            raise ValueError("a version chain must start with a keyframe")
        else:
            ops = scripts[index] = list(edit_ops(link.blob))
            for _, gone, added in ops:
                for i in gone:
                    if i in wanted:
                        present[i] -= 1
                for i in added:
                    if i in wanted:
                        present[i] += 1
        flags.append(any(n > 0 for n in present.values()))
    if not any(flags):
        return flags, []
    newest = len(flags) - 1 - flags[::-1].index(True)
    start = max(k for k in keyframes if k <= newest)
    current = keyframes[start]
    for index in range(start + 1, newest + 1):
        # Positions are in the version before: editing from the end keeps them valid.
        for position, gone, added in reversed(scripts[index]):
            current[position : position + len(gone)] = added
    return flags, current


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
    """A decompressed pack: its text and the ids of its lines, for searching.

    The split lines and the lower-cased text are made on first use and kept with
    the pack (packs are cached per process and searched again and again).
    """

    __slots__ = ("_lines", "_lower", "checksum", "count", "first_id", "text")

    def __init__(self, first_id: int, count: int, blob: bytes, checksum: int = 0) -> None:
        self.first_id = first_id
        self.count = count
        self.checksum = checksum
        self.text = zlib.decompress(blob).decode()
        self._lines: list[str] | None = None
        self._lower: str | None = None

    def lines(self) -> list[str]:
        """The pack's lines (shared: do not change the list)."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def lower(self) -> str:
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def line(self, index: int) -> str:
        return self.lines()[index]

    def find(self, needle: str, *, ignore_case: bool = False) -> list[int]:
        """Ids of the lines holding `needle`."""
        haystack = self.text
        if ignore_case:
            haystack, needle = self.lower(), needle.lower()
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

    def search(self, pattern: re.Pattern[str], literal: str | None = None) -> list[int]:
        """Ids of the lines matching `pattern` (compiled with re.MULTILINE by the caller).

        With a `literal` every match must contain (see `required_literal`), only the
        lines holding it are tried, found by ``str.find``; a match never crosses a line.
        """
        if literal is None:
            literal = required_literal(pattern)
        folded = bool(pattern.flags & re.IGNORECASE)
        if len(literal) < 2 or (folded and not (literal.isascii() and self.text.isascii())):
            return self._scan(pattern)
        # On ASCII text lower() is exactly what IGNORECASE compares; elsewhere: a scan.
        haystack, needle = (self.lower(), literal.lower()) if folded else (self.text, literal)
        text, found = self.text, []
        line = counted_to = 0
        position = haystack.find(needle)
        while position != -1:
            start = haystack.rfind("\n", 0, position) + 1
            end = haystack.find("\n", position)
            if end == -1:
                end = len(haystack)
            line += haystack.count("\n", counted_to, start)
            counted_to = start
            if pattern.search(text, start, end):
                found.append(self.first_id + line)
            position = haystack.find(needle, end + 1)
        return found

    def _scan(self, pattern: re.Pattern[str]) -> list[int]:
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


def required_literal(pattern: re.Pattern[str]) -> str:
    """The longest run of plain characters that every match contains ("" if none is known).

    Read from the pattern's parse tree: only characters in its top-level sequence
    count (not those in groups, alternatives or repeats), so each is required.
    """
    try:  # the parser `re` itself uses (private: a Python without it scans every line)
        parser = importlib.import_module("re._parser")
        literal = importlib.import_module("re._constants").LITERAL
        parsed = list(parser.parse(pattern.pattern, pattern.flags))
    except Exception:
        return ""
    best: list[str] = []
    run: list[str] = []
    for op, value in [*parsed, (None, None)]:
        if op is literal:
            run.append(chr(value))
        else:
            if len(run) > len(best):
                best = run
            run = []
    return "".join(best)


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
