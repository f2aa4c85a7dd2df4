"""Discovery pages: home, runs, history fragments, "Scan now", allowlist, scan profiles.

No test here sends a packet: scans are only queued (the task sender is replaced),
and the only socket touched is the ICMP capability probe, which sends nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discovery import icmp
from discovery.models import AllowedNetwork, RunKind, ScanProfileDef, ScanRun
from ipam.models import Host, Subnet
from netkeep.jobs import RunStatus
from netkeep.jobs import queue as jobs_queue
from netkeep.models import Event, EventKind
from tests.factories import make_host, make_subnet

HX = {"HX-Request": "true"}
LAB_RANGE = "198.18.0.0/15"


def make_run(**fields: Any) -> ScanRun:
    """A run with sensible defaults; `status` and counters as given."""
    fields.setdefault("kind", RunKind.SWEEP)
    fields.setdefault("target", f"198.18.{ScanRun.objects.count()}.0/24")
    now = timezone.now()
    if fields.get("status") not in (None, RunStatus.QUEUED):
        fields.setdefault("started", now - timedelta(seconds=42))
    if fields.get("status") in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.PARTIAL):
        fields.setdefault("finished", now)
    return ScanRun.objects.create(**fields)


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch, settings: Any) -> list[int]:
    """Scans are queued but never sent to a worker; the allowlist is the lab range only."""
    sent: list[int] = []
    monkeypatch.setattr(jobs_queue, "send", lambda run_id: sent.append(run_id) or "task")
    monkeypatch.setattr(
        icmp,
        "detect_capability",
        lambda: icmp.PingCapability("unprivileged", "datagram ICMP sockets are allowed"),
    )
    settings.SCAN_ALLOWED_NETWORKS = [LAB_RANGE]
    return sent


@pytest.fixture
def lab(db: None) -> dict[str, Any]:
    subnet = make_subnet("198.18.0.0/24", name="lab")
    host = make_host("198.18.0.10", subnet, hostname="alpha", status="up")
    outside = make_subnet("192.0.2.0/24", name="documentation")
    return {"subnet": subnet, "host": host, "outside": outside}


# --- permissions --------------------------------------------------------------------------

READ_URLS = [
    ("discovery:index", None),
    ("discovery:run_list", None),
    ("discovery:run_detail", "run"),
    ("discovery:subnet_runs", "subnet"),
    ("discovery:host_runs", "host"),
    ("discovery:host_drawer", "host"),
    ("discovery:reconcile", None),
    ("discovery:allowlist", None),
    ("discovery:profile_list", None),
]


def _url(name: str, arg: str | None, lab: dict[str, Any]) -> str:
    if arg is None:
        return reverse(name)
    if arg == "run":
        lab.setdefault("run", make_run(subnet=lab["subnet"], status=RunStatus.SUCCEEDED))
    return reverse(name, args=[lab[arg].pk])


@pytest.mark.parametrize(("name", "arg"), READ_URLS)
def test_every_page_sends_anonymous_visitors_to_the_login(
    client: Client, lab: dict, name: str, arg: str | None
) -> None:
    response = client.get(_url(name, arg, lab))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(("name", "arg"), READ_URLS)
def test_every_page_refuses_someone_without_a_role(
    noaccess_client: Client, lab: dict, name: str, arg: str | None
) -> None:
    assert noaccess_client.get(_url(name, arg, lab)).status_code == 403
    assert noaccess_client.get(_url(name, arg, lab), headers=HX).status_code == 403


@pytest.mark.parametrize(("name", "arg"), READ_URLS)
def test_a_viewer_can_read_every_page_and_fragment(
    viewer_client: Client, lab: dict, name: str, arg: str | None
) -> None:
    # Without HTMX the host drawer is the host page, IPAM's: a redirect there.
    page = 302 if name == "discovery:host_drawer" else 200
    assert viewer_client.get(_url(name, arg, lab)).status_code == page
    assert viewer_client.get(_url(name, arg, lab), headers=HX).status_code == 200


@pytest.mark.parametrize("name", ["discovery:scan_subnet", "discovery:scan_host"])
def test_a_viewer_cannot_scan(viewer_client: Client, lab: dict, name: str) -> None:
    target = lab["subnet"] if "subnet" in name else lab["host"]
    assert viewer_client.post(reverse(name, args=[target.pk])).status_code == 403
    assert viewer_client.post(reverse(name, args=[target.pk]), headers=HX).status_code == 403
    assert not ScanRun.objects.exists()


@pytest.mark.parametrize("name", ["discovery:scan_subnet", "discovery:scan_host"])
def test_scan_now_refuses_no_access_and_anonymous(
    noaccess_client: Client, client: Client, lab: dict, name: str
) -> None:
    target = lab["subnet"] if "subnet" in name else lab["host"]
    assert noaccess_client.post(reverse(name, args=[target.pk])).status_code == 403
    assert client.post(reverse(name, args=[target.pk])).status_code == 302
    assert not ScanRun.objects.exists()


def test_scan_now_only_answers_post(editor_client: Client, lab: dict) -> None:
    url = reverse("discovery:scan_subnet", args=[lab["subnet"].pk])
    assert editor_client.get(url).status_code == 405


def test_the_pages_hide_what_a_viewer_cannot_do(viewer_client: Client, lab: dict) -> None:
    drawer = viewer_client.get(reverse("discovery:host_drawer", args=[lab["host"].pk]), headers=HX)
    assert drawer.status_code == 200 and b"Ping now" not in drawer.content
    assert b"Edit</button>" not in drawer.content
    allow = viewer_client.get(reverse("discovery:allowlist"))
    assert b"Allow a network" not in allow.content
    home = viewer_client.get(reverse("discovery:index"))
    assert b"Webhooks" not in home.content


# --- home and progress ---------------------------------------------------------------------


def test_home_shows_running_jobs_with_their_progress(viewer_client: Client, lab: dict) -> None:
    make_run(
        subnet=lab["subnet"], target="198.18.0.0/24", status=RunStatus.RUNNING, done=64, total=256
    )
    response = viewer_client.get(reverse("discovery:index"))
    html = response.content.decode()
    assert 'aria-valuenow="25"' in html
    assert "64 / 256" in html
    assert 'hx-trigger="every 2s"' in html


def test_the_progress_fragment_stops_polling_when_nothing_runs(
    viewer_client: Client, lab: dict
) -> None:
    run = make_run(status=RunStatus.RUNNING, done=10, total=100)
    first = viewer_client.get(reverse("discovery:index"), headers=HX).content.decode()
    assert 'hx-trigger="every 2s"' in first and f"watch={run.pk}" in first
    assert "<html" not in first  # the fragment, not the page

    run.status, run.done, run.finished = RunStatus.SUCCEEDED, 100, timezone.now()
    run.save()
    last = viewer_client.get(
        reverse("discovery:index") + f"?watch={run.pk}", headers=HX
    ).content.decode()
    assert "hx-trigger" not in last
    assert "Succeeded" in last  # the watched run is shown finished, not dropped
    assert 'aria-valuenow="100"' in last


def test_home_lists_recent_runs_with_errors_capability_and_events(
    viewer_client: Client, lab: dict
) -> None:
    make_run(
        status=RunStatus.FAILED,
        error_class="PingUnavailable",
        error_message="ICMP is unavailable to uid 1000",
    )
    make_run(status=RunStatus.SUCCEEDED, counts={"alive": 7, "new": 2})
    Event.objects.create(kind=EventKind.HOST_DOWN, object_repr="198.18.0.99")
    html = viewer_client.get(reverse("discovery:index")).content.decode()
    assert "PingUnavailable" in html and "ICMP is unavailable to uid 1000" in html
    assert "7 up · 2 new hosts" in html
    assert "Unprivileged" in html and "datagram ICMP sockets are allowed" in html
    assert "Host down" in html and "198.18.0.99" in html
    assert "No scans are running." in html
    assert 'hx-trigger="every 2s"' not in html


def test_home_says_clearly_when_ping_is_unavailable(
    viewer_client: Client, lab: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    reason = (
        "ICMP is unavailable to uid 1000 gid 1000: raw sockets failed (Operation not permitted)"
    )
    monkeypatch.setattr(
        icmp, "detect_capability", lambda: icmp.PingCapability("unavailable", reason)
    )
    html = viewer_client.get(reverse("discovery:index")).content.decode()
    assert "Unavailable" in html and reason in html


def test_home_queries_are_bounded(viewer_client: Client, lab: dict) -> None:
    for _ in range(3):
        make_run(subnet=lab["subnet"], status=RunStatus.SUCCEEDED)
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(reverse("discovery:index"))
    for _ in range(20):
        make_run(subnet=lab["subnet"], host=lab["host"], status=RunStatus.SUCCEEDED)
        make_run(status=RunStatus.RUNNING, done=1, total=2)
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(reverse("discovery:index"))
    assert len(many) == len(few)


# --- runs ------------------------------------------------------------------------------------


def test_the_run_list_filters_by_kind_status_and_subnet(viewer_client: Client, lab: dict) -> None:
    make_run(kind=RunKind.SWEEP, subnet=lab["subnet"], target="198.18.0.0/24", status="succeeded")
    make_run(kind=RunKind.PORTS, target="198.18.7.0/24", status="failed")
    make_run(kind=RunKind.DNS, target="198.18.8.0/24", status="succeeded")
    url = reverse("discovery:run_list")
    by_kind = viewer_client.get(url, {"kind": "ports"}).content.decode()
    assert "198.18.7.0/24" in by_kind and "198.18.8.0/24" not in by_kind
    by_status = viewer_client.get(url, {"status": "succeeded"}).content.decode()
    assert "198.18.7.0/24" not in by_status and "198.18.8.0/24" in by_status
    by_subnet = viewer_client.get(url, {"subnet": "198.18.0.0/24"}, headers=HX).content.decode()
    assert "198.18.0.0/24" in by_subnet and "198.18.8.0/24" not in by_subnet
    assert "<html" not in by_subnet


def test_a_bad_filter_is_a_field_error_not_every_run(viewer_client: Client, lab: dict) -> None:
    make_run(target="198.18.9.0/24", status="succeeded")
    html = viewer_client.get(reverse("discovery:run_list"), {"kind": "nmap -iL"}).content.decode()
    assert "Select a valid choice" in html
    assert "198.18.9.0/24" not in html


def test_the_run_list_queries_are_bounded(viewer_client: Client, lab: dict) -> None:
    make_run(subnet=lab["subnet"], status="succeeded")
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(reverse("discovery:run_list"))
    for i in range(30):
        make_run(subnet=lab["subnet"], host=lab["host"], status="failed", error_message=f"e{i}")
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(reverse("discovery:run_list"))
    assert len(many) == len(few)


def test_run_detail_shows_counts_error_and_attempts(viewer_client: Client, lab: dict) -> None:
    run = make_run(
        status=RunStatus.PARTIAL,
        attempts=2,
        done=100,
        total=256,
        counts={"alive": 3},
        error_class="WorkerLost",
        error_message="The worker stopped while this run was in progress",
    )
    html = viewer_client.get(reverse("discovery:run_detail", args=[run.pk])).content.decode()
    assert "<dt>Attempts</dt><dd>2</dd>" in html
    assert "WorkerLost" in html and "The worker stopped" in html
    assert "100 of 256" in html
    assert "Partial" in html


def test_the_run_progress_fragment_polls_only_while_active(viewer_client: Client) -> None:
    run = make_run(status=RunStatus.QUEUED)
    url = reverse("discovery:run_detail", args=[run.pk])
    assert 'hx-trigger="every 2s"' in viewer_client.get(url, headers=HX).content.decode()
    ScanRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error_message="boom")
    done = viewer_client.get(url, headers=HX).content.decode()
    assert "hx-trigger" not in done and "boom" in done


def test_the_run_page_polls_its_facts_along_with_the_bar(viewer_client: Client) -> None:
    run = make_run(status=RunStatus.RUNNING, done=1, total=4)
    page = viewer_client.get(reverse("discovery:run_detail", args=[run.pk])).content.decode()
    assert "?detail=1" in page
    ScanRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, attempts=3, error_class="Timeout", error_message="slow"
    )
    url = reverse("discovery:run_detail", args=[run.pk]) + "?detail=1"
    fragment = viewer_client.get(url, headers=HX).content.decode()
    assert "<dt>Attempts</dt><dd>3</dd>" in fragment and "Timeout" in fragment
    assert "hx-trigger" not in fragment


def test_subnet_and_host_history_show_only_their_runs(viewer_client: Client, lab: dict) -> None:
    make_run(subnet=lab["subnet"], target="198.18.0.0/24", status="succeeded")
    make_run(subnet=lab["subnet"], host=lab["host"], target="198.18.0.10", status="failed")
    make_run(target="198.18.44.0/24", status="succeeded")
    subnet_html = viewer_client.get(
        reverse("discovery:subnet_runs", args=[lab["subnet"].pk]), headers=HX
    ).content.decode()
    assert "198.18.0.0/24" in subnet_html and "198.18.44.0/24" not in subnet_html
    host_html = viewer_client.get(
        reverse("discovery:host_runs", args=[lab["host"].pk]), headers=HX
    ).content.decode()
    assert "198.18.0.10" in host_html and "198.18.0.0/24" not in host_html


# --- scan now ----------------------------------------------------------------------------------


def test_an_editor_scans_a_subnet_and_lands_on_its_progress(
    editor_client: Client, lab: dict, _quiet: list[int]
) -> None:
    response = editor_client.post(reverse("discovery:scan_subnet", args=[lab["subnet"].pk]))
    run = ScanRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("discovery:run_detail", args=[run.pk])
    assert (run.kind, run.target, run.status) == ("sweep", "198.18.0.0/24", "queued")
    assert run.started_by is not None and run.started_by.username == "erin"


def test_scan_now_over_htmx_returns_a_polling_progress_fragment(
    editor_client: Client, lab: dict
) -> None:
    response = editor_client.post(reverse("discovery:scan_host", args=[lab["host"].pk]), headers=HX)
    html = response.content.decode()
    run = ScanRun.objects.get()
    assert response.status_code == 200
    assert f'id="run-{run.pk}"' in html and 'hx-trigger="every 2s"' in html
    assert "Scan queued." in html
    assert run.host == lab["host"]


def test_a_second_request_returns_the_run_already_running(
    editor_client: Client, admin_client: Client, lab: dict
) -> None:
    url = reverse("discovery:scan_subnet", args=[lab["subnet"].pk])
    editor_client.post(url)
    run = ScanRun.objects.get()
    ScanRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started=timezone.now())
    again = admin_client.post(url, headers=HX)
    assert ScanRun.objects.count() == 1
    html = again.content.decode()
    assert f'id="run-{run.pk}"' in html
    assert "already being scanned" in html


def test_a_target_outside_the_allowlist_is_refused_with_the_reason(
    editor_client: Client, lab: dict
) -> None:
    url = reverse("discovery:scan_subnet", args=[lab["outside"].pk])
    response = editor_client.post(url, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not scanned: 192.0.2.0/24 is outside the networks allowed for scanning" in html
    assert not ScanRun.objects.exists()
    fragment = editor_client.post(url, headers=HX)
    assert fragment.status_code == 200 and b'role="alert"' in fragment.content


def test_an_empty_allowlist_says_what_to_do(
    editor_client: Client, lab: dict, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    html = editor_client.post(
        reverse("discovery:scan_subnet", args=[lab["subnet"].pk]), headers=HX
    ).content.decode()
    assert "allowlist is empty" in html
    assert not ScanRun.objects.exists()


def test_the_refusal_names_the_allowlist_tab_and_links_it(
    editor_client: Client, lab: dict, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    url = reverse("discovery:scan_subnet", args=[lab["subnet"].pk])
    link = '<a href="/discovery/allowlist/">Discovery → Allowlist</a>'
    fragment = editor_client.post(url, headers=HX).content.decode()
    assert link in fragment and "settings page" not in fragment
    # Without htmx the refusal is a message on the page the user came from.
    page = editor_client.post(url, follow=True).content.decode()
    assert "nothing is scanned until it has a network" in page and link in page


def test_a_target_outside_the_allowlist_links_the_allowlist_too(
    editor_client: Client, lab: dict
) -> None:
    url = reverse("discovery:scan_subnet", args=[lab["outside"].pk])
    fragment = editor_client.post(url, headers=HX).content.decode()
    assert "outside the networks allowed for scanning" in fragment
    assert '<a href="/discovery/allowlist/">Discovery → Allowlist</a>' in fragment


def test_a_refusal_link_never_lets_markup_through(editor_client: Client, lab: dict) -> None:
    from discovery.templatetags.discovery_ui import allowlist_link

    shown = allowlist_link("<b>x</b> under Discovery → Allowlist")
    assert shown.startswith("&lt;b&gt;x&lt;/b&gt; under <a href=")


def test_the_overview_shows_the_allowlist_step_instead_of_scan_now_while_empty(
    admin_client: Client, viewer_client: Client, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    page = admin_client.get(reverse("discovery:index")).content.decode()
    assert "First, allow a network for scanning" in page
    assert '<a href="/discovery/allowlist/">Add a network on the Allowlist tab</a>' in page
    assert "Scan now" not in page
    # A viewer cannot add one: the step says who can.
    page = viewer_client.get(reverse("discovery:index")).content.decode()
    assert "An administrator adds a network" in page and "Scan now" not in page
    AllowedNetwork.objects.create(network="198.18.0.0/24")
    page = admin_client.get(reverse("discovery:index")).content.decode()
    assert "First, allow a network" not in page and "Scan now" in page


def test_a_setting_that_does_not_parse_counts_as_an_empty_allowlist(
    admin_client: Client, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["not-a-network"]
    page = admin_client.get(reverse("discovery:index")).content.decode()
    assert "First, allow a network for scanning" in page


def test_the_per_user_rate_limit_is_a_clear_message(
    editor_client: Client, lab: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_queue, "RATE_LIMIT", (2, 60))
    url = reverse("discovery:scan_host", args=[lab["host"].pk])
    editor_client.post(url, {"kind": "sweep"})
    editor_client.post(url, {"kind": "dns"})
    third = editor_client.post(url, {"kind": "ports"}, follow=True)
    assert third.status_code == 200
    assert "more than 2 scans in the last minute" in third.content.decode()
    assert ScanRun.objects.count() == 2


def test_an_unknown_kind_or_profile_is_refused_not_a_500(editor_client: Client, lab: dict) -> None:
    url = reverse("discovery:scan_host", args=[lab["host"].pk])
    bad_kind = editor_client.post(url, {"kind": "sweep; id"}, headers=HX).content.decode()
    assert "is not a scan you can start here" in bad_kind
    bad_profile = editor_client.post(
        url, {"kind": "ports", "profile": "--script=x"}, headers=HX
    ).content.decode()
    assert "no scan profile called" in bad_profile
    assert not ScanRun.objects.exists()


# --- allowlist -----------------------------------------------------------------------------------


def test_the_allowlist_shows_settings_networks_read_only(
    admin_client: Client, db: None, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/15", "2001:2::/48"]
    AllowedNetwork.objects.create(network="203.0.113.0/24", description="DMZ")
    html = admin_client.get(reverse("discovery:allowlist")).content.decode()
    assert "198.18.0.0/15" in html and "2001:2::/48" in html
    assert "203.0.113.0/24" in html
    assert html.count("Remove</button>") == 1  # only the row added here


def test_an_admin_adds_a_network_in_canonical_form(admin_client: Client, db: None) -> None:
    response = admin_client.post(reverse("discovery:allowlist"), {"network": "198.19.0.0/24"})
    assert response.status_code == 302
    assert AllowedNetwork.objects.get().network == "198.19.0.0/24"


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ("10.0.0.0/33", "prefix length"),
        ("127.0.0.0/8", "loopback"),
        ("not-a-network", "is not an IPv4 or IPv6 address"),
        ("198.18.0.0 /24", "has spaces in it"),
        ("", "This field is required"),
    ],
)
def test_a_bad_network_is_a_field_error(
    admin_client: Client, db: None, network: str, message: str
) -> None:
    response = admin_client.post(reverse("discovery:allowlist"), {"network": network})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AllowedNetwork.objects.exists()


def test_only_admins_change_the_allowlist(
    editor_client: Client, viewer_client: Client, db: None
) -> None:
    row = AllowedNetwork.objects.create(network="198.19.0.0/24")
    for who in (editor_client, viewer_client):
        assert (
            who.post(reverse("discovery:allowlist"), {"network": "198.18.5.0/24"}).status_code
            == 403
        )
        delete = reverse("discovery:allowlist_delete", args=[row.pk])
        assert who.post(delete).status_code == 403
    assert list(AllowedNetwork.objects.values_list("network", flat=True)) == ["198.19.0.0/24"]


def test_an_admin_removes_a_network_and_scans_of_it_are_then_refused(
    admin_client: Client, lab: dict, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = []
    row = AllowedNetwork.objects.create(network="198.18.0.0/24")
    admin_client.post(reverse("discovery:allowlist_delete", args=[row.pk]))
    assert not AllowedNetwork.objects.exists()
    html = admin_client.post(
        reverse("discovery:scan_subnet", args=[lab["subnet"].pk]), follow=True
    ).content.decode()
    assert "Not scanned" in html


# --- scan profiles ---------------------------------------------------------------------


def test_profiles_list_built_in_and_defined_ones(viewer_client: Client, db: None) -> None:
    ScanProfileDef.objects.create(name="web", ports="list", port_list="80,443")
    html = viewer_client.get(reverse("discovery:profile_list")).content.decode()
    assert "quick" in html and "standard" in html and "80,443" in html
    assert "New profile" not in html


def test_an_admin_defines_a_profile_from_allowed_options(admin_client: Client, db: None) -> None:
    data = {
        "name": "web",
        "ports": "list",
        "port_list": "80,443",
        "timing": 4,
        "host_timeout_s": 60,
    }
    response = admin_client.post(reverse("discovery:profile_create"), data)
    assert response.status_code == 302
    assert ScanProfileDef.objects.get().to_profile().name == "web"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "quick"}, "is a built-in profile"),
        ({"port_list": "22,-iL /etc/passwd"}, "is not a port number"),
        ({"ports": "top100", "port_list": "22"}, "Leave the port list empty"),
        ({"timing": 9}, "Select a valid choice"),
        ({"name": "Bad Name"}, "slug"),
    ],
)
def test_a_bad_profile_is_a_field_error(
    admin_client: Client, db: None, overrides: dict, message: str
) -> None:
    data = {"name": "web", "ports": "list", "port_list": "80", "timing": 4, "host_timeout_s": 60}
    response = admin_client.post(reverse("discovery:profile_create"), {**data, **overrides})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScanProfileDef.objects.exists()


def test_only_admins_edit_profiles(editor_client: Client, db: None) -> None:
    profile = ScanProfileDef.objects.create(name="web")
    assert editor_client.get(reverse("discovery:profile_create")).status_code == 403
    assert (
        editor_client.post(reverse("discovery:profile_edit", args=[profile.pk])).status_code == 403
    )


def test_hosts_and_subnets_missing_are_404(viewer_client: Client, db: None) -> None:
    assert viewer_client.get(reverse("discovery:host_drawer", args=[999])).status_code == 404
    assert viewer_client.get(reverse("discovery:subnet_runs", args=[999])).status_code == 404
    assert Host.objects.count() == 0 and Subnet.objects.count() == 0


def test_an_admin_edits_a_profile_and_its_new_options_apply(admin_client: Client, db: None) -> None:
    profile = ScanProfileDef.objects.create(name="web", ports="top100")
    data = {"name": "web", "ports": "list", "port_list": "8080", "timing": 3, "host_timeout_s": 30}
    response = admin_client.post(reverse("discovery:profile_edit", args=[profile.pk]), data)
    assert response.status_code == 302
    args = ScanProfileDef.objects.get().to_profile().args
    assert "8080" in " ".join(args) and "-T3" in args
