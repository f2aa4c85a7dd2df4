"""Response headers every answer gets: no caching of anything personal."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Cache-Control: no-store on signed-in pages, API answers and exports.

    A shared or browser cache must not keep an inventory, a CSV export or an
    API answer for the next person at the same machine or proxy. Static files
    never get here (WhiteNoise answers them earlier, with long caching).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        export = response.get("Content-Disposition", "").startswith("attachment")
        if signed_in or export or request.path_info.startswith("/api/"):
            add_never_cache_headers(response)
        return response
