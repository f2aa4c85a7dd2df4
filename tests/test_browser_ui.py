"""Keyboard focus, the top bar at phone and desktop widths, and the theme button, in Chromium.

Screenshots land in /tmp/shots/ for a person to look at.
"""

from __future__ import annotations

from typing import Any

from tests.browser import BROWSER_MARKS, SHOTS, sign_in
from tests.conftest import make_user
from tests.factories import make_host, make_subnet

pytestmark = BROWSER_MARKS

# The placeholder's text width against the room the input gives it (0 when it fits).
PLACEHOLDER_OVERFLOW = """(input) => {
  const style = getComputedStyle(input);
  const canvas = document.createElement("canvas").getContext("2d");
  canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return Math.max(0, canvas.measureText(input.placeholder).width - room);
}"""
# Is the element wholly inside the viewport and inside every ancestor that clips?
FULLY_VISIBLE = """(el) => {
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.left < 0 || box.right > window.innerWidth) return false;
  for (let up = el.parentElement; up; up = up.parentElement) {
    const style = getComputedStyle(up);
    if (style.overflowX === "visible") continue;
    const clip = up.getBoundingClientRect();
    if (box.left < clip.left - 0.5 || box.right > clip.right + 0.5) return false;
  }
  return true;
}"""


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_after_expanding_a_free_run_with_enter_tab_reaches_its_add_host_links(
    browser: Any, live_server: Any, transactional_db: None
) -> None:
    make_user("erin", "editor")
    subnet = make_subnet("198.18.1.0/24", name="users")
    for n in (1, 2, 40):
        make_host(f"198.18.1.{n}", subnet=subnet)
    page = sign_in(browser, live_server, "erin")
    page.goto(f"{live_server.url}{subnet.get_absolute_url()}")
    run = page.locator("tr.free-run a.free", has_text="198.18.1.3 – 198.18.1.39")
    run.focus()
    page.keyboard.press("Enter")
    page.locator("tr.free-addr").first.wait_for()
    # The focus stays where the user was: on the run, now its "hide" toggle.
    page.wait_for_selector("tr.free-head button.free-toggle:focus")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.textContent, document.activeElement.getAttribute('href')]"
    )
    assert focused[0] == "Add host here" and focused[1].endswith("198.18.1.3"), focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')").endswith("198.18.1.4")
    _shot(page, "keyboard-free-run-expanded")
    page.close()


def test_the_top_bar_fits_a_phone_and_a_desktop_and_the_theme_button_cycles(
    browser: Any, live_server: Any, transactional_db: None
) -> None:
    make_user("alice", "admin")
    for width, height in ((375, 740), (1024, 768), (1280, 800)):
        page = sign_in(browser, live_server, "alice", viewport={"width": width, "height": height})
        page.goto(f"{live_server.url}/ipam/")
        admin = page.locator(".mainnav a", has_text="Admin")
        assert admin.evaluate(FULLY_VISIBLE), f"'Admin' is clipped at {width} px"
        for link in page.locator(".mainnav a").all():
            assert link.evaluate(FULLY_VISIBLE), (width, link.inner_text())
        search = page.locator("#topsearch")
        assert search.evaluate(PLACEHOLDER_OVERFLOW) == 0, f"placeholder cut at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _shot(page, f"topbar-{width}")
        page.close()
    page = sign_in(browser, live_server, "alice", viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/discovery/")
    seen = [page.evaluate("document.documentElement.dataset.theme")]
    toggle = page.locator("[data-theme-toggle]")
    for _ in range(3):
        toggle.click()
        seen.append(page.evaluate("document.documentElement.dataset.theme"))
        _shot(page, f"theme-{seen[-1]}")
    assert seen == ["light", "dark", "contrast", "light"]
    assert toggle.get_attribute("aria-label") == "Theme: Light. Switch to Dark"
    toggle.click()
    page.reload()  # remembered, and applied before the page paints
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.close()
