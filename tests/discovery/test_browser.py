"""Discovery flows that need JavaScript, in Debian's Chromium through Playwright.

Only loopback traffic: the browser talks to pytest-django's live server. Runs are
rows changed by the test itself; no scan starts. Screenshots land in /tmp/shots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from discovery.models import HostSample, OpenPort, ReconciliationItem, ReconKind, ScanRun
from ipam.models import Host
from netkeep.events import _event
from netkeep.jobs import RunStatus
from netkeep.models import EventKind, Webhook, WebhookDelivery
from tests.browser import BROWSER_MARKS, SHOTS, sign_in
from tests.conftest import make_user
from tests.factories import make_host, make_subnet

PHONE = {"viewport": {"width": 390, "height": 844}}

pytestmark = BROWSER_MARKS


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"discovery-{name}.png"), full_page=True)


@pytest.fixture
def lab(transactional_db: None) -> dict[str, Any]:
    subnet = make_subnet("198.18.0.0/24", name="lab", scan_enabled=True)
    host = make_host("198.18.0.10", subnet, hostname="alpha", status="up", latency_ms=1.8)
    now = timezone.now()
    Host.objects.filter(pk=host.pk).update(
        ptr_name="beta.lab.example.",
        status_changed_at=now - timedelta(hours=5),
        last_seen=now,
    )
    HostSample.objects.bulk_create(
        HostSample(
            host=host,
            at=now - timedelta(minutes=10 * i),
            up=i not in (30, 31, 32),
            rtt_ms=None if i in (30, 31, 32) else 1.0 + (i % 9) * 0.3,
        )
        for i in range(144)
    )
    for port, service in ((22, "ssh"), (80, "http"), (443, "https")):
        OpenPort.objects.create(host=host, port=port, protocol="tcp", service=service)
    _event(EventKind.HOST_DOWN, host, now - timedelta(hours=5, minutes=30), {}).save()
    _event(EventKind.HOST_UP, host, now - timedelta(hours=5), {}).save()
    down = make_host("198.18.0.11", subnet, hostname="printer", status="down")
    Host.objects.filter(pk=down.pk).update(status_changed_at=now - timedelta(minutes=12))
    return {"subnet": subnet, "host": host}


@pytest.fixture
def editor_page(browser: Any, live_server: Any, lab: dict) -> Iterator[Any]:
    make_user("erin", "editor")
    page = sign_in(browser, live_server, "erin")
    yield page
    page.close()


def test_the_drawer_opens_from_a_subnet_view_row(
    editor_page: Any, live_server: Any, lab: dict
) -> None:
    page = editor_page
    page.goto(f"{live_server.url}{lab['subnet'].get_absolute_url()}")
    page.click("tr.host-row[data-address='198.18.0.10'] a[data-drawer-open]")
    drawer = page.locator("#drawer")
    drawer.locator(".host-drawer").wait_for()
    assert drawer.is_visible()
    assert drawer.locator(".ports .chip").all_inner_texts() == ["22/ssh", "80/http", "443/https"]
    assert drawer.locator("polyline.spark-line").count() == 1
    assert drawer.locator(".hourbar .hour").count() == 24
    assert drawer.locator(".hourbar .h-down, .hourbar .h-mixed").count() >= 1
    assert "mismatch" in drawer.inner_text()
    _shot(page, "drawer")

    # The inline edit from IPAM works inside the drawer.
    drawer.get_by_role("button", name="Edit", exact=True).click()
    drawer.locator("input[name=description]").fill("lab switch")
    drawer.get_by_role("button", name="Save").click()
    drawer.get_by_text("lab switch").wait_for()
    assert Host.objects.get(pk=lab["host"].pk).description == "lab switch"

    page.keyboard.press("Escape")
    assert not drawer.is_visible()


def test_the_drawer_fits_a_phone(browser: Any, live_server: Any, lab: dict) -> None:
    make_user("victor", "viewer")
    page = sign_in(browser, live_server, "victor", **PHONE)
    page.goto(f"{live_server.url}{lab['subnet'].get_absolute_url()}")
    page.click("tr.host-row[data-address='198.18.0.10'] a[data-drawer-open]")
    page.locator("#drawer .host-drawer").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=str(SHOTS / "discovery-phone-drawer.png"))
    page.close()


def test_a_job_progress_bar_updates_itself_and_stops_polling_when_done(
    editor_page: Any, live_server: Any, lab: dict
) -> None:
    run = ScanRun.objects.create(
        kind="sweep",
        target="198.18.0.0/24",
        subnet=lab["subnet"],
        status=RunStatus.RUNNING,
        started=timezone.now(),
        total=256,
        done=0,
    )
    page = editor_page
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "watch=" in r.url else None)
    page.goto(f"{live_server.url}/discovery/")
    bar = page.locator(f"#job-{run.pk} [role=progressbar]")
    assert bar.get_attribute("aria-valuenow") == "0"

    ScanRun.objects.filter(pk=run.pk).update(done=128)
    page.wait_for_selector(f"#job-{run.pk} [role=progressbar][aria-valuenow='50']", timeout=6000)
    _shot(page, "home-running")

    ScanRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, done=256, finished=timezone.now(), counts={"alive": 2}
    )
    page.wait_for_selector("#active-runs[data-polling='false']", timeout=6000)
    assert "Succeeded" in page.locator(f"#job-{run.pk}").inner_text()
    assert bar.get_attribute("aria-valuenow") == "100"
    seen = len(polls)
    assert seen >= 2
    page.wait_for_timeout(4500)
    assert len(polls) == seen  # no more polling once nothing runs


def test_scan_now_from_the_drawer_shows_a_refusal_in_place(
    editor_page: Any, live_server: Any, lab: dict, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    page = editor_page
    subnet_url = f"{live_server.url}{lab['subnet'].get_absolute_url()}"
    page.goto(subnet_url)
    # As a user does: open the drawer from the host's row, then ask for a ping there.
    page.click("tr.host-row[data-address='198.18.0.10'] a[data-drawer-open]")
    drawer = page.locator("#drawer")
    drawer.locator(".host-drawer").wait_for()
    drawer.get_by_role("button", name="Ping now").click()
    alert = drawer.locator(f"#drawer-scan-{lab['host'].pk} .refused [role=alert]")
    alert.wait_for()
    assert "allowlist is empty" in alert.inner_text()
    # In place: the same page, the drawer still open, nothing queued.
    assert page.url == subnet_url
    assert drawer.is_visible()
    assert not ScanRun.objects.exists()


def test_screenshots_of_reconciliation_webhooks_phone_and_high_contrast(
    browser: Any, live_server: Any, lab: dict
) -> None:
    make_user("alice", "admin")
    subnet = lab["subnet"]
    stray = make_host("198.18.0.77", subnet, origin="discovered", status="up")
    ReconciliationItem.objects.create(kind=ReconKind.UNDOCUMENTED_ALIVE, host=stray)
    ReconciliationItem.objects.create(
        kind=ReconKind.PTR_MISMATCH,
        host=lab["host"],
        details={"hostname": "alpha", "ptr": "beta.lab.example."},
    )
    hook = Webhook.objects.create(
        name="ops-chat", url="https://chat.example.test/hooks/abc", kinds=["host_down"], secret="x"
    )
    event = _event(EventKind.HOST_DOWN, lab["host"], timezone.now(), {})
    event.save()
    WebhookDelivery.objects.create(webhook=hook, event=event, status_code=200, delivered=True)
    ScanRun.objects.create(
        kind="ports",
        target="198.18.0.10",
        status=RunStatus.FAILED,
        started=timezone.now() - timedelta(seconds=3),
        finished=timezone.now(),
        error_class="NmapMissing",
        error_message="nmap is not installed: install the nmap package",
    )

    page = sign_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/discovery/reconcile/")
    page.locator("[data-select-all]").check()
    assert page.locator("input[name=item]:checked").count() == 2
    _shot(page, "reconciliation")
    page.goto(f"{live_server.url}/webhooks/")
    _shot(page, "webhooks")
    page.goto(f"{live_server.url}/webhooks/{hook.pk}/")
    assert "x" not in page.locator("input[name=secret]").input_value()
    _shot(page, "webhook-edit")
    page.goto(f"{live_server.url}/discovery/allowlist/")
    page.fill("input[name=network]", "127.0.0.0/8")
    page.get_by_role("button", name="Allow").click()
    assert "loopback" in page.locator(".field.invalid .error").inner_text()
    _shot(page, "allowlist-error")
    page.evaluate("localStorage.setItem('netkeep-theme', 'contrast')")
    page.goto(f"{live_server.url}/discovery/")
    assert page.evaluate("document.documentElement.dataset.theme") == "contrast"
    _shot(page, "high-contrast")
    page.goto(f"{live_server.url}/discovery/hosts/{lab['host'].pk}/drawer/")
    _shot(page, "high-contrast-drawer")
    page.close()

    phone = sign_in(browser, live_server, "alice", **PHONE)
    for name, path in (("phone-home", "/discovery/"), ("phone-reconcile", "/discovery/reconcile/")):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, name
        _shot(phone, name)
    phone.close()
