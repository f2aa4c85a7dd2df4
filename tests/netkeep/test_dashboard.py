"""The home dashboard: numbers equal the lists they link to; filters stick; panels obey roles."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from accounts.models import User
from discovery.models import AllowedNetwork, OpenPort, ReconciliationItem
from inventory.models import ServiceCheck
from ipam.models import Host, Subnet
from netkeep.jobs import Run
from netkeep.models import Event
from tests.factories import (
    make_credential_set,
    make_device,
    make_host,
    make_hosts,
    make_site,
    make_subnet,
    make_tag,
)

pytestmark = pytest.mark.django_db


def build_world(extra_hosts: int = 0) -> dict[str, Any]:
    """Two sites, nested subnets, hosts in every state, ports, checks, backups, differences."""
    now = timezone.now()
    hq, lab = make_site("hq"), make_site("lab")
    core, dmz = make_tag("core"), make_tag("dmz")
    big = make_subnet("198.18.0.0/24", name="office", site=hq)
    big.tags.add(core)
    child = make_subnet("198.18.0.64/26", name="printers", site=hq)
    small = make_subnet("198.18.1.0/28", name="mgmt", site=lab)
    small.tags.add(dmz)
    make_subnet("198.18.2.0/24", name="empty", site=lab)
    hosts = {}
    plan = [
        ("198.18.0.1", "up", [core], now - timedelta(days=40)),
        ("198.18.0.2", "down", [core], now - timedelta(hours=2)),
        ("198.18.0.3", "unknown", [], None),
        ("198.18.0.65", "up", [dmz], now - timedelta(hours=1)),
        ("198.18.0.66", "down", [], now - timedelta(days=3)),
        ("198.18.1.1", "up", [dmz], now - timedelta(minutes=5)),
        ("198.18.1.2", "up", [], now - timedelta(days=2)),
        ("198.18.1.3", "down", [core, dmz], now - timedelta(minutes=30)),
    ]
    for i, (address, status, tags, seen) in enumerate(plan):
        host = make_host(address, status=status, first_seen=seen, last_seen=seen)
        Host.objects.filter(pk=host.pk).update(status_changed_at=now - timedelta(minutes=i))
        host.tags.set(tags)
        hosts[address] = host
    for n in range(extra_hosts):
        make_host(f"198.18.2.{n + 1}", status="up" if n % 2 else "down", first_seen=now)
    OpenPort.objects.create(host=hosts["198.18.0.1"], port=22, protocol="tcp", service="ssh")
    OpenPort.objects.create(host=hosts["198.18.1.1"], port=22, protocol="tcp", service="ssh")
    OpenPort.objects.create(host=hosts["198.18.1.1"], port=443, protocol="tcp", service="https")
    OpenPort.objects.create(
        host=hosts["198.18.0.2"], port=22, protocol="tcp", service="ssh", current=False
    )
    r1 = make_device("r1", site=hq, platform="cisco_ios", management_host=hosts["198.18.0.1"])
    r1.tags.add(core)
    r2 = make_device("r2", site=lab, platform="cisco_ios", management_host=hosts["198.18.1.1"])
    make_device("r3", site=lab, platform="cisco_ios", management_host=hosts["198.18.1.2"])
    Run.objects.create(kind="backup", target="r1", status="failed")
    Run.objects.create(kind="backup", target="r2", status="partial")
    Run.objects.create(kind="backup", target="r3", status="succeeded")
    for name, device, status in [("web", r1, "down"), ("api", r2, "down"), ("dns", r2, "up")]:
        ServiceCheck.objects.create(
            name=name, kind="tcp", target="198.18.0.1:80", device=device, status=status
        )
    for address, kind in [("198.18.0.3", "unseen_documented"), ("198.18.1.1", "ptr_mismatch")]:
        ReconciliationItem.objects.create(kind=kind, host=hosts[address])
    host_type = ContentType.objects.get_for_model(Host)
    for address in ("198.18.0.2", "198.18.1.3", "198.18.0.66"):
        Event.objects.create(
            kind="host_down",
            content_type=host_type,
            object_id=str(hosts[address].pk),
            object_repr=address,
        )
    Event.objects.create(kind="host_down", object_repr="old", at=now - timedelta(days=2))
    return {"hq": hq, "lab": lab, "big": big, "child": child, "small": small}


def figures(response: Any) -> list[tuple[str, int, str]]:
    """(name, number, link) for every number the dashboard shows."""
    board = response.context["board"]
    found = [
        (name, getattr(board, name).n, getattr(board, name).url)
        for name in (
            "hosts",
            "alive",
            "down",
            "new",
            "reconcile",
            "failing_backups",
            "checks_down",
            "recent_events",
        )
        if getattr(board, name) is not None
    ]
    for row in board.subnet_rows or []:
        found.append((f"{row.subnet.network} alive", row.alive, row.alive_url))
        found.append((f"{row.subnet.network} used", row.used, row.used_url))
    return found


def list_count(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(response.context["page"].paginator.count)


# Each filter alone, every service spelling, and combinations (site ids filled in below).
FILTERS = [
    {},
    {"site": "hq"},
    {"subnet": "198.18.0.64/26"},
    {"tag": "dmz"},
    {"service": "22/ssh"},
    {"service": "443/tcp"},
    {"site": "lab", "tag": "dmz", "service": "ssh"},
    {"site": "hq", "subnet": "198.18.0.0/24", "tag": "core", "service": "22"},
]


def test_every_number_equals_the_length_of_the_list_it_links_to(admin_client: Client) -> None:
    world = build_world()
    counted: dict[str, int] = {}
    for chosen in FILTERS:
        params = {**chosen}
        if "site" in params:
            params["site"] = str(world[params["site"]].pk)
        response = admin_client.get("/", params)
        assert response.status_code == 200
        page = response.content.decode()
        shown = figures(response)
        assert len(shown) >= 8, chosen
        for name, number, url in shown:
            assert html.escape(url) in page, f"{chosen} {name}: its link is not on the page"
            if url not in counted:
                counted[url] = list_count(admin_client, url)
            assert counted[url] == number, f"{chosen} {name}: {url}"
    # Filters that narrow to nothing show zeros that link to empty lists, not errors.
    assert any(n == 0 for n in counted.values()) and any(n > 1 for n in counted.values())


def test_the_figures_count_what_the_filters_mean(admin_client: Client) -> None:
    world = build_world()
    board = admin_client.get("/").context["board"]
    assert (board.hosts.n, board.alive.n, board.down.n) == (8, 4, 3)
    assert board.new.n == 4  # first seen within 24 h
    assert board.failing_backups.n == 2 and board.checks_down.n == 2
    assert board.reconcile.n == 2  # "unseen" counts only past 30 days, as on its page
    board = admin_client.get("/", {"service": "22/ssh"}).context["board"]
    # The closed port of 198.18.0.2 does not count.
    assert (board.hosts.n, board.alive.n) == (2, 2)
    board = admin_client.get("/", {"site": world["lab"].pk}).context["board"]
    assert (board.hosts.n, board.checks_down.n, board.failing_backups.n) == (3, 1, 1)
    board = admin_client.get("/", {"subnet": "198.18.0.0/24"}).context["board"]
    assert board.hosts.n == 5  # the child /26's hosts count in its parent
    assert [r.subnet.network for r in board.subnet_rows] == ["198.18.0.64/26", "198.18.0.0/24"]


def test_subnets_are_ordered_fullest_first_from_the_counters(admin_client: Client) -> None:
    build_world()
    rows = admin_client.get("/").context["board"].subnet_rows
    # /28: 3 of 16; /26: 2 of 64; /24: 5 of 256. The empty /24 is not listed.
    assert [(r.subnet.network, r.used, r.alive) for r in rows] == [
        ("198.18.1.0/28", 3, 2),
        ("198.18.0.64/26", 2, 1),
        ("198.18.0.0/24", 5, 2),
    ]


def test_filters_stick_across_pages_until_cleared(admin_client: Client) -> None:
    build_world()
    admin_client.get("/", {"tag": "dmz", "service": "ssh"})
    admin_client.get("/ipam/subnets/")
    board = admin_client.get("/").context["board"]
    assert (board.filters.tag, board.filters.service) == ("dmz", "ssh")
    assert board.hosts.n == 1
    # The self-refresh (an htmx request without parameters) keeps them too.
    fragment = admin_client.get("/", headers={"HX-Request": "true"})
    assert fragment.context["board"].hosts.n == 1
    assert b"<html" not in fragment.content
    admin_client.get("/", {"clear": "1"})
    assert admin_client.get("/").context["board"].hosts.n == 8


def test_a_bad_filter_is_a_field_error_and_is_not_kept(admin_client: Client) -> None:
    build_world()
    response = admin_client.get("/", {"subnet": "198.18.0.0/33", "service": "ssh/%s"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "prefix length" in text and "is not a service" in text
    assert admin_client.get("/").context["board"].filters.active is False
    response = admin_client.get("/", {"subnet": "203.0.113.0/24"})
    assert "No subnet 203.0.113.0/24 is documented" in response.content.decode()


def test_the_page_refreshes_itself_by_polling_its_fragment(admin_client: Client) -> None:
    text = admin_client.get("/").content.decode()
    assert re.search(r'id="dashboard" hx-get="/" hx-trigger="every \d+s"', text)
    assert "<script>" not in text


def test_the_query_count_does_not_grow_with_the_data(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    world = build_world(extra_hosts=2)
    now = timezone.now()
    admin_client.get("/")
    with django_assert_max_num_queries(45) as small:
        admin_client.get("/", {"site": "", "tag": "core"})
    wide = make_subnet("198.19.0.0/16", site=world["hq"])
    wide.tags.add(*world["big"].tags.all())
    make_hosts(wide, [f"198.19.1.{n}" for n in range(1, 200)], status="down", first_seen=now)
    for n in range(2, 12):
        make_subnet(f"198.19.{n}.0/24", site=world["lab"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin_client.get("/", {"site": "", "tag": "core"})


def test_warnings_name_what_is_wrong_and_link_the_fix(admin_client: Client) -> None:
    build_world()
    text = admin_client.get("/").content.decode()
    assert 'data-alert="allowlist"' in text and 'href="/discovery/allowlist/"' in text
    assert 'data-alert="worker"' in text and "manage.py qcluster" in text
    assert 'data-alert="scanning"' in text and 'href="/ipam/subnets/?scan_enabled=false"' in text
    AllowedNetwork.objects.create(network="198.18.0.0/15")
    Subnet.objects.filter(network="198.18.0.0/24").update(scan_enabled=True)
    text = admin_client.get("/").content.decode()
    assert 'data-alert="allowlist"' not in text and 'data-alert="scanning"' not in text


def test_a_viewer_sees_panels_but_not_the_checklist(viewer_client: Client) -> None:
    build_world()
    response = viewer_client.get("/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.alive is not None and board.steps == []
    assert "Ask an administrator to allow" in response.content.decode()


def test_someone_without_a_role_sees_no_network_data(noaccess_client: Client) -> None:
    build_world()
    response = noaccess_client.get("/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.alive is None and board.subnet_rows is None and board.events is None
    assert board.reconcile is None and board.failing_backups is None and board.warnings == []
    assert "198.18.0.2" not in response.content.decode()
    assert noaccess_client.get("/", headers={"HX-Request": "true"}).status_code == 200


def test_the_first_run_checklist_ticks_off_its_four_steps(admin_client: Client) -> None:
    def steps() -> dict[str, bool]:
        return {s.key: s.done for s in admin_client.get("/").context["board"].steps}

    assert steps() == {"subnet": False, "allowlist": False, "credentials": False, "device": False}
    make_subnet("198.18.0.0/24")
    AllowedNetwork.objects.create(network="198.18.0.0/24")
    make_credential_set()
    assert steps() == {"subnet": True, "allowlist": True, "credentials": True, "device": False}
    make_device("r1")
    assert steps() == {}  # all done: the checklist goes away


def test_the_checklist_can_be_dismissed_by_its_user_only(
    admin_client: Client, alice: User, erin: User
) -> None:
    assert admin_client.get("/").context["board"].steps
    response = admin_client.post("/setup/dismiss/")
    assert response.status_code == 302
    assert admin_client.get("/").context["board"].steps == []
    erin.refresh_from_db()
    assert erin.setup_dismissed is False
    assert admin_client.get("/setup/dismiss/").status_code == 405


def test_the_host_list_takes_the_dashboard_filters(admin_client: Client) -> None:
    build_world()
    assert list_count(admin_client, "/ipam/hosts/?service=22/ssh") == 2
    assert list_count(admin_client, "/ipam/hosts/?service=https") == 1
    response = admin_client.get("/ipam/hosts/?service=22/nope%25s")
    assert "is not a service" in response.content.decode()
    response = admin_client.get("/ipam/hosts/?service=99999")
    assert "out of range" in response.content.decode()
    assert admin_client.get("/api/ipam/hosts/?service=a b").status_code == 400


def test_each_panel_needs_the_permission_to_view_its_model(nora: User) -> None:
    """Someone allowed to see hosts only gets the host figures, nothing else."""
    from django.contrib.auth.models import Permission

    build_world()
    nora.user_permissions.add(Permission.objects.get(codename="view_host"))
    client = Client()
    client.force_login(nora)
    board = client.get("/").context["board"]
    assert board.alive is not None and board.alive.n == 4
    assert board.subnet_rows is None and board.reconcile is None and board.events is None
    assert board.checks_down is None and board.failing_backups is None


def test_recently_down_hosts_carry_their_last_24_hours(admin_client: Client) -> None:
    from discovery.models import HostSample

    build_world()
    host = Host.objects.get(address="198.18.1.3")
    now = timezone.now()
    HostSample.objects.bulk_create(
        [HostSample(host=host, at=now - timedelta(minutes=m), up=m > 30) for m in (5, 50, 70)]
    )
    rows = dict(admin_client.get("/").context["board"].down_rows)
    cells = rows[host]
    # Which hour holds which sample depends on the clock: count, do not place.
    assert len(cells) == 24
    assert (sum(c.n for c in cells), sum(c.up for c in cells)) == (3, 2)
    # The newest sample (down) is in the newest hour that has samples: in the first five
    # minutes of an hour that is the hour before, and the current hour is still empty.
    assert [c for c in cells if c.n][-1].state in ("down", "mixed")
    assert all(not c.n for c in rows[Host.objects.get(address="198.18.0.2")])
