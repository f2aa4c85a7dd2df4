"""No request text comes back unescaped in an HTML response, on any page, for any parameter.

The sweep visits every URL pattern of the project (tests/pages.py fills path
arguments with real ids) as an admin, with and without HTMX headers. Each
view's query parameters are discovered three ways: a generic list of likely
names, every filter of every FilterSet the view's module or viewset uses, and
the names the view actually reads (request.GET is replaced by a dict that
records every lookup), repeated until no new name turns up. Each name gets the
payload alone, then all names at once.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

import django_filters
import pytest
from django.core.handlers import wsgi
from django.http import HttpResponseBase, QueryDict
from django.test import Client

from tests.pages import SHARDS, STORED, Page, every_page, populate

PAYLOAD = "\"'><script>alert(7)</script><svg/onload=alert(8)> onmouseover=alert(9) x="
# What a browser would run if the payload (or the stored text) came back as markup.
MARKERS = ("<script>alert(7)", "<svg/onload=alert(8)", STORED)
LIKELY = [
    *("q", "search", "next", "page", "per_page", "sort", "order", "ordering", "o", "p"),
    *("format", "kind", "status", "tag", "within", "contains", "vrf", "vlan", "subnet"),
    *("host", "first", "last", "run", "range", "view", "mode", "tab", "e", "_popup"),
    *("_to_field", "watch", "since", "until", "days", "action", "item", "items"),
]
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "main", "HTTP_HX_CURRENT_URL": "/"}


class RecordingQueryDict(QueryDict):
    """request.GET that remembers every name a view looks up."""

    seen: ClassVar[set[str]] = set()

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def getlist(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.seen.add(key)
        return super().__contains__(key)

    # Iterating over every parameter reads each by name; that is no sign that a
    # view looks for that name (the all-names request covers echo-everything views).
    def items(self) -> Any:
        return [(key, QueryDict.__getitem__(self, key)) for key in self]

    def dict(self) -> dict[str, Any]:
        return dict(self.items())


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> type[RecordingQueryDict]:
    # WSGIRequest.GET builds its QueryDict from this module-level name.
    monkeypatch.setattr(wsgi, "QueryDict", RecordingQueryDict)
    return RecordingQueryDict


def filter_names(page: Page) -> set[str]:
    """Every filter of the FilterSets the page's viewset or view module uses."""
    view = page.view
    viewset = getattr(view, "cls", None)
    filtersets: list[Any] = [getattr(viewset, "filterset_class", None)]
    module = sys.modules.get(getattr(view, "__module__", ""), None)
    filtersets += list(vars(module).values()) if module else []
    return {
        name
        for fs in filtersets
        if isinstance(fs, type) and issubclass(fs, django_filters.FilterSet)
        for name in fs.base_filters  # type: ignore[attr-defined]
    }


def body(response: HttpResponseBase) -> str:
    streaming = response.streaming
    content = b"".join(response.streaming_content) if streaming else response.content  # type: ignore[attr-defined]
    return content.decode(errors="replace")


def renders_as_markup(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").lower()
    return not content_type or "html" in content_type or "xml" in content_type


def visit(
    client: Client, page: Page, params: dict[str, str], headers: dict[str, str]
) -> tuple[list[str], set[str]]:
    """One request: how it echoed the payload as markup (if it did), and the names it read."""
    RecordingQueryDict.seen.clear()
    response = client.get(page.path, params, **headers)  # type: ignore[arg-type]
    read = set(RecordingQueryDict.seen)
    if renders_as_markup(response) and any(m in body(response) for m in MARKERS):
        where = "HTMX " if headers else ""
        status = f"{response.status_code} {response.get('Content-Type')}"
        return [f"{where}GET {page.path}?{'&'.join(sorted(params))} → {status}"], read
    return [], read


def sweep(client: Client, page: Page) -> list[str]:
    """The payload in every name at once; then alone in each name that an early return
    skipped (read without it, not read with it), until no such name is left."""
    found: list[str] = []
    for headers in ({}, HTMX):
        _, read_ever = visit(client, page, {}, headers)
        likely = set(LIKELY) | filter_names(page)
        tried: set[str] = set()
        while True:
            params = dict.fromkeys(likely | read_ever, PAYLOAD)
            echoed, read_all = visit(client, page, params, headers)
            found += echoed
            read_ever |= read_all
            skipped = sorted(read_ever - read_all - tried)
            if not skipped:
                break
            for name in skipped:
                tried.add(name)
                echoed, read = visit(client, page, {name: PAYLOAD}, headers)
                found += echoed
                read_ever |= read
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_page_echoes_request_text_as_markup(
    alice: Any, recording: type[RecordingQueryDict], shard: int
) -> None:
    populate()
    client = Client()
    found: list[str] = []
    visited = 0
    for page in every_page(shard):
        client.force_login(alice)  # a logout page visited on the way signs out
        found += sweep(client, page)
        visited += 1
    # Together the shards reach every page, admin and API included (over 200).
    assert visited > 200 / SHARDS / 2, "a shard of the sweep reached too few pages"
    assert not found, "request or stored text came back as markup:\n" + "\n".join(found)


def test_the_sweep_catches_an_echo_and_discovers_the_names_a_view_reads(
    alice: Any, recording: type[RecordingQueryDict], settings: Any
) -> None:
    """A view that echoes a parameter nobody listed is caught (the sweep cannot miss it)."""
    from django.http import HttpResponse
    from django.urls import URLPattern, path

    def echo(request: Any) -> HttpResponse:
        return HttpResponse(f"bad value {request.GET.get('zz_unlisted', '')}")

    pattern: URLPattern = path("echo/", echo)
    client = Client()
    client.force_login(alice)
    urlconf = type("urls", (), {"urlpatterns": [pattern]})
    settings.ROOT_URLCONF = urlconf
    found = sweep(client, Page("/echo/", pattern, "echo/"))
    assert found and "zz_unlisted" in found[0]
