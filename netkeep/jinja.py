"""The Jinja2 engine: for the fragments a page draws hundreds of times, nothing else.

The subnet view draws up to 256 address rows and 256 heatmap tiles. In Django's
template language each row cost about 0.7 ms of CPU (every variable is resolved
through several lookups, localised and escaped; every `{% include %}` builds a
context), so the rows were most of a /8 page's time. Jinja2 compiles a template
to Python: the same markup costs a few hundredths of a millisecond a row. Pages
stay Django templates; they draw a Jinja2 fragment with `{% jinja "name" %}`
(netkeep/templatetags/jinja.py), and views answer with one through
`render(..., using="jinja2")`. The fragments live in templates/jinja2/.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from django.utils import timezone
from jinja2 import Environment, StrictUndefined

from ipam.templatetags.ipam_ui import ago, bignum, latency, percent, percent_text


class Seen(NamedTuple):
    """A time as a `<time>` element shows it: ISO 8601, a full stamp, and "3 h ago"."""

    iso: str
    stamp: str
    ago: str


def seen(value: datetime) -> Seen:
    """Django's `date:'c'`, `date:'Y-m-d H:i:s T'` and `ago`, reading the time zone once."""
    local = timezone.localtime(value)
    return Seen(local.isoformat(), f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}", ago(value))


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)
    options.pop("undefined", None)
    # Escaped like Django templates; a name a template misspells is an error in
    # tests, not an empty string in a page.
    env = Environment(**options, autoescape=True, undefined=StrictUndefined)
    env.filters.update(
        bignum=bignum,
        latency=latency,
        percent=percent,
        percent_text=percent_text,
        seen=seen,
    )
    return env
