"""What a finished run found, in words: "20 of 254 addresses up · 19 new · 1 went down".

Every run kind names its own summary function when it is declared
(`jobs.kind(..., summary="discovery.sweep.summary")`), a function of the run
that reads its counts. A kind without one, or counts the function does not
understand (written by an older version), get `generic()`: still words, never
a Python value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from netkeep.jobs.models import Run

log = logging.getLogger(__name__)

SEPARATOR = " · "


class Summary(Protocol):
    def __call__(self, run: Run) -> str: ...


def count(n: object, singular: str, plural: str = "") -> str:
    """ "1 host", "3 hosts"; `plural` when adding an s is wrong."""
    number = _number(n)
    word = singular if number == 1 else (plural or f"{singular}s")
    return f"{number:,} {word}"


def join(parts: Iterable[str | None]) -> str:
    """The non-empty parts, separated by a middle dot."""
    return SEPARATOR.join(part for part in parts if part)


def nonzero(counts: Mapping[str, Any], key: str, singular: str, plural: str = "") -> str:
    """count() of counts[key], or "" when it is zero or missing."""
    return count(counts[key], singular, plural) if _number(counts.get(key)) else ""


def _number(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value)
    return 0


def _words(key: str) -> str:
    return key.replace("_", " ")


def generic(counts: Mapping[str, Any]) -> str:
    """Counts of a kind without a summary: "3 fetched · changed · credential: lab-ops"."""
    parts = []
    for key, value in counts.items():
        if value in (None, "", [], {}, False):
            continue
        if value is True:
            parts.append(_words(key))
        elif isinstance(value, int | float):
            parts.append(f"{value:,} {_words(key)}")
        elif isinstance(value, str):
            parts.append(f"{_words(key)}: {value}")
        elif isinstance(value, list | tuple | dict):
            parts.append(count(len(value), _words(key), _words(key)))
    return join(parts)


@cache
def _function(path: str) -> Summary:
    found: Summary = import_string(path)
    return found


def summarise(run: Run, path: str) -> str:
    """The run's summary by its kind's function at `path` ("" for none); generic() on trouble."""
    counts = run.counts if isinstance(run.counts, Mapping) else {}
    if path:
        try:
            return _function(path)(run) or generic(counts)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # Counts written by an older version: the page must still show them.
            log.warning("summary of run %s (%s) failed: %r", run.pk, run.kind, error)
    return generic(counts)
