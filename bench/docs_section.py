"""One docs/benchmarks.md for every benchmark: each owns a marked section of it."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\nEach section is written by the benchmark named in it, with the"
    " command that produced it. Budgets are met here, never in timed unit tests.\n\n"
)


def write_section(owner: str, section: str, path: Path = DOCS) -> None:
    """Replace `owner`'s section (between its markers), keeping the others."""
    start, end = f"<!-- {owner}: start -->", f"<!-- {owner}: end -->"
    body = f"{start}\n{section.strip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + body + after
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    path.write_text(text)
    print(f"wrote its section of {path.name}")


def publish(owner: str, section: str, *, docs: bool, status: int = 0) -> int:
    """Print a benchmark's section and, unless --no-docs, write it; returns the exit status."""
    print(section)
    if docs:
        write_section(owner, section)
    return status
