"""DRF's browsable API under the Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from rest_framework import renderers

# The only style="" attribute DRF's base.html writes (the filter and format buttons):
# allowed by its hash alone, not by allowing inline styles.
DRF_STYLE_ATTRIBUTES = ["float: right; margin-right: 10px"]


def _style_hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The browsable API without its inline <style> (syntax colours), its two style
    attributes allowed by hash on its own pages only."""

    def get_context(self, data: Any, accepted_media_type: Any, renderer_context: Any) -> Any:
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        response = renderer_context.get("response")
        if response is not None:
            hashes = [_style_hash(text) for text in DRF_STYLE_ATTRIBUTES]
            response._csp_update = {"style-src-attr": ["'unsafe-hashes'", *hashes]}
        return context
