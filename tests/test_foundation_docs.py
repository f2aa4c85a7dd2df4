"""The docs: the index names files that exist; the README says what a user must know."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _index() -> str:
    text = (ROOT / "docs" / "contributing.md").read_text(encoding="utf-8")
    return text.split("## Where things live", 1)[1].split("\n## ", 1)[0]


def test_every_path_in_the_where_things_live_index_exists() -> None:
    paths = re.findall(r"`([a-z_]+/[a-z_/]*(?:\.py)?/?)`", _index())
    assert len(paths) > 40
    missing = [path for path in paths if not (ROOT / path).exists()]
    assert missing == []


def test_the_index_names_the_functions_it_points_to() -> None:
    index = _index()
    for path, name in re.findall(r"`([a-z_/]+\.py)` \(`([A-Za-z_]+)`", index):
        assert re.search(rf"^(class|def) {name}\b", (ROOT / path).read_text(), re.M), (path, name)


def test_the_readme_says_scanning_is_refused_until_the_allowlist_has_a_network() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "is refused until the allowlist has at least one network" in readme
    assert "*Discovery → Allowlist*" in readme
    assert "Discovery settings page" not in readme
