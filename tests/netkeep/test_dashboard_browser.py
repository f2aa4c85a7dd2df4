"""The dashboard in Chromium: it refreshes itself in place, filters stick, and its screenshot.

With NETKEEP_SCREENSHOTS=docs/screenshots (`make screenshots`) the desktop
screenshot is written to docs/screenshots/dashboard.png, the README's picture;
without it nothing is written, so a test run never changes a tracked file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from discovery.models import OpenPort, ReconciliationItem
from inventory.models import ServiceCheck
from ipam.models import Host, Site, Subnet
from netkeep import views
from netkeep.jobs import Run
from netkeep.models import Event
from tests.browser import BROWSER_MARKS, sign_in
from tests.conftest import make_user
from tests.factories import make_device

pytestmark = BROWSER_MARKS

SHOTS_DIR = os.environ.get("NETKEEP_SCREENSHOTS", "")


def _demo_network() -> None:
    """The demo network with a recent past: hosts down and new, a failing backup, a check down."""
    call_command("seed_demo", hosts=160, verbosity=0)
    call_command("seed_demo_history", hosts=40, verbosity=0)
    now = timezone.now()
    hq = Site.objects.create(name="hq")
    Subnet.objects.filter(name__icontains="server").update(site=hq, scan_enabled=True)
    hosts = list(Host.objects.order_by("key")[:40])
    for minutes, host in enumerate(hosts[:6]):
        Host.objects.filter(pk=host.pk).update(
            status="down", status_changed_at=now - timedelta(minutes=7 * minutes + 3)
        )
    for minutes, host in enumerate(hosts[10:15]):
        Host.objects.filter(pk=host.pk).update(first_seen=now - timedelta(minutes=25 * minutes))
    for host in hosts[20:32]:
        OpenPort.objects.create(host=host, port=22, protocol="tcp", service="ssh")
    core = make_device("core-sw1", site=hq, platform="cisco_ios", management_host=hosts[20])
    edge = make_device("edge-fw1", site=hq, platform="cisco_ios", management_host=hosts[21])
    Run.objects.create(kind="backup", target=core.name, status="failed", error_message="timeout")
    Run.objects.create(kind="backup", target=edge.name, status="succeeded")
    ServiceCheck.objects.create(
        name="Proxmox UI",
        kind="tcp",
        target=f"{hosts[22].address}:8006",
        device=core,
        status="down",
        message="connection refused",
        last_change=now - timedelta(minutes=12),
    )
    ServiceCheck.objects.create(
        name="Grafana", kind="tcp", target=f"{hosts[23].address}:3000", status="up"
    )
    ReconciliationItem.objects.create(kind="ptr_mismatch", host=hosts[24])
    host_type = ContentType.objects.get_for_model(Host)
    for minutes, host in enumerate(hosts[:6]):
        Event.objects.create(
            kind="host_down",
            at=now - timedelta(minutes=7 * minutes + 3),
            content_type=host_type,
            object_id=str(host.pk),
            object_repr=str(host),
        )


@pytest.fixture
def admin_page(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    make_user("alice", "admin")
    User.objects.filter(username="alice").update(setup_dismissed=True)
    page = sign_in(browser, live_server, "alice", viewport={"width": 1280, "height": 800})
    yield page
    page.close()


def test_the_dashboard_refreshes_in_place_and_is_photographed(
    admin_page: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _demo_network()
    errors: list[str] = []
    admin_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    admin_page.on("pageerror", lambda e: errors.append(str(e)))
    admin_page.goto(f"{live_server.url}/")
    before = Host.objects.filter(status="down").count()
    assert admin_page.locator("[data-figure=down]").inner_text() == str(before)
    if SHOTS_DIR:
        Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
        admin_page.screenshot(path=str(Path(SHOTS_DIR) / "dashboard.png"))
    # Poll every second from now on (the live server runs in this process).
    monkeypatch.setattr(views, "DASHBOARD_POLL", 1)
    admin_page.reload()
    # A marker on the window survives a fragment swap, not a reload.
    admin_page.evaluate("window.netkeepMarker = 1")
    Host.objects.filter(status="up").order_by("key").filter(
        pk=Host.objects.filter(status="up").order_by("key").values("pk")[:1]
    ).update(status="down", status_changed_at=timezone.now())
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(admin_page.locator("[data-figure=down]")).to_have_text(str(before + 1), timeout=10000)
    assert admin_page.evaluate("window.netkeepMarker") == 1
    assert errors == []


def test_a_filter_sticks_when_coming_back_and_its_numbers_open_the_list(
    admin_page: Any, live_server: Any
) -> None:
    _demo_network()
    admin_page.goto(f"{live_server.url}/")
    admin_page.fill("input[name=service]", "22/ssh")
    admin_page.click(".dash-filters button[type=submit]")
    admin_page.wait_for_url(lambda url: "service=" in url)
    with_ssh = Host.objects.filter(open_ports__port=22, open_ports__current=True).count()
    assert with_ssh >= 12
    assert admin_page.locator("[data-figure=hosts]").inner_text() == str(with_ssh)
    admin_page.goto(f"{live_server.url}/ipam/subnets/")
    admin_page.click("a[aria-label='Netkeep home']")
    assert admin_page.locator("input[name=service]").input_value() == "22/ssh"
    admin_page.click("[data-figure=hosts]")
    admin_page.wait_for_url(lambda url: "/ipam/hosts/" in url)
    assert f"{with_ssh} hosts" in admin_page.locator(".summary").inner_text()
