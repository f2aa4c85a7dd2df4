"""Differences between two configurations: unified text, side-by-side rows, structured blocks.

Lines a platform marks volatile (clocks, counters) are left out of the
comparison but keep their line numbers, so numbers match the stored text.
Work is close to proportional to the lines compared: lines found once on each
side anchor the comparison (as `git diff --patience` does), common prefixes and
suffixes are skipped, and difflib only sees the small gaps left between anchors.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Block:
    """A change: old lines [old_start, old_end) became new [new_start, new_end), 0-based."""

    tag: str  # "replace", "delete" or "insert"
    old_start: int
    old_end: int
    new_start: int
    new_end: int
    old: tuple[str, ...]
    new: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "tag": self.tag,
            "old_start": self.old_start + 1,
            "old_end": self.old_end,
            "new_start": self.new_start + 1,
            "new_end": self.new_end,
            "removed": list(self.old),
            "added": list(self.new),
        }


@dataclass(frozen=True)
class Row:
    """A side-by-side row; kind is equal, replace, delete, insert or skip (collapsed context)."""

    kind: str
    old_no: int | None
    old: str
    new_no: int | None
    new: str
    skipped: int = 0


@dataclass
class Diff:
    """The difference between two line lists."""

    old_lines: Sequence[str]
    new_lines: Sequence[str]
    blocks: list[Block] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    similarity: float = 1.0

    @property
    def changed(self) -> bool:
        return bool(self.blocks)

    def unified(self, old_name: str = "a", new_name: str = "b", context: int = 3) -> str:
        """A unified diff (as `diff -u`), with hunks from the computed blocks."""
        out = [f"--- {old_name}\n", f"+++ {new_name}\n"]
        for group in _groups(self.blocks, context):
            first, last = group[0], group[-1]
            o1 = max(0, first.old_start - context)
            n1 = max(0, first.new_start - context)
            o2 = min(len(self.old_lines), last.old_end + context)
            n2 = min(len(self.new_lines), last.new_end + context)
            out.append(f"@@ -{_span(o1, o2)} +{_span(n1, n2)} @@\n")
            o, n = o1, n1
            for block in group:
                out.extend(f" {line}\n" for line in self.old_lines[o : block.old_start])
                out.extend(f"-{line}\n" for line in block.old)
                out.extend(f"+{line}\n" for line in block.new)
                n += (block.old_start - o) + (block.new_end - block.new_start)
                o = block.old_end
            out.extend(f" {line}\n" for line in self.old_lines[o:o2])
        return "".join(out) if self.blocks else ""

    def side_by_side(self, context: int = 3) -> list[Row]:
        """Rows for a two-column view; long unchanged stretches collapse into one skip row."""
        rows: list[Row] = []
        o = n = 0
        for index, block in enumerate(self.blocks):
            head = context if index else 0
            rows.extend(self._equal_rows(o, n, block.old_start, block.new_start, head, context))
            for k in range(max(block.old_end - block.old_start, block.new_end - block.new_start)):
                oi, ni = block.old_start + k, block.new_start + k
                has_old, has_new = oi < block.old_end, ni < block.new_end
                kind = "replace" if has_old and has_new else ("delete" if has_old else "insert")
                rows.append(
                    Row(
                        kind,
                        oi + 1 if has_old else None,
                        self.old_lines[oi] if has_old else "",
                        ni + 1 if has_new else None,
                        self.new_lines[ni] if has_new else "",
                    )
                )
            o, n = block.old_end, block.new_end
        if self.blocks:
            rows.extend(
                self._equal_rows(o, n, len(self.old_lines), len(self.new_lines), context, 0)
            )
        return rows

    def _equal_rows(
        self, o: int, n: int, old_until: int, new_until: int, head: int, tail: int
    ) -> list[Row]:
        # Unchanged stretches may still differ in volatile lines, so pair them by position.
        count = max(old_until - o, new_until - n)

        def row(k: int) -> Row:
            return Row(
                "equal",
                o + k + 1 if o + k < old_until else None,
                self.old_lines[o + k] if o + k < old_until else "",
                n + k + 1 if n + k < new_until else None,
                self.new_lines[n + k] if n + k < new_until else "",
            )

        if count <= head + tail + 1:
            return [row(k) for k in range(count)]
        # Only the rows shown are built: a 5,000-line stretch costs two rows, not 5,000.
        skip = Row("skip", None, "", None, "", skipped=count - head - tail)
        return [
            *(row(k) for k in range(head)),
            skip,
            *(row(k) for k in range(count - tail, count)),
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "removed": self.removed,
            "similarity": round(self.similarity, 4),
            "blocks": [b.as_dict() for b in self.blocks],
        }


def _span(start: int, end: int) -> str:
    length = end - start
    return f"{start + 1 if length else start},{length}"


def _groups(blocks: Sequence[Block], context: int) -> list[list[Block]]:
    groups: list[list[Block]] = []
    for block in blocks:
        if groups and block.old_start - groups[-1][-1].old_end <= 2 * context:
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def compute(
    old: Sequence[str],
    new: Sequence[str],
    ignore: Callable[[str], object] | None = None,
) -> Diff:
    """Compare two line lists; lines for which `ignore` is true do not count."""
    old_keep: Sequence[int]
    new_keep: Sequence[int]
    if ignore is None:
        old_keep, new_keep = range(len(old)), range(len(new))
    else:
        old_keep = [i for i, line in enumerate(old) if not ignore(line)]
        new_keep = [i for i, line in enumerate(new) if not ignore(line)]
    a = [old[i] for i in old_keep]
    b = [new[i] for i in new_keep]
    diff = Diff(old_lines=old, new_lines=new)
    matched = 0
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        if tag == "equal":
            matched += i2 - i1
            continue
        # Back to positions in the full (volatile-included) lists.
        oi = [old_keep[i] for i in range(i1, i2)]
        nj = [new_keep[j] for j in range(j1, j2)]
        old_start = oi[0] if oi else _position(old_keep, i1, len(old))
        new_start = nj[0] if nj else _position(new_keep, j1, len(new))
        diff.blocks.append(
            Block(
                tag,
                old_start,
                (oi[-1] + 1) if oi else old_start,
                new_start,
                (nj[-1] + 1) if nj else new_start,
                tuple(old[i] for i in oi),
                tuple(new[j] for j in nj),
            )
        )
        diff.removed += len(oi)
        diff.added += len(nj)
    total = len(a) + len(b)
    diff.similarity = (2.0 * matched / total) if total else 1.0
    return diff


# Deeper than this, what is left goes to difflib as it is (only reached by odd inputs).
MAX_DEPTH = 64


def _opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """SequenceMatcher-style opcodes, found the way `git diff --patience` finds them.

    difflib alone looks for the longest match again and again over the whole
    range, which costs seconds-scale CPU on two 5,000-line configs with changes
    spread through them. Lines that occur exactly once on each side are anchors
    (a configuration is mostly such lines); their longest increasing run splits
    the work into the small gaps between them, and only a gap without anchors
    (blocks of `!` or `exit`) is left to difflib.
    """
    pairs: list[tuple[int, int]] = []
    _match(a, 0, len(a), b, 0, len(b), pairs, 0)
    codes: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    run_i = run_j = 0  # start of the current equal run
    for pi, pj in [*pairs, (len(a), len(b))]:
        if pi != i or pj != j:
            if i > run_i:
                codes.append(("equal", run_i, i, run_j, j))
            tag = "replace" if pi > i and pj > j else ("delete" if pi > i else "insert")
            codes.append((tag, i, pi, j, pj))
            run_i, run_j = pi, pj
        i, j = pi + 1, pj + 1
    if len(a) > run_i:
        codes.append(("equal", run_i, len(a), run_j, len(b)))
    return codes


def _match(
    a: Sequence[str],
    alo: int,
    ahi: int,
    b: Sequence[str],
    blo: int,
    bhi: int,
    out: list[tuple[int, int]],
    depth: int,
) -> None:
    """Append the matched (i, j) pairs of a[alo:ahi] and b[blo:bhi] to `out`, in order."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo += 1
        blo += 1
    tail: list[tuple[int, int]] = []
    while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
        tail.append((ahi, bhi))
    if alo < ahi and blo < bhi:
        anchors = _anchors(a, alo, ahi, b, blo, bhi) if depth < MAX_DEPTH else []
        if anchors:
            for i, j in anchors:
                if i > alo or j > blo:
                    _match(a, alo, i, b, blo, j, out, depth + 1)
                out.append((i, j))
                alo, blo = i + 1, j + 1
            _match(a, alo, ahi, b, blo, bhi, out, depth + 1)
        else:
            matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for i, j, n in matcher.get_matching_blocks():
                out.extend((alo + i + k, blo + j + k) for k in range(n))
    out.extend(reversed(tail))


def _anchors(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int
) -> list[tuple[int, int]]:
    """The longest in-order run of lines found exactly once on each side."""
    seen_a: dict[str, int] = {}
    for i in range(alo, ahi):
        line = a[i]
        seen_a[line] = -1 if line in seen_a else i
    seen_b: dict[str, int] = {}
    for j in range(blo, bhi):
        line = b[j]
        if seen_a.get(line, -1) >= 0:
            seen_b[line] = -1 if line in seen_b else j
    common = sorted((seen_a[line], j) for line, j in seen_b.items() if j >= 0)
    return increasing_run(common)


def increasing_run(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of (i, j) pairs, given in increasing i, whose j increase too.

    Patience sorting: the longest increasing subsequence of the j's, in O(n log n).
    Both the diff's anchors and the line store's edit scripts align on it.
    """
    tops: list[int] = []  # j at the top of each pile
    top_index: list[int] = []  # index into pairs of each pile's top
    back: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        pile = bisect_left(tops, j)
        back[index] = top_index[pile - 1] if pile else -1
        if pile == len(tops):
            tops.append(j)
            top_index.append(index)
        else:
            tops[pile] = j
            top_index[pile] = index
    run: list[tuple[int, int]] = []
    index = top_index[-1] if top_index else -1
    while index != -1:
        run.append(pairs[index])
        index = back[index]
    run.reverse()
    return run


def _position(keep: Sequence[int], index: int, length: int) -> int:
    """Where an insertion at compared index `index` falls in the full list."""
    return keep[index] if index < len(keep) else length
