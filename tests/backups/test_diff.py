"""Diffs: unified as diff -u prints it, side by side, structured, volatile lines ignored."""

from __future__ import annotations

import difflib
import random

from backups import diff


def test_the_unified_diff_is_what_diff_u_prints() -> None:
    rng = random.Random(7)
    old = [f"line {i}" for i in range(2000)]
    new = list(old)
    for _ in range(8):
        new[rng.randrange(len(new))] = f"changed {rng.random()}"
    new.insert(500, "inserted")
    del new[1500]
    expected = "".join(
        difflib.unified_diff([x + "\n" for x in old], [x + "\n" for x in new], "a", "b")
    )
    assert diff.compute(old, new).unified("a", "b") == expected


def test_counts_and_similarity() -> None:
    result = diff.compute(["a", "b", "c", "d"], ["a", "B", "c", "d", "e"])
    assert (result.added, result.removed) == (2, 1)
    assert 0.6 < result.similarity < 0.8
    assert diff.compute(["a"], ["a"]).changed is False
    assert diff.compute([], []).similarity == 1.0


def test_volatile_lines_do_not_count_but_keep_their_numbers() -> None:
    old = ["! Last change at 10:00", "hostname a", "interface x"]
    new = ["! Last change at 11:00", "hostname b", "interface x"]
    result = diff.compute(old, new, ignore=lambda line: line.startswith("! Last change"))
    assert (result.added, result.removed) == (1, 1)
    block = result.blocks[0].as_dict()
    assert block["old_start"] == 2 and block["new_start"] == 2
    assert block["removed"] == ["hostname a"] and block["added"] == ["hostname b"]


def test_side_by_side_collapses_long_unchanged_stretches() -> None:
    old = [f"l{i}" for i in range(100)]
    new = list(old)
    new[50] = "changed"
    rows = diff.compute(old, new).side_by_side(context=3)
    kinds = [r.kind for r in rows]
    assert kinds.count("replace") == 1
    assert kinds.count("skip") == 2
    assert len(rows) == 1 + 3 + 1 + 3 + 1
    changed = next(r for r in rows if r.kind == "replace")
    assert (changed.old_no, changed.old, changed.new_no, changed.new) == (51, "l50", 51, "changed")


def test_insertions_and_deletions_pair_with_blanks() -> None:
    rows = diff.compute(["a", "b", "c"], ["a", "c", "d"]).side_by_side()
    kinds = [(r.kind, r.old_no, r.new_no) for r in rows]
    assert ("delete", 2, None) in kinds
    assert ("insert", None, 3) in kinds
