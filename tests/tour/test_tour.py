"""The tour: a new administrator's first hour with Netkeep, in Chromium, against the lab.

One browser, one test: the steps build on each other (the scan fills the subnet
the drawer then shows, the backups make the diff), so they share one database
and one page. Jobs really run, in the lab worker thread (tests/tour/conftest.py):
a sweep of the lab's /24, a connection test and two backups of a fakenos Cisco
device. Then the same pages at phone width and in the high-contrast theme.

Every page the tour opens must make no request to another host, log no console
error and get no 5xx answer; at phone width none may be wider than the screen.
With NETKEEP_SCREENSHOTS set, screenshots of the main pages go to that folder
(`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from backups.models import ConfigVersion
from inventory.models import Device
from ipam.models import Host, HostStatus, Subnet
from netkeep import jobs
from tests.browser import BROWSER_MARKS, choose_theme
from tests.lab.netns import Lab
from tests.lab.sshlab import FakeDevice
from tests.pages import has_view
from tests.tour.conftest import LabWorker

pytestmark = [*BROWSER_MARKS, pytest.mark.lab, pytest.mark.django_db(transaction=True)]

BOOTSTRAP = "bootstrap-Pw-2026"
CHOSEN = "tour-chosen-Passw0rd!"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
WAIT = 20_000  # ms: the longest a job of the tour may take (a sweep of a /24 takes ~1 s)
ROUTER = "198.18.0.3"  # a live lab address: the fakenos device listens on its port 22


def running_config(extra: str = "") -> str:
    lines = [
        "! Command: show running-config",
        "version 15.2",
        "hostname lab-router",
        "interface GigabitEthernet0/0",
        f" ip address {ROUTER} 255.255.255.0",
        "interface GigabitEthernet0/1",
        " description uplink",
        " no shutdown",
        *([extra] if extra else []),
        "ip route 0.0.0.0 0.0.0.0 198.18.0.1",
        "end",
    ]
    return "\n".join(lines) + "\n"


# The innermost elements that stick out past the viewport's right edge (outside any
# scrolling box, which may be wider on purpose), for the failure message.
OVERFLOWING = """width => {
  const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) return true; }
    return false; };
  const out = e => e.getBoundingClientRect().right > width + 1;
  return [...document.querySelectorAll('body *')]
    .filter(e => out(e) && !clipped(e) && ![...e.children].some(out))
    .slice(0, 3).map(e => e.outerHTML.slice(0, 120));
}"""


@dataclass
class Tour:
    """The page the tour drives, and what it saw on the way."""

    page: Any
    base: str
    shots: Path | None
    suffix: str = "desktop"
    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    too_wide: list[str] = field(default_factory=list)

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name: str) -> None:
        if self.shots is None:
            return
        self.page.screenshot(path=str(self.shots / f"tour-{name}-{self.suffix}.png"))

    def watch(self) -> None:
        """Record requests to other hosts and console errors, for every page from now on."""
        server = urlsplit(self.base).netloc

        def on_request(request: Any) -> None:
            local = request.url.startswith(("data:", "blob:", "about:"))
            if not local and urlsplit(request.url).netloc != server:
                self.outside.append(f"{self.page.url} → {request.url}")

        def on_console(message: Any) -> None:
            if message.type == "error" or "Content Security Policy" in message.text:
                self.problems.append(f"{self.page.url}: {message.type}: {message.text}")

        def on_response(response: Any) -> None:
            if response.status >= 500:
                self.problems.append(f"{self.page.url}: {response.status} from {response.url}")

        self.page.on("request", on_request)
        self.page.on("response", on_response)
        self.page.on("console", on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: {error}"))

    def visit(
        self, pages: list[tuple[str, str]], *, fits: bool = False, shots: tuple[str, ...] = ()
    ) -> None:
        """Open each page (the drawer from its subnet page); screenshot it, check its width."""
        for name, path in pages:
            self.go(path)
            if name == "host-drawer":
                self.page.locator("tr.host-row a[data-drawer-open]").first.click()
                self.page.locator("#drawer .host-drawer").wait_for()
            if fits:
                self.fits()
            if not shots or name in shots:
                self.shot(name)

    def fits(self) -> None:
        """Nothing sticks out sideways: the page needs no horizontal scrolling."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.viewport_size["width"]
        if width > viewport:
            culprits = self.page.evaluate(OVERFLOWING, viewport)
            self.too_wide.append(
                f"{self.page.url} is {width}px wide in a {viewport}px viewport: {culprits}"
            )


@pytest.fixture
def shots() -> Path | None:
    """Where screenshots go: NETKEEP_SCREENSHOTS, or nowhere (PNG encoding costs CI time)."""
    folder = os.environ.get("NETKEEP_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


@pytest.fixture
def router(lab: Lab) -> Iterator[FakeDevice]:
    device = FakeDevice(
        lab, "lab-router", ROUTER, "cisco_ios", outputs={"show running-config": running_config()}
    ).start()
    yield device
    device.close()


def done(kind: str, number: int, timeout: float = WAIT / 1000) -> jobs.Run:
    """The `number`th run of this kind, once the lab worker has finished it."""
    deadline = time.monotonic() + timeout
    while True:
        runs = list(jobs.Run.objects.filter(kind=kind).order_by("pk"))
        if len(runs) >= number and not runs[number - 1].is_active:
            return runs[number - 1]
        assert time.monotonic() < deadline, f"{kind} run {number} did not finish: {runs}"
        time.sleep(0.05)  # polling the condition, not waiting a fixed time


def test_a_new_administrator_tours_netkeep_on_a_desktop_a_phone_and_in_high_contrast(
    browser: Any,
    live_server: Any,
    lab: Lab,
    lab_worker: LabWorker,
    router: FakeDevice,
    shots: Path | None,
    settings: Any,
) -> None:
    settings.NETKEEP_ADMIN_USER, settings.NETKEEP_ADMIN_PASSWORD = "admin", BOOTSTRAP
    call_command("ensure_admin", verbosity=0)
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    tour = Tour(context.new_page(), live_server.url, shots)
    tour.watch()
    page = tour.page

    # 1. Sign in with the bootstrap password; Netkeep insists on a new one.
    tour.go("/")
    page.get_by_label("Username", exact=True).fill("admin")
    page.get_by_label("Password", exact=True).fill(BOOTSTRAP)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Change password").wait_for()
    page.get_by_label("Old password", exact=True).fill(BOOTSTRAP)
    page.get_by_label("New password", exact=True).fill(CHOSEN)
    page.get_by_label(re.compile("New password confirmation", re.I)).fill(CHOSEN)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_url(lambda url: "password" not in url)

    # 2. Allow scanning of the lab, then a /16 and a /24 in it, the /24 swept.
    tour.go("/discovery/allowlist/")
    page.get_by_role("textbox", name="Network").fill("198.18.0.0/16")
    page.get_by_role("button", name="Allow").click()
    page.get_by_role("cell", name="198.18.0.0/16", exact=True).wait_for()
    for network, name, scanned in (
        ("198.18.0.0/16", "lab", False),
        ("198.18.0.0/24", "servers", True),
    ):
        tour.go("/ipam/subnets/new/")
        page.get_by_label("Network", exact=True).fill(network)
        page.get_by_label("Name", exact=True).fill(name)
        if scanned:
            page.get_by_role("checkbox", name=re.compile("scan", re.I)).first.check()
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"/ipam/subnets/\d+/$"))
    servers = Subnet.objects.get(network="198.18.0.0/24")
    assert servers.parent == Subnet.objects.get(network="198.18.0.0/16")
    assert servers.scan_enabled

    # 3. Expand the /24's free range and add a host at one of its addresses.
    tour.go(servers.get_absolute_url())
    page.get_by_role("link", name=re.compile("show the free addresses")).first.click()
    free = page.locator("tr.free-addr", has_text=re.compile(r"198\.18\.0\.10(?!\d)"))
    free.get_by_role("link", name="Add host here").click()
    page.get_by_label("Hostname", exact=True).fill("ssh-box")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda url: "/new/" not in url)
    host = Host.objects.get(address="198.18.0.10")
    assert (host.hostname, host.subnet_id) == ("ssh-box", servers.pk)

    # 4. Scan the /24 and watch the progress reach the end.
    tour.go(servers.get_absolute_url())
    page.get_by_role("button", name="Scan now").click()
    page.locator("[role=progressbar][aria-valuenow='100']").first.wait_for(timeout=WAIT)
    sweep = done("sweep", 1)
    assert sweep.status == jobs.RunStatus.SUCCEEDED, sweep.error_message
    alive = set(
        Host.objects.filter(subnet=servers, status=HostStatus.UP).values_list("address", flat=True)
    )
    assert alive == set(lab.alive_in(lab.net24))
    tour.go(servers.get_absolute_url())
    rows = page.eval_on_selector_all("tr.host-row", "rows => rows.map(r => r.dataset.address)")
    assert alive <= set(rows)

    # 5. The host drawer, and an inline edit inside it.
    page.locator("tr.host-row[data-address='198.18.0.10'] a[data-drawer-open]").click()
    drawer = page.locator("#drawer")
    drawer.locator(".host-drawer").wait_for()
    drawer.get_by_text("ssh-box").first.wait_for()
    drawer.get_by_role("button", name="Edit", exact=True).click()
    drawer.get_by_label("Description", exact=True).fill("jump host")
    drawer.get_by_role("button", name="Save").click()
    drawer.get_by_text("jump host").wait_for()
    assert Host.objects.get(pk=host.pk).description == "jump host"
    page.keyboard.press("Escape")
    assert not drawer.is_visible()

    # 6. A credential set, and a device with two interfaces that uses it.
    tour.go("/inventory/credentials/new/")
    page.get_by_label("Name", exact=True).fill("lab-ops")
    page.get_by_label("Username", exact=True).fill(router.username)
    page.get_by_label("Password", exact=True).fill(router.password)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(lambda url: "/new/" not in url)
    tour.go("/inventory/devices/new/")
    page.get_by_label("Name", exact=True).fill("lab-router")
    page.get_by_label("Platform", exact=True).select_option("cisco_ios")
    page.get_by_label("Management address", exact=True).fill(ROUTER)
    page.get_by_label("Credential sets", exact=True).fill("lab-ops")
    page.fill("input[name=interfaces-0-name]", "Gi0/0")
    page.fill("input[name=interfaces-0-address]", ROUTER)
    page.fill("input[name=interfaces-1-name]", "Gi0/1")
    page.fill("input[name=interfaces-1-address]", "198.18.0.1")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/inventory/devices/\d+/$"))
    device = Device.objects.get(name="lab-router")
    assert sorted(device.interfaces.values_list("name", "host__address")) == [
        ("Gi0/0", ROUTER),
        ("Gi0/1", "198.18.0.1"),
    ]

    # 7. A connection test through the lab.
    page.get_by_role("button", name="Test connection").click()
    page.locator("#device-runs").get_by_text("Succeeded").first.wait_for(timeout=WAIT)
    test_run = done("inventory_connection_test", 1)
    assert test_run.status == jobs.RunStatus.SUCCEEDED, test_run.error_message
    tour.go(device.get_absolute_url())

    # 8. Two backups with a change in between, and the diff between them.
    for number, extra in enumerate(("", "ip route 203.0.113.0 255.255.255.0 198.18.0.1"), 1):
        if extra:
            router.restart(outputs={"show running-config": running_config(extra)})
        tour.go(f"/backups/devices/{device.pk}/")
        page.get_by_role("button", name="Back up now").click()
        backup = done("backup", number)
        assert backup.status == jobs.RunStatus.SUCCEEDED, backup.error_message
    assert ConfigVersion.objects.filter(device=device).count() == 2
    tour.go(f"/backups/devices/{device.pk}/")
    page.get_by_role("link", name="Latest vs previous").click()
    page.get_by_text("ip route 203.0.113.0 255.255.255.0 198.18.0.1").first.wait_for()

    # 9. The heatmap of the /16, the topology and the dashboard.
    lab16 = Subnet.objects.get(network="198.18.0.0/16")
    tour.go(lab16.get_absolute_url())
    tiles = page.locator(".heatmap .tile")
    assert tiles.count() == 256
    assert "alive" in (tiles.first.get_attribute("class") or "")
    tour.go("/inventory/topology/")
    page.get_by_text("lab-router").first.wait_for()
    tour.go("/")
    page.get_by_text("alive now").first.wait_for()

    # 10. The main pages: on a desktop, on a phone, and in the high-contrast theme.
    versions = list(ConfigVersion.objects.filter(device=device).order_by("pk"))
    pages = main_pages(servers, lab16, device, versions)
    tour.visit(pages)
    page.set_viewport_size(PHONE)
    tour.suffix = "phone"
    tour.visit(pages, fits=True)
    page.set_viewport_size(DESKTOP)
    choose_theme(page, "contrast")
    tour.suffix = "contrast"
    tour.visit(pages, shots=("dashboard", "subnet", "backup-diff"))
    assert page.evaluate("document.documentElement.dataset.theme") == "contrast"
    context.close()

    assert not tour.outside, "requests to other hosts:\n" + "\n".join(tour.outside)
    assert not tour.problems, "console errors:\n" + "\n".join(tour.problems)
    assert not tour.too_wide, "pages wider than a phone:\n" + "\n".join(tour.too_wide)


def main_pages(
    servers: Subnet, lab16: Subnet, device: Device, versions: list[ConfigVersion]
) -> list[tuple[str, str]]:
    """(screenshot name, path) of the pages a user opens most."""
    old, new = versions
    pages = [
        ("dashboard", "/"),
        ("subnets", "/ipam/subnets/"),
        ("subnet", servers.get_absolute_url()),
        ("host-drawer", servers.get_absolute_url()),
        ("heatmap", lab16.get_absolute_url()),
        ("devices", "/inventory/devices/"),
        ("device", device.get_absolute_url()),
        ("topology", "/inventory/topology/"),
        ("backup-versions", f"/backups/devices/{device.pk}/"),
        ("backup-version", f"/backups/versions/{new.pk}/"),
        ("backup-diff", f"/backups/diff/{old.pk}/{new.pk}/"),
        ("jobs", "/jobs/"),
        ("events", "/events/" if has_view("/events/") else "/discovery/"),
    ]
    return pages
