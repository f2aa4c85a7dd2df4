"""DRF's browsable API under the Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from rest_framework import renderers

# The style="" attributes DRF's templates write (buttons, fieldsets, filter forms),
# each allowed by its hash alone, not by allowing inline styles.
DRF_STYLE_ATTRIBUTES = [
    "float: right; margin-right: 10px",
    "float: right",
    "float:left",
    "clear: both",
    "border: none",
    "border-bottom: 0",
    "border-bottom: 1px solid #e5e5e5",
    "margin-top: 30px",
    "margin: 0 0 20px;",
    "width: 350px",
    "width: 320px; margin-left: auto; margin-right: auto",
]


def _style_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The browsable API without its inline <style> (syntax colours), its fixed style
    attributes allowed by hash on its own pages only."""

    def get_context(self, data: Any, accepted_media_type: Any, renderer_context: Any) -> Any:
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        response = renderer_context.get("response")
        if response is not None:
            hashes = [_style_hash(text) for text in DRF_STYLE_ATTRIBUTES]
            response._csp_update = {"style-src-attr": ["'unsafe-hashes'", *hashes]}
        return context
