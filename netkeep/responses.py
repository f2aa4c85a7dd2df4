"""Error answers that cannot carry markup: request text in them stays text.

A browser renders an `HttpResponse(message)` as HTML, so any request text in
`message` becomes markup on our origin. Every error answer built from strings
goes through here (text/plain) or through an autoescaping template.
"""

from __future__ import annotations

from django.http import HttpResponse

PLAIN = "text/plain; charset=utf-8"


def plain_error(message: str, status: int = 400) -> HttpResponse:
    """`message` as a text/plain answer (browsers never parse it as markup)."""
    response = HttpResponse(message, content_type=PLAIN, status=status)
    # text/plain must stay text/plain, whatever the body looks like.
    response["X-Content-Type-Options"] = "nosniff"
    return response
