"""Differences between two configurations: unified text, side-by-side rows, structured blocks.

Lines a platform marks volatile (clocks, counters) are left out of the
comparison but keep their line numbers, so numbers match the stored text.
Work is proportional to the lines compared plus the changed region: common
prefixes and suffixes are skipped before difflib looks at what is left.
"""

from __future__ import annotations

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
        rows = [
            Row(
                "equal",
                o + k + 1 if o + k < old_until else None,
                self.old_lines[o + k] if o + k < old_until else "",
                n + k + 1 if n + k < new_until else None,
                self.new_lines[n + k] if n + k < new_until else "",
            )
            for k in range(count)
        ]
        if count <= head + tail + 1:
            return rows
        skip = Row("skip", None, "", None, "", skipped=count - head - tail)
        return [*rows[:head], skip, *rows[count - tail :]] if tail else [*rows[:head], skip]

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
    ignore: Callable[[str], bool] | None = None,
) -> Diff:
    """Compare two line lists; lines for which `ignore` is true do not count."""
    old_keep = [i for i, line in enumerate(old) if not (ignore and ignore(line))]
    new_keep = [i for i, line in enumerate(new) if not (ignore and ignore(line))]
    a = [old[i] for i in old_keep]
    b = [new[i] for i in new_keep]
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    matcher = SequenceMatcher(None, a[start:end_a], b[start:end_b], autojunk=False)
    diff = Diff(old_lines=old, new_lines=new)
    matched = start + (len(a) - end_a)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            matched += i2 - i1
            continue
        # Back to positions in the full (volatile-included) lists.
        oi = [old_keep[start + i] for i in range(i1, i2)]
        nj = [new_keep[start + j] for j in range(j1, j2)]
        old_start = oi[0] if oi else _position(old_keep, start + i1, len(old))
        new_start = nj[0] if nj else _position(new_keep, start + j1, len(new))
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


def _position(keep: Sequence[int], index: int, length: int) -> int:
    """Where an insertion at compared index `index` falls in the full list."""
    return keep[index] if index < len(keep) else length
