"""Small display helpers for the IPAM pages: address counts that may be 2^64, percentages."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def bignum(value: Any) -> str:
    """Counts short enough for a table cell: 1,234; 16.8 M for a /8; 2^64 or ≈2^80 for IPv6."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return ""
    if number < 10**7:
        return f"{number:,}"
    if number < 10**12:
        return f"{number / 10**6:.1f} M"
    power = number.bit_length() - 1
    if number == 1 << power:
        return f"2^{power}"
    # IPv6 usable counts are 2^n minus one or two: "≈2^n" reads better than 20 digits.
    return f"≈2^{round(math.log2(number))}"


@register.filter
def latency(value: Any) -> str:
    """A round trip as ping shows it: "38 µs" below a millisecond, "2.3 ms", "145 ms".

    One decimal of milliseconds would print every host of a LAN as "0.0 ms".
    """
    try:
        ms = float(value)
    except (TypeError, ValueError):
        return ""
    if ms < 0.9995:
        return f"{max(1, round(ms * 1000))} µs"
    if ms < 99.95:
        return f"{ms:.1f} ms"
    return f"{ms:,.0f} ms"


@register.filter
def percent(used: Any, usable: Any) -> int:
    """Whole percent of usable addresses in use, capped at 100; a used address is never 0 %."""
    try:
        used_n, usable_n = int(used), int(usable)
    except (TypeError, ValueError):
        return 0
    if usable_n <= 0 or used_n <= 0:
        return 0
    return max(1, min(100, round(used_n * 100 / usable_n)))


@register.filter
def percent_text(used: Any, usable: Any) -> str:
    """Percent as text, "<0.01 %" style for tiny shares of huge IPv6 subnets."""
    try:
        used_n, usable_n = int(used), int(usable)
    except (TypeError, ValueError):
        return ""
    if usable_n <= 0:
        return "0 %"
    share = used_n * 100 / usable_n
    if 0 < share < 0.01:
        return "<0.01 %"
    if share < 10 and share != int(share):
        return f"{share:.1f} %"
    return f"{min(share, 100):.0f} %"


@register.filter
def ago(value: object) -> str:
    """Compact relative time for dense tables: "45 s ago", "12 min ago", "3 h ago", "5 d ago"."""
    if not isinstance(value, datetime):
        return ""
    seconds = int((timezone.now() - value).total_seconds())
    if seconds < 0:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


@register.simple_tag(takes_context=True)
def host_panel(context: template.Context, panel: Any) -> str:
    """Render a section another app added to the host page (ipam.host_panels) in place."""
    section = context.template.engine.get_template(panel.template)  # type: ignore[union-attr]
    with context.push(**panel.context):
        return section.render(context)
