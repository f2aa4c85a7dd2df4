"""Shared set-up for the browser tests: Playwright driving Debian's Chromium.

Test modules set `pytestmark = BROWSER_MARKS` and use the `browser` fixture
(tests/conftest.py makes it available everywhere) and `sign_in()`. Only
loopback traffic: the browser talks to pytest-django's live server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/lib/chromium/chromium"  # the real binary; /usr/bin/chromium is a wrapper
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # required as root
    "--disable-gpu",
    "--disable-background-networking",  # no calls home from the browser
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path("/tmp/shots")

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium is not installed at {CHROMIUM}"
    ),
]


# Module scope, not session: while Playwright's sync API is open it keeps an
# asyncio loop running in this thread, and later tests call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing"
    )
    # Playwright's sync API runs an event loop; Django's ORM calls from the test
    # thread are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def sign_in(browser: Any, live_server: Any, username: str, **context: Any) -> Any:
    """A page signed in through the real sign-in form."""
    from tests.conftest import PASSWORD

    page = browser.new_page(**context)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


def choose_theme(page: Any, theme: str) -> None:
    """Press the top bar's theme button until the page shows `theme` (it cycles themes)."""
    for _ in range(4):
        if page.evaluate("document.documentElement.dataset.theme") == theme:
            return
        page.locator("[data-theme-toggle]").first.click()
    raise AssertionError(f"the theme button never reached the {theme!r} theme")


def theme_cycle(page: Any) -> list[str]:
    """Every theme the top bar's button offers, in its order, starting with the current one."""
    seen = [page.evaluate("document.documentElement.dataset.theme")]
    for _ in range(5):
        page.locator("[data-theme-toggle]").first.click()
        theme = page.evaluate("document.documentElement.dataset.theme")
        if theme == seen[0]:
            return seen
        seen.append(theme)
    raise AssertionError(f"the theme button does not come back to {seen[0]!r}: {seen}")
