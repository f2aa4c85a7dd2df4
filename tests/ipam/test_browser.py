"""The IPAM flows that need JavaScript, driven in Debian's Chromium through Playwright.

Screenshots of the main pages land in /tmp/shots/ for a person to look at.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ipam.models import Host, Subnet
from tests.browser import BROWSER_MARKS, SHOTS, sign_in
from tests.conftest import make_user
from tests.factories import make_host, make_hosts, make_subnet, make_tag, make_vlan, make_vrf

pytestmark = BROWSER_MARKS


@pytest.fixture
def editor_page(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    make_user("erin", "editor")
    page = sign_in(browser, live_server, "erin")
    yield page
    page.close()


def _lab_network() -> tuple[Subnet, Subnet]:
    """A /16 with child /24s and hosts, and one of its /24s with annotated hosts."""
    vrf = make_vrf("lab")
    top = make_subnet("198.18.0.0/16", name="lab campus", vrf=vrf)
    users = make_subnet(
        "198.18.1.0/24", name="users", vrf=vrf, vlan=make_vlan(10, "users", colour="#8e44ad")
    )
    users.tags.add(make_tag("office", colour="#e67e22"))
    make_subnet("198.18.2.0/24", name="servers", vrf=vrf)
    make_subnet("198.18.64.0/20", name="wifi", vrf=vrf)
    now = timezone.now()
    for n in (1, 2, 3, 10, 11, 12, 40, 200):
        make_host(
            f"198.18.1.{n}",
            subnet=users,
            hostname=f"pc-{n}.lab.example",
            description="Desk PC" if n > 3 else "Gateway",
            status="up" if n % 3 else "down",
            latency_ms=0.4 * n,
            last_seen=now - timedelta(minutes=n),
        )
    # Hosts spread over the /16 outside the children, so the heatmap has texture.
    spread = [
        str(ipaddress.ip_address(f"198.18.{b}.{h}"))
        for b in range(8, 48)
        for h in range(1, 2 + b * 3)
    ]
    make_hosts(top, spread, status="up")
    return top, users


def test_it_expands_a_free_run_in_place(editor_page: Any, live_server: Any) -> None:
    _top, users = _lab_network()
    page = editor_page
    page.goto(f"{live_server.url}{users.get_absolute_url()}")
    run = page.locator("tr.free-run a.free", has_text="198.18.1.41 – 198.18.1.199")
    assert "159 free" in run.inner_text()
    run.click()
    free_rows = page.locator("tr.free-addr")
    free_rows.first.wait_for()
    assert free_rows.count() == 64
    assert free_rows.first.inner_text().startswith("free\t198.18.1.41")
    assert (
        free_rows.first.locator("a", has_text="Add host here")
        .get_attribute("href")
        .endswith(f"?subnet={users.pk}&address=198.18.1.41")
    )
    # The rest of the run stays collapsed and expands the same way.
    rest = page.locator("tr.free-run a.free", has_text="198.18.1.105 – 198.18.1.199")
    assert "95 free" in rest.inner_text()
    rest.click()
    # Locator waits, not wait_for_function: a polled string predicate is an eval the CSP refuses.
    expect(page.locator("tr.free-addr")).to_have_count(128)
    _shot(page, "subnet-24-expanded")
    # One click folds the whole run back, however many pages were opened.
    page.click("button.free-toggle")
    expect(page.locator("tr.free-addr:not([hidden])")).to_have_count(0)
    assert page.locator("button.free-toggle").get_attribute("aria-expanded") == "false"


def test_it_edits_a_hostname_inline(editor_page: Any, live_server: Any) -> None:
    _top, users = _lab_network()
    host = Host.objects.get(address="198.18.1.10")
    page = editor_page
    page.goto(f"{live_server.url}{users.get_absolute_url()}")
    page.click(f"#a-{host.pk} button:has-text('Edit')")
    field = page.locator(f"#h{host.pk}-hostname")
    field.fill("printer-2.lab.example")
    page.locator(f"#h{host.pk}-tags").fill("printers, office")
    _shot(page, "subnet-24-inline-edit")
    page.click(f"#a-{host.pk} button:has-text('Save')")
    page.locator(f"tr.host-row#a-{host.pk}", has_text="printer-2.lab.example").wait_for()
    host.refresh_from_db()
    assert host.hostname == "printer-2.lab.example"
    assert sorted(t.name for t in host.tags.all()) == ["office", "printers"]


def test_it_shows_the_inline_form_errors_without_leaving_the_row(
    editor_page: Any, live_server: Any
) -> None:
    _top, users = _lab_network()
    host = Host.objects.get(address="198.18.1.10")
    page = editor_page
    page.goto(f"{live_server.url}{users.get_absolute_url()}")
    page.click(f"#a-{host.pk} button:has-text('Edit')")
    page.locator(f"#h{host.pk}-tags").fill("bad tag!")
    page.click(f"#a-{host.pk} button:has-text('Save')")
    error = page.locator(f"#a-{host.pk} .error")
    error.wait_for()
    assert "may hold only letters" in error.inner_text()


def test_search_results_are_keyboard_selectable(editor_page: Any, live_server: Any) -> None:
    _lab_network()
    page = editor_page
    page.goto(f"{live_server.url}/ipam/search/?q=pc-1")
    page.focus("#q")
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.textContent")
    assert "198.18.1.1" in first
    page.keyboard.press("ArrowDown")
    assert "198.18.1.10" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url("**/subnets/**")


def test_the_host_drawer_opens_from_a_row(editor_page: Any, live_server: Any) -> None:
    _top, users = _lab_network()
    page = editor_page
    page.goto(f"{live_server.url}{users.get_absolute_url()}")
    page.click("tr.host-row td.desc >> nth=0")
    drawer = page.locator("#drawer")
    drawer.wait_for(state="visible")
    assert "198.18.1.1" in drawer.locator("#drawer-body").inner_text()
    _shot(page, "subnet-24-drawer")
    page.keyboard.press("Escape")
    drawer.wait_for(state="hidden")


def test_next_free_and_allocate(editor_page: Any, live_server: Any) -> None:
    _top, users = _lab_network()
    page = editor_page
    page.goto(f"{live_server.url}{users.get_absolute_url()}")
    page.click("a.button:has-text('Next free')")
    panel = page.locator("#next-free .next-free")
    panel.wait_for()
    assert "First free address: 198.18.1.4" in panel.inner_text()
    _shot(page, "subnet-24-next-free")
    page.fill("#id_count", "2")
    page.fill("#id_description", "build VMs")
    page.click("#next-free button:has-text('Allocate')")
    page.locator(
        ".messages", has_text="Allocated 2 address(es): 198.18.1.4 – 198.18.1.5."
    ).wait_for()
    assert Host.objects.filter(description="build VMs").count() == 2


def test_the_order_buttons_follow_the_list_and_errors_stay_in_place(
    editor_page: Any, live_server: Any
) -> None:
    _top, users = _lab_network()
    page = editor_page
    page.goto(f"{live_server.url}{users.get_absolute_url()}")
    page.click("#flow-order a:has-text('Alive first')")
    page.wait_for_selector("#flow-order a[aria-current='true']:has-text('Alive first')")
    assert page.locator("#flow-order a[aria-current='true']").count() == 1
    page.click("th a.sort:has-text('Hostname')")
    page.wait_for_selector("th[aria-sort='ascending'] a:has-text('Hostname')")
    assert page.locator("#flow-order a[aria-current='true']").count() == 0
    # Allocating several with a hostname: the refusal shows in the same box, page intact.
    page.click("a.button:has-text('Next free')")
    page.locator("#next-free .next-free").wait_for()
    assert "leave it empty when allocating several" in page.inner_text("#next-free")
    page.fill("#id_count", "2")
    page.fill("#id_hostname", "web")
    page.click("#next-free button:has-text('Allocate')")
    page.locator("#next-free .error", has_text="Leave the hostname empty").wait_for()
    assert page.locator("#flow-rows").count() == 1 and not Host.objects.filter(hostname="web")


def test_the_top_bar_suggests_and_the_keyboard_moves_through_them(
    editor_page: Any, live_server: Any
) -> None:
    _lab_network()
    page = editor_page
    page.goto(f"{live_server.url}/ipam/subnets/")
    page.fill("#topsearch", "pc-1")
    link = page.locator("#typeahead a", has_text="198.18.1.1")
    link.first.wait_for()
    page.focus("#topsearch")
    page.keyboard.press("ArrowDown")
    assert "198.18.1.1" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Escape")
    expect(page.locator("#typeahead a")).to_have_count(0)
    assert page.evaluate("document.activeElement.id") == "topsearch"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_pages_fit_a_phone_and_the_contrast_theme(
    browser: Any, live_server: Any, transactional_db: None
) -> None:
    """Also writes screenshots of each page to /tmp/shots/ for review."""
    top, users = _lab_network()
    make_user("victor", "viewer")
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "subnet-list": "/ipam/subnets/",
        "subnet-24": users.get_absolute_url(),
        "subnet-16-heatmap": top.get_absolute_url(),
        "search": "/ipam/search/?q=198.18.1",
        "vlans": "/ipam/vlans/",
    }
    desktop = sign_in(browser, live_server, "victor", viewport={"width": 1280, "height": 900})
    for name, path in pages.items():
        desktop.goto(f"{live_server.url}{path}")
        desktop.screenshot(path=str(SHOTS / f"{name}.png"), full_page="16" not in name)
        assert _no_sideways_scroll(desktop), name
    desktop.goto(f"{live_server.url}/ipam/subnets/")
    branch = desktop.get_by_role("button", name="Subnets inside 198.18.0.0/16")
    branch.click()
    desktop.locator(".children a.mono", has_text="198.18.64.0/20").wait_for()
    assert branch.get_attribute("aria-expanded") == "true"
    desktop.screenshot(path=str(SHOTS / "subnet-list-open.png"), full_page=True)
    phone = sign_in(browser, live_server, "victor", viewport={"width": 390, "height": 844})
    for name, path in pages.items():
        phone.goto(f"{live_server.url}{path}")
        phone.screenshot(path=str(SHOTS / f"phone-{name}.png"), full_page="16" not in name)
        assert _no_sideways_scroll(phone), f"{name} scrolls sideways on a phone"
    desktop.evaluate("localStorage.setItem('netkeep-theme', 'contrast')")
    for name in ("subnet-24", "subnet-16-heatmap"):
        desktop.goto(f"{live_server.url}{pages[name]}")
        assert desktop.evaluate("document.documentElement.dataset.theme") == "contrast"
        desktop.screenshot(path=str(SHOTS / f"contrast-{name}.png"))
    desktop.close()
    phone.close()
