"""Every page loads only from the server itself, with no CSP violation or console error.

Chromium (Playwright) signs in as an admin and visits every page of the URLconf
with real ids (tests/pages.py): the app, the Django admin for every model, the
browsable API and /api/docs/. It records every request the pages
make, and fails on any host other than the live server's, on any
Content-Security-Policy violation and on any console error or uncaught script
error. An air-gapped install then works, and nothing leaks use to a third party.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser import BROWSER_MARKS, sign_in
from tests.conftest import make_user
from tests.pages import SHARDS, every_page, populate

# What a page loads comes from its templates, static files and policy, not the database.
pytestmark = [*BROWSER_MARKS, pytest.mark.same_on_every_database]

# Pages that only redirect or answer something other than a page (a logout GET is refused).
SKIP = ("/logout/", "/admin/logout/")


def visit_all(browser: Any, live_server: Any, shard: int) -> tuple[list[str], list[str], int]:
    page = sign_in(browser, live_server, "alice")
    server = urlsplit(live_server.url).netloc
    outside: list[str] = []
    problems: list[str] = []
    current = {"url": ""}

    def on_request(request: Any) -> None:
        host = urlsplit(request.url).netloc
        if request.url.startswith(("data:", "blob:", "about:")) or host == server:
            return
        outside.append(f"{current['url']} → {request.url}")

    def on_console(message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        text = message.text
        # The page's own 4xx (a GET on a POST-only view) is not a problem of the page.
        own = message.location.get("url", "") == current["url"]
        if own and text.startswith("Failed to load resource"):
            return
        if message.type == "error" or "Content Security Policy" in text:
            problems.append(f"{current['url']}: {message.type}: {text}")

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{current['url']}: script error: {error}"))
    visited = 0
    for entry in every_page(shard):
        if entry.path in SKIP:
            continue
        current["url"] = live_server.url + entry.path
        # An empty error answer (a 405 to a GET on a POST-only view) or a download
        # (a CSV export) is no page to render.
        answer = page.request.get(current["url"], max_redirects=0)
        if not answer.body() or "attachment" in answer.headers.get("content-disposition", ""):
            continue
        try:
            page.goto(current["url"], wait_until="load")
        except PlaywrightError as error:
            if "Download is starting" not in str(error):  # a file the browser saves (the schema)
                raise
            continue
        if entry.path == "/api/docs/":
            page.wait_for_load_state("networkidle")  # the schema and the bundle's own loads
        visited += 1
    page.close()
    return outside, problems, visited


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_page_loads_only_from_the_server_without_csp_violations(
    browser: Any, live_server: Any, shard: int
) -> None:
    populate()
    make_user("alice", "admin")
    outside, problems, visited = visit_all(browser, live_server, shard)
    assert visited > 200 / SHARDS / 2  # the shards together visit over 200 pages
    assert not outside, "requests to other hosts:\n" + "\n".join(sorted(set(outside)))
    assert not problems, "CSP violations or console errors:\n" + "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_under_the_policy(browser: Any, live_server: Any) -> None:
    make_user("alice", "admin")
    page = sign_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)  # operations listed
    page.close()
