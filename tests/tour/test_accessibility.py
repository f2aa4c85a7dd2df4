"""An automated accessibility check of the main pages with axe-core, in every theme.

axe-core is vendored for the tests only (tests/vendor/, MPL-2.0) and injected
into each page; Netkeep's Content-Security-Policy rightly refuses injected
scripts, so these tests alone use a browser context that bypasses the policy.
It runs the rules a user trips over first, and only those (axe's other rules
would double the time): text contrast below WCAG AA, in every theme the theme
button offers, form fields, buttons, links or images without a name, controls
nested in other controls, and scrolling boxes the keyboard cannot reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from backups import profiles, store
from inventory.models import Interface
from ipam.models import Host
from netkeep import jobs
from netkeep.events import _event
from netkeep.models import EventKind
from tests.browser import BROWSER_MARKS, choose_theme, sign_in, theme_cycle
from tests.conftest import make_user
from tests.factories import make_device, make_host, make_subnet

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.django_db(transaction=True),
    pytest.mark.same_on_every_database,
]

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-4.14.1.min.js"
# Every control, link and image with a name a screen reader can say.
NAMED = (
    "label",
    "select-name",
    "button-name",
    "input-button-name",
    "link-name",
    "image-alt",
    "svg-img-alt",
    "aria-input-field-name",
    "aria-toggle-field-name",
    "form-field-multiple-labels",
    # A link or button inside another control (a <summary>) has no name of its own.
    "nested-interactive",
    # A box that scrolls sideways (a diff on a phone) must take the keyboard focus.
    "scrollable-region-focusable",
)
RUN = "async (only) => await axe.run(document, {runOnly: only})"
NAMES = {"type": "rule", "values": list(NAMED)}
CONTRAST = {"type": "rule", "values": ["color-contrast"]}


@pytest.fixture
def data(transactional_db: None) -> dict[str, Any]:
    """A little of everything the main pages show: hosts in each state, a device, two configs."""
    lab16 = make_subnet("198.18.0.0/16", name="lab")
    servers = make_subnet("198.18.0.0/24", name="servers", scan_enabled=True)
    now = timezone.now()
    for n, status in enumerate(("up", "up", "down", "unknown", "up"), 1):
        make_host(f"198.18.0.{n}", servers, hostname=f"host-{n}", status=status, latency_ms=1.5)
    Host.objects.update(last_seen=now, status_changed_at=now - timedelta(hours=2))
    gateway = Host.objects.get(address="198.18.0.1")
    device = make_device("edge", platform="cisco_ios", management_host=gateway)
    Interface.objects.create(device=device, name="Gi0/0", host=gateway, is_upstream=True)
    profile = profiles.get("cisco_ios")
    base = "hostname edge\ninterface Gi0/0\n ip address 198.18.0.1 255.255.255.0\nend\n"
    versions = [
        store.save(device, profiles.process(profile, [text])).version
        for text in (base, base.replace("end", "ip route 0.0.0.0 0.0.0.0 198.18.0.254\nend"))
    ]
    jobs.Run.objects.create(
        kind="sweep",
        target=servers.network,
        refs={"subnet": servers.pk},
        status=jobs.RunStatus.SUCCEEDED,
        started=now - timedelta(seconds=3),
        finished=now,
        total=254,
        done=254,
        counts={"alive": 3},
    )
    _event(EventKind.HOST_DOWN, Host.objects.get(address="198.18.0.3"), now, {}).save()
    old, new = versions
    return {
        "pages": [
            ("dashboard", "/"),
            ("subnets", "/ipam/subnets/"),
            ("subnet", servers.get_absolute_url()),
            ("heatmap", lab16.get_absolute_url()),
            ("hosts", "/ipam/hosts/"),
            ("subnet form", "/ipam/subnets/new/"),
            ("host form", f"/ipam/hosts/new/?subnet={servers.pk}&address=198.18.0.9"),
            ("devices", "/inventory/devices/"),
            ("device", device.get_absolute_url()),
            ("device form", "/inventory/devices/new/"),
            ("topology", "/inventory/topology/"),
            ("backup versions", f"/backups/devices/{device.pk}/"),
            ("backup diff", f"/backups/diff/{old.pk}/{new.pk}/"),
            ("jobs", "/jobs/"),
            ("discovery", "/discovery/"),
            ("events", "/events/"),
        ],
        "servers": servers,
    }


@pytest.fixture
def axe_context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    yield context
    context.close()


def check(page: Any, where: str, found: list[str], only: dict[str, Any]) -> None:
    """Run axe's `only` rules on the page as it is now; add its violations to `found`."""
    page.add_script_tag(path=str(AXE))
    for violation in page.evaluate(RUN, only)["violations"]:
        nodes = [" ".join(n["target"]) + ": " + n["failureSummary"] for n in violation["nodes"]]
        found.append(f"{where}: {violation['id']} ({violation['help']}) ×{len(nodes)}: {nodes[:3]}")


def visit(
    page: Any, base: str, data: dict[str, Any], where: str, found: list[str], only: Any
) -> None:
    """Check every main page, and the host drawer open over its subnet page."""
    for name, path in data["pages"]:
        page.goto(base + path)
        check(page, f"{where} {name}", found, only)
    page.goto(base + data["servers"].get_absolute_url())
    page.locator("tr.host-row a[data-drawer-open]").first.click()
    page.locator("#drawer .host-drawer").wait_for()
    check(page, f"{where} host drawer", found, only)
    page.keyboard.press("Escape")  # the drawer would cover the theme button


def test_every_field_button_link_and_image_of_the_main_pages_has_a_name(
    browser: Any, live_server: Any, data: dict[str, Any], axe_context: Any
) -> None:
    make_user("alice", "admin")
    found: list[str] = []
    page = axe_context.new_page()
    page.goto(f"{live_server.url}/login/")
    check(page, "sign-in", found, NAMES)
    page.close()
    page = sign_in(axe_context, live_server, "alice")
    visit(page, live_server.url, data, "", found, NAMES)
    assert not found, "elements without a name:\n" + "\n".join(found)


def test_text_on_the_main_pages_meets_wcag_aa_contrast_in_every_theme(
    browser: Any, live_server: Any, data: dict[str, Any], axe_context: Any
) -> None:
    make_user("alice", "admin")
    found: list[str] = []
    page = sign_in(axe_context, live_server, "alice")
    check(page, "sign-in", found, CONTRAST)
    themes = theme_cycle(page)
    assert {"light", "contrast"} <= set(themes)
    for theme in themes:
        choose_theme(page, theme)
        visit(page, live_server.url, data, theme, found, CONTRAST)
        assert page.evaluate("document.documentElement.dataset.theme") == theme
    assert not found, "text below WCAG AA contrast:\n" + "\n".join(found)


# Per row of the side-by-side diff: its height and its line cells' text; the boxes' widths.
DIFF_ROWS = """() => ({
  rows: [...document.querySelectorAll('table.diff-side tbody tr:not(.gap)')].map(
    r => [r.getBoundingClientRect().height, [...r.querySelectorAll('td.old, td.new')].map(
      c => c.textContent)]),
  line: parseFloat(getComputedStyle(document.querySelector('table.diff-side td')).lineHeight),
  page: document.documentElement.scrollWidth,
  box: [document.querySelector('.diff-scroll').scrollWidth,
        document.querySelector('.diff-scroll').clientWidth],
})"""


def test_a_diff_on_a_phone_keeps_config_lines_whole_and_scrolls_them_sideways(
    browser: Any, live_server: Any, data: dict[str, Any]
) -> None:
    make_user("alice", "admin")
    page = sign_in(browser, live_server, "alice", viewport={"width": 375, "height": 812})
    diff = dict(data["pages"])["backup diff"]
    page.goto(f"{live_server.url}{diff}?view=side")
    seen = page.evaluate(DIFF_ROWS)
    texts = [text for _, cells in seen["rows"] for text in cells]
    assert "ip route 0.0.0.0 0.0.0.0 198.18.0.254" in texts
    # One line of text per row: no config line is broken over two.
    assert all(height < seen["line"] * 1.5 for height, _ in seen["rows"]), seen
    # The page itself fits the phone; the diff scrolls inside its own box.
    assert seen["page"] <= 375
    scroll_width, client_width = seen["box"]
    assert scroll_width > client_width
    page.close()
