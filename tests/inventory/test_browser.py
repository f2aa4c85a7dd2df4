"""The inventory pages in Debian's Chromium, at desktop and phone width, with screenshots.

Screenshots of each page (inventory-<page>-desktop.png and -phone.png) go to
the folder in NETKEEP_SCREENSHOTS_DIR, else to the test's temporary folder, so
a test run never changes tracked files. The ones in docs/screenshots/ come from

    NETKEEP_SCREENSHOTS_DIR=docs/screenshots pytest tests/inventory/test_browser.py

The test itself checks what a person would notice: each page shows its data,
and nothing scrolls sideways on a phone. Only
loopback traffic: the browser talks to pytest-django's live server, and the
service-check results are written through the recording code, not fetched.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from inventory import checks, http_check
from inventory import jobs as inventory_jobs
from inventory.addressing import host_for
from inventory.models import CheckStatus, Device, DeviceCredential, Interface, ServiceCheck
from ipam.models import Host
from netkeep import jobs
from tests.browser import BROWSER_MARKS, sign_in
from tests.conftest import make_user
from tests.factories import (
    make_credential_set,
    make_device,
    make_site,
    make_subnet,
    make_tag,
    make_vlan,
)

pytestmark = BROWSER_MARKS

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _inventory() -> dict[str, Any]:
    """A small home-lab inventory: two sites, three networks, five devices, checks."""
    home, rack = make_site("home", description="the flat"), make_site("rack", description="DC")
    servers, iot = make_vlan(20, "servers", colour="#2e86de"), make_vlan(30, "iot")
    make_subnet("198.18.0.0/24", name="home lan", site=home)
    make_subnet("198.18.1.0/24", name="servers", vlan=servers, site=rack)
    make_subnet("198.18.2.0/24", name="iot", vlan=iot, site=home)
    make_subnet("198.18.9.0/30", name="uplink", site=home)
    core = make_tag("core", colour="#e67e22")
    ops = make_credential_set("ops", password="x", enable_secret="y", priority=10)
    make_credential_set("legacy-switches", username="admin", password="x", priority=50)
    keyed = make_credential_set("linux-key", username="root", password="x")
    keyed.default_for_sites.add(rack)

    router = make_device(
        "edge-router",
        role="router",
        platform="mikrotik_routeros",
        is_gateway=True,
        site=home,
        management_host=host_for("198.18.0.1"),
        description="MikroTik hEX S",
        serial="HEX7741",
        model="RB760iGS",
        os_version="7.16",
    )
    router.tags.add(core)
    Interface.objects.create(
        device=router,
        name="ether1",
        host=host_for("198.18.9.2"),
        is_upstream=True,
        mac="4c:5e:0c:11:22:01",
    )
    Interface.objects.create(device=router, name="bridge", host=host_for("198.18.0.1"))
    Interface.objects.create(
        device=router, name="vlan20", host=host_for("198.18.1.1"), vlan=servers
    )
    Interface.objects.create(device=router, name="vlan30", host=host_for("198.18.2.1"), vlan=iot)
    switch = make_device(
        "core-switch",
        role="switch",
        platform="cisco_ios",
        site=home,
        management_host=host_for("198.18.0.2"),
        description="Catalyst 2960-X",
    )
    switch.tags.add(core)
    DeviceCredential.objects.create(device=switch, credential_set=ops, position=0)
    Interface.objects.create(
        device=switch, name="Vlan20", host=host_for("198.18.1.2"), vlan=servers
    )
    pve = make_device(
        "pve1",
        role="hypervisor",
        platform="linux",
        site=rack,
        management_host=host_for("198.18.1.10"),
        url="https://198.18.1.10:8006/",
    )
    nas = make_device(
        "nas",
        role="server",
        platform="linux",
        site=rack,
        management_host=host_for("198.18.1.20"),
        virtualisation="vm",
    )
    make_device("plug-kitchen", role="other", site=home, management_host=host_for("198.18.2.40"))
    Host.objects.exclude(address="198.18.2.40").update(status="up")
    Host.objects.filter(address="198.18.2.40").update(status="down")
    now = timezone.now()
    Device.objects.filter(pk=switch.pk).update(
        last_test_at=now - timedelta(minutes=12),
        last_test_ok=True,
        last_test_diagnosis="ok",
        last_test_message="Connected. (as netops with set ops)",
        last_prompt="core-switch#",
        working_credential=ops,
        ssh_host_key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3mU0cO3mJz5yU1vX2u3pQ0bB4nA7xKzq9c1",
        ssh_host_key_pinned_at=now - timedelta(days=3),
        suggested_platform="cisco_xe",
    )
    run = inventory_jobs.start(inventory_jobs.TEST, switch, None)
    claimed = jobs.claim(run.pk)
    assert claimed is not None
    claimed.finish(
        {"diagnosis": "ok", "message": "Connected.", "prompt": "core-switch#", "working": "ops"}
    )
    Device.objects.filter(pk=router.pk).update(
        last_test_at=now - timedelta(minutes=3),
        last_test_ok=False,
        last_test_diagnosis="auth_failed",
        last_test_message="Authentication failed with every credential set. (tried ops)",
    )
    ui = ServiceCheck.objects.create(name="Proxmox UI", url="https://198.18.1.10:8006/", device=pve)
    share = ServiceCheck.objects.create(
        name="NAS shares", kind="tcp", target="198.18.1.20:445", device=nas
    )
    dns = ServiceCheck.objects.create(
        name="router DNS", kind="tcp", target="198.18.0.1:53", device=router
    )
    outcomes = [
        http_check.Outcome(ui.pk, CheckStatus.DEGRADED, 35.2, "certificate expires in 6 days"),
        http_check.Outcome(share.pk, CheckStatus.DOWN, None, "connection refused"),
        http_check.Outcome(dns.pk, CheckStatus.UP, 0.8, "connected"),
    ]
    by_id = {c.pk: c for c in (ui, share, dns)}
    checks.record(by_id, outcomes, now - timedelta(minutes=5))
    return {"switch": switch, "router": router, "ui": ui}


def test_the_inventory_pages_read_well_on_a_desktop_and_a_phone(
    browser: Any, live_server: Any, transactional_db: None, settings: Any, tmp_path: Path
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/23"]  # not the iot /24: its page says so
    data = _inventory()
    make_user("alice", "admin")
    pages = {
        "devices": ("/inventory/devices/", "edge-router"),
        "device": (data["switch"].get_absolute_url(), "Platform detection says this is"),
        "credential-sets": ("/inventory/credentials/", "legacy-switches"),
        "service-checks": ("/inventory/checks/", "NAS shares"),
        "topology": ("/inventory/topology/", "servers"),
        "device-form": (f"{data['switch'].get_absolute_url()}edit/", "Interfaces"),
        "sites": ("/inventory/sites/", "rack"),
        "service-check": (data["ui"].get_absolute_url(), "certificate expires in 6 days"),
    }
    folder = Path(os.environ.get("NETKEEP_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for width, viewport in WIDTHS.items():
        page = sign_in(browser, live_server, "alice", viewport=viewport)
        try:
            for name, (path, expected) in pages.items():
                page.goto(f"{live_server.url}{path}")
                page.get_by_text(expected).first.wait_for()
                page.screenshot(path=str(folder / f"inventory-{name}-{width}.png"), full_page=True)
                fits = page.evaluate(
                    "document.documentElement.scrollWidth <= window.innerWidth + 1"
                )
                assert fits, f"{path} scrolls sideways at {width} width"
        finally:
            page.close()
