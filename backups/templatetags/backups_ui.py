"""Config text and diff rows as HTML, built in one pass in Python.

A configuration runs to thousands of lines; a template loop costs tens of
microseconds per line (a variable lookup, an escape and a node render each), so
a 5,000-line version took a quarter of a second to draw. Here the text is
escaped once as a whole and each line is one f-string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from backups.diff import Row
from backups.models import ConfigVersion

register = template.Library()


@register.filter
def numbered_lines(lines: Sequence[str]) -> SafeString:
    """Each line after its number, for a <pre class="config">."""
    escaped = escape("\n".join(lines)).split("\n") if lines else []
    return mark_safe(  # noqa: S308 - every line was escaped above
        "".join(f'<span class="ln">{n}</span>{line}\n' for n, line in enumerate(escaped, start=1))
    )


@register.filter
def diff_rows(rows: Sequence[Row]) -> SafeString:
    """The <tr> rows of a side-by-side diff table."""
    out = []
    for r in rows:
        if r.kind == "skip":
            plural = "" if r.skipped == 1 else "s"
            out.append(
                f'<tr class="gap"><td colspan="4">… {r.skipped} unchanged line{plural} …</td></tr>'
            )
            continue
        old_no = "" if r.old_no is None else r.old_no
        new_no = "" if r.new_no is None else r.new_no
        out.append(
            f'<tr class="{r.kind}"><td class="ln">{old_no}</td><td class="old">{escape(r.old)}'
            f'</td><td class="ln">{new_no}</td><td class="new">{escape(r.new)}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - the texts were escaped above


@register.filter
def unified_lines(text: str) -> SafeString:
    """A unified diff with added, removed and hunk lines marked for colour."""
    out = []
    for line in escape(text).splitlines(keepends=True):
        first = line[:1]
        if line.startswith(("---", "+++")):
            out.append(f'<span class="file">{line}</span>')
        elif first in "+-@" and first:
            kind = {"+": "add", "-": "del", "@": "hunk"}[first]
            out.append(f'<span class="{kind}">{line}</span>')
        else:
            out.append(line)
    return mark_safe("".join(out))  # noqa: S308 - the text was escaped above


def _url_for(name: str) -> Callable[[int], str]:
    """A URL maker for a route taking one id, from a single reverse()."""
    before, after = reverse(name, args=[0]).rsplit("/0/", 1)
    return lambda pk: f"{before}/{pk}/{after}"


def _time(moment: datetime) -> str:
    # strftime, not Django's date filter: six of these per row were half the page's time.
    local = localtime(moment)
    return (
        f'<time datetime="{local.isoformat()}" title="{local:%Y-%m-%d %H:%M:%S %Z}">'
        f"{local:%Y-%m-%d %H:%M}</time>"
    )


@register.filter
def version_rows(versions: Sequence[ConfigVersion], page_number: int) -> SafeString:
    """The rows of a device's version list (newest first); page 1's first row is current."""
    # One reverse() per page, not three per row: the URLs differ only by the id.
    detail, download = _url_for("backups:version"), _url_for("backups:version_download")
    out = []
    for index, v in enumerate(versions):
        here = detail(v.pk)
        pill = (
            ' <span class="pill pill-up">current</span>' if index == 0 and page_number == 1 else ""
        )
        compare = f'<a href="{here}#compare">compare…</a> · ' if v.seq > 1 else ""
        out.append(
            f'<tr><td data-label="Version"><a href="{here}">v{v.seq}</a>{pill}</td>'
            f'<td data-label="First seen">{_time(v.first_seen)}</td>'
            f'<td data-label="Last seen">{_time(v.last_seen)}</td>'
            f'<td data-label="Lines">{v.line_count}</td>'
            f'<td data-label="Size">{filesizeformat(v.size)}</td>'
            f'<td data-label="Compare">{compare}'
            f'<a href="{download(v.pk)}">download</a></td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - numbers, URLs and dates only


@register.filter
def version_options(
    versions: Sequence[ConfigVersion], selected: ConfigVersion | None
) -> SafeString:
    """<option>s of a "Compare with" list (up to hundreds of versions)."""
    chosen = selected.pk if selected else None
    return mark_safe(  # noqa: S308 - numbers and dates only
        "".join(
            f'<option value="{v.pk}"{" selected" if v.pk == chosen else ""}>'
            f"v{v.seq} · {localtime(v.first_seen):%Y-%m-%d %H:%M}</option>"
            for v in versions
        )
    )
