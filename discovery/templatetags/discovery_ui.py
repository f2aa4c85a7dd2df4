"""Template filters of the discovery pages."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from discovery.scope import ALLOWLIST_PAGE

register = template.Library()


@register.filter
def allowlist_link(text: object) -> SafeString:
    """The text, escaped, with every "Discovery → Allowlist" a link to that page.

    Refusals name the page where the fix is (scope.ALLOWLIST_PAGE); in plain
    text (API, commands, logs) they stay words, on a page they become a link.
    """
    escaped = str(conditional_escape(str(text)))
    link = format_html('<a href="{}">{}</a>', reverse("discovery:allowlist"), ALLOWLIST_PAGE)
    # The phrase has no characters that escaping changes, so it is found as is.
    return mark_safe(escaped.replace(ALLOWLIST_PAGE, link))  # noqa: S308  (escaped above)
