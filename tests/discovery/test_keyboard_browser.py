"""Keyboard-first, in Debian's Chromium: shortcuts, the shortcuts dialog, watching without a mouse.

One test walks the whole path on one page, so the browser starts once. The
events page's screenshot lands in /tmp/shots/events.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from ipam.models import Host
from netkeep import events
from netkeep.models import EventKind, Watch
from tests.browser import BROWSER_MARKS, SHOTS, sign_in
from tests.conftest import make_user
from tests.factories import make_device, make_host, make_subnet

pytestmark = BROWSER_MARKS


def _active(page: Any, js: str) -> Any:
    return page.evaluate(f"() => {{ const el = document.activeElement; return {js}; }}")


@pytest.mark.django_db(transaction=True)
def test_a_keyboard_alone_searches_moves_through_rows_opens_them_watches_and_shows_help(
    browser: Any, live_server: Any
) -> None:
    make_user("erin", "editor")
    subnet = make_subnet("198.18.1.0/24", name="users")
    hosts = [make_host(f"198.18.1.{n}", subnet, hostname=f"pc-{n}") for n in (1, 2, 3)]
    core = make_device("core1")
    events.record(EventKind.HOST_DOWN, hosts[0])
    events.record(EventKind.CONFIG_CHANGED, core)  # the newest: the first row
    page = sign_in(browser, live_server, "erin")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Events page: j/k move a visible selection through the rows; Enter opens the row.
    page.goto(f"{live_server.url}/events/")
    page.keyboard.press("j")
    assert (
        _active(page, "el.tagName + ' ' + el.className") == "TR event ev-config_changed kb-current"
    )
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert "ev-config_changed" in _active(page, "el.className")
    outline = _active(page, "getComputedStyle(el).outlineStyle")
    assert outline == "solid"  # the selected row is visibly marked
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{Host.objects.get(pk=hosts[0].pk).get_absolute_url()}")

    # Subnet page: "/" focuses the top-bar search, where j is just a letter.
    page.goto(f"{live_server.url}{subnet.get_absolute_url()}")
    page.keyboard.press("/")
    assert _active(page, "el.id") == "topsearch"
    page.keyboard.type("jk")
    assert page.input_value("#topsearch") == "jk"
    assert page.locator("tr.kb-current").count() == 0
    page.keyboard.press("Tab")  # leave the field

    # j until a host row; Enter opens its drawer; Esc closes it and gives focus back.
    for _ in range(10):
        page.keyboard.press("j")
        if "host-row" in _active(page, "el.className"):
            break
    assert "host-row" in _active(page, "el.className")
    page.keyboard.press("Enter")
    page.locator("#drawer:not([hidden]) .host-drawer").wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#drawer").is_hidden()
    assert _active(page, "el.hasAttribute('data-drawer-open')") is True

    # The Watch button works from the keyboard and keeps focus after htmx swaps it.
    watch = f"#watch-subnet-{subnet.pk}"
    page.focus(watch)
    page.keyboard.press("Enter")
    page.locator(watch, has_text="Unwatch").wait_for()
    assert _active(page, "el.id") == watch[1:]
    assert Watch.objects.filter(user__username="erin", object_id=str(subnet.pk)).exists()

    # "?" opens the shortcuts dialog, modal and focused inside; Esc closes it.
    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    assert dialog.evaluate("d => d.open") is True
    assert dialog.get_attribute("aria-labelledby") == "shortcuts-title"
    assert _active(page, "el.closest('dialog') !== null") is True
    page.keyboard.press("j")  # no row moves behind a modal dialog
    assert _active(page, "el.closest('dialog') !== null") is True
    page.keyboard.press("Escape")
    assert dialog.evaluate("d => d.open") is False
    # The same dialog from the top bar's button, by keyboard.
    page.focus("[data-shortcuts-open]")
    page.keyboard.press("Enter")
    assert dialog.evaluate("d => d.open") is True
    page.keyboard.press("Enter")  # the focused Close button
    assert dialog.evaluate("d => d.open") is False

    # With a watch, the events page says what comes first (a screenshot for people).
    page.goto(f"{live_server.url}/events/")
    assert page.locator("#watched-h").inner_text() == "What you watch comes first"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "events.png"), full_page=True)
    assert errors == []
    page.close()
