"""The store's encodings: id lists, edit scripts, chains and pack search."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from backups import linestore
from backups.linestore import Link, Pack


def test_id_lists_round_trip_whatever_their_order() -> None:
    rng = random.Random(3)
    ids = [rng.randrange(1, 10**9) for _ in range(3000)] + [1, 1, 2, 0]
    assert linestore.decode_ids(linestore.encode_ids(ids)) == ids
    assert linestore.decode_ids(linestore.encode_ids([])) == []


@pytest.mark.parametrize("seed", range(20))
def test_an_edit_script_turns_the_old_list_into_the_new_one(seed: int) -> None:
    rng = random.Random(seed)
    old = [rng.randrange(50) for _ in range(rng.randrange(0, 400))]
    new = list(old)
    for _ in range(rng.randrange(0, 12)):
        op = rng.randrange(3)
        if op == 0 and new:
            del new[rng.randrange(len(new))]
        elif op == 1:
            new.insert(rng.randrange(len(new) + 1), rng.randrange(1000))
        elif new:
            new[rng.randrange(len(new))] = rng.randrange(1000)
    assert linestore.apply_edit(old, linestore.encode_edit(old, new)) == new


def test_a_small_change_costs_a_few_bytes() -> None:
    old = list(range(1, 3001))
    new = [*old[:1500], 99999, *old[1501:]]
    assert len(linestore.encode_edit(old, new)) < 40
    assert len(linestore.encode_ids(old)) < 200


def test_a_chain_decodes_every_version() -> None:
    v1, v2, v3 = [1, 2, 3], [1, 2, 4, 3], [4, 3]
    links = [
        Link(True, linestore.encode_ids(v1)),
        Link(False, linestore.encode_edit(v1, v2)),
        Link(False, linestore.encode_edit(v2, v3)),
    ]
    assert linestore.decode_chain(links) == [v1, v2, v3]
    with pytest.raises(ValueError, match="keyframe"):
        linestore.decode_chain(links[1:])


def make_pack(lines: list[str], first_id: int = 100) -> Pack:
    return Pack(first_id, len(lines), linestore.pack_text(lines))


def test_a_substring_finds_each_matching_line_once() -> None:
    pack = make_pack(["interface Gi0/1", " description uplink uplink", "interface Gi0/2", "end"])
    assert pack.find("uplink") == [101]
    assert pack.find("interface") == [100, 102]
    assert pack.find("INTERFACE", ignore_case=True) == [100, 102]
    assert pack.find("INTERFACE") == []
    assert pack.find("end") == [103]


def test_a_regex_is_anchored_at_line_ends() -> None:
    pack = make_pack(["ip route 0.0.0.0 0.0.0.0 10.0.0.1", "no ip route", "ip routing"])
    assert pack.search(re.compile(r"^ip route \S+", re.MULTILINE)) == [100]
    assert pack.search(re.compile(r"routing$", re.MULTILINE)) == [102]


def test_ranges_are_runs_of_true() -> None:
    assert linestore.ranges([False, True, True, False, True]) == [(1, 2), (4, 4)]
    assert linestore.ranges([]) == []


def test_presence_follows_lines_along_a_chain_without_rebuilding_versions() -> None:
    v1, v2, v3, v4 = [1, 2, 3], [1, 2, 9, 3], [1, 3], [1, 9, 9, 3]
    links = [Link(True, linestore.encode_ids(v1))]
    for old, new in ((v1, v2), (v2, v3), (v3, v4)):
        links.append(Link(False, linestore.encode_edit(old, new)))
    assert linestore.presence(links, {9}) == [False, True, False, True]
    assert linestore.presence(links, {2}) == [True, True, False, False]


@pytest.mark.parametrize("seed", range(10))
def test_edit_scripts_survive_repeated_lines(seed: int) -> None:
    rng = random.Random(seed)
    old = [rng.choice([0, 0, 0, 1, 2, rng.randrange(100)]) for _ in range(300)]
    new = [x for x in old if rng.random() > 0.05]
    for _ in range(5):
        new.insert(rng.randrange(len(new) + 1), rng.choice([0, 1, 500]))
    assert linestore.apply_edit(old, linestore.encode_edit(old, new)) == new


def test_an_edit_script_names_only_the_lines_that_changed_in_a_config_of_repeats() -> None:
    block = [7, 8, 9, 0]  # "interface", " switchport …", " spanning-tree …", "!"
    old = [1, 2] + block * 200 + [3, 4, 5]
    new = list(old)
    new[10] = 70  # a changed line
    new.insert(500, 71)  # an added line
    del new[-2]  # a removed line
    ops = list(linestore.edit_ops(linestore.encode_edit(old, new)))
    assert [(gone, added) for _, gone, added in ops] == [([7], [70]), ([], [71]), ([4], [])]
    assert linestore.apply_edit(old, linestore.encode_edit(old, new)) == new


def test_a_regex_is_tried_only_on_lines_holding_its_required_literal() -> None:
    assert linestore.required_literal(re.compile(r"^ip route 10\.\d+\.0\.0 ")) == "ip route 10."
    assert linestore.required_literal(re.compile(r"(cam|door)-1[01]")) == "-1"
    assert linestore.required_literal(re.compile(r"ab{2}|x")) == ""
    lines = ["ip route 10.1.0.0 255.255.0.0 10.255.0.1", "IP ROUTE 10.2.0.0 x", "no ip route"]
    lines += ["ip route 10.x.0.0", "description ip route 10.3.0.0 "] * 3
    pack = make_pack(lines)
    for pattern, flags in [
        (r"^ip route 10\.\d+\.0\.0 ", re.MULTILINE),
        (r"^ip route 10\.\d+\.0\.0 ", re.MULTILINE | re.IGNORECASE),
        (r"route 10\.\d+\.0\.0 $", re.MULTILINE),
        (r"(?i)ip route", re.MULTILINE),
    ]:
        compiled = re.compile(pattern, flags)
        expected = [100 + i for i, line in enumerate(lines) if compiled.search(line)]
        assert pack.search(compiled) == expected == pack.search(compiled, literal="")


def test_id_lists_in_the_first_form_are_still_read() -> None:
    ids = [5, 3, 900, 900, 2**40, 1]
    assert linestore.encode_ids(ids)[:1] != linestore.PLANAR  # beyond 32-bit deltas
    assert linestore.decode_ids(linestore.encode_ids(ids)) == ids
    assert linestore.decode_ids(linestore._encode_varints(ids[:4])) == ids[:4]
    assert linestore.decode_ids(linestore.encode_ids(ids[:4]))[:4] == ids[:4]


def test_a_walk_rebuilds_the_newest_version_that_holds_a_wanted_line() -> None:
    rng = random.Random(5)
    versions = [[rng.randrange(40) for _ in range(60)]]
    for _ in range(9):
        new = list(versions[-1])
        new[rng.randrange(len(new))] = rng.randrange(40, 80)
        new.insert(rng.randrange(len(new)), rng.randrange(40, 80))
        del new[rng.randrange(len(new))]
        versions.append(new)
    links = [Link(True, linestore.encode_ids(versions[0]))]
    for k, (old, new) in enumerate(itertools.pairwise(versions), start=1):
        keyframe = k == 5
        blob = linestore.encode_ids(new) if keyframe else linestore.encode_edit(old, new)
        links.append(Link(keyframe, blob))
    for wanted in ({versions[3][7]}, set(versions[8][:3]), {999}):
        flags, newest = linestore.walk(links, wanted)
        assert flags == [not wanted.isdisjoint(v) for v in versions]
        assert newest == (versions[max(i for i, f in enumerate(flags) if f)] if any(flags) else [])
