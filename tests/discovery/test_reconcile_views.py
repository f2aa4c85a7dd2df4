"""The reconciliation page: the four kinds of difference, N days, accept/dismiss one or many."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEntry
from discovery.models import ReconciliationItem, ReconKind, ReconState
from ipam.models import Host
from tests.discovery.test_views import HX, _quiet  # noqa: F401  (autouse fixture)
from tests.factories import make_host, make_subnet

URL = "/discovery/reconcile/"
DECIDE = "/discovery/reconcile/decide/"


@pytest.fixture
def items(db: None) -> dict[str, Any]:
    subnet = make_subnet("198.18.0.0/24", scan_enabled=True)
    old = timezone.now() - timedelta(days=40)
    new = make_host("198.18.0.20", subnet, origin="discovered", status="up")
    gone = make_host("198.18.0.21", subnet, hostname="printer")
    Host.objects.filter(pk=gone.pk).update(last_seen=old, created=old)
    recent = make_host("198.18.0.22", subnet, hostname="nas")
    Host.objects.filter(pk=recent.pk).update(last_seen=timezone.now() - timedelta(days=10))
    named = make_host("198.18.0.23", subnet, hostname="alpha", ptr_name="beta.lab.example")
    moved = make_host("198.18.0.24", subnet, mac="00:11:22:33:44:55")
    kinds = ReconKind
    return {
        "new": ReconciliationItem.objects.create(kind=kinds.UNDOCUMENTED_ALIVE, host=new),
        "gone": ReconciliationItem.objects.create(
            kind=kinds.UNSEEN_DOCUMENTED, host=gone, details={"days": 30}
        ),
        "recent": ReconciliationItem.objects.create(
            kind=kinds.UNSEEN_DOCUMENTED, host=recent, details={"days": 7}
        ),
        "ptr": ReconciliationItem.objects.create(
            kind=kinds.PTR_MISMATCH,
            host=named,
            details={"hostname": "alpha", "ptr": "beta.lab.example"},
        ),
        "mac": ReconciliationItem.objects.create(
            kind=kinds.MAC_CHANGED,
            host=moved,
            details={"documented": "00:11:22:33:44:55", "seen": "66:77:88:99:aa:bb"},
        ),
    }


def test_the_page_lists_every_kind_of_difference(viewer_client: Client, items: dict) -> None:
    html = viewer_client.get(URL).content.decode()
    for address in ("198.18.0.20", "198.18.0.21", "198.18.0.23", "198.18.0.24"):
        assert address in html
    assert "beta.lab.example" in html and "66:77:88:99:aa:bb" in html
    # The default horizon is 30 days: a host seen 10 days ago is not "unseen".
    assert "198.18.0.22" not in html


def test_n_days_is_selectable(viewer_client: Client, items: dict) -> None:
    html = viewer_client.get(URL, {"days": 7, "kind": "unseen_documented"}).content.decode()
    assert "198.18.0.22" in html and "198.18.0.21" in html
    assert "198.18.0.20" not in html


def test_a_bad_number_of_days_is_a_field_error(viewer_client: Client, items: dict) -> None:
    html = viewer_client.get(URL, {"days": "-3"}).content.decode()
    assert "Ensure this value is greater than or equal to 1" in html


def test_htmx_gets_the_table_fragment(viewer_client: Client, items: dict) -> None:
    html = viewer_client.get(URL, headers=HX).content.decode()
    assert "<html" not in html and "198.18.0.20" in html


def test_a_viewer_sees_no_decision_buttons_and_cannot_decide(
    viewer_client: Client, items: dict
) -> None:
    html = viewer_client.get(URL).content.decode()
    assert "accept_one" not in html
    response = viewer_client.post(DECIDE, {"accept_one": items["new"].pk})
    assert response.status_code == 403
    assert ReconciliationItem.objects.get(pk=items["new"].pk).state == ReconState.OPEN


def test_a_viewer_cannot_check_again(viewer_client: Client, items: dict) -> None:
    ReconciliationItem.objects.all().delete()
    assert viewer_client.post("/discovery/reconcile/refresh/", {"days": 30}).status_code == 403
    assert "Check again" not in viewer_client.get(URL).content.decode()
    assert not ReconciliationItem.objects.exists()


def test_no_access_and_anonymous_cannot_decide(
    noaccess_client: Client, client: Client, items: dict
) -> None:
    assert noaccess_client.post(DECIDE, {"accept_one": items["new"].pk}).status_code == 403
    assert client.post(DECIDE, {"accept_one": items["new"].pk}).status_code == 302
    assert noaccess_client.post("/discovery/reconcile/refresh/").status_code == 403
    assert ReconciliationItem.objects.filter(state=ReconState.OPEN).count() == 5


def test_accepting_one_item_documents_the_host_and_is_audited(
    editor_client: Client, items: dict
) -> None:
    response = editor_client.post(DECIDE, {"accept_one": items["new"].pk}, follow=True)
    assert "Accepted 1 difference." in response.content.decode()
    item = ReconciliationItem.objects.get(pk=items["new"].pk)
    assert item.state == ReconState.ACCEPTED and item.decided_by.username == "erin"
    assert Host.objects.get(address="198.18.0.20").origin == "documented"
    assert ReconciliationItem.objects.filter(state=ReconState.OPEN).count() == 4
    audit = AuditEntry.objects.get(
        object_id=str(item.pk), action="update", changes__has_key="state"
    )
    assert (audit.username, audit.door, audit.changes["state"][1]) == ("erin", "web", "accepted")


def test_accepting_a_ptr_mismatch_takes_the_ptr_name(editor_client: Client, items: dict) -> None:
    editor_client.post(DECIDE, {"accept_one": items["ptr"].pk})
    host = Host.objects.get(address="198.18.0.23")
    assert (host.hostname, host.hostname_source) == ("beta.lab.example", "ptr")


def test_dismissing_keeps_ipam_as_it_is(editor_client: Client, items: dict) -> None:
    editor_client.post(DECIDE, {"dismiss_one": items["mac"].pk})
    assert ReconciliationItem.objects.get(pk=items["mac"].pk).state == ReconState.DISMISSED
    assert Host.objects.get(address="198.18.0.24").mac == "00:11:22:33:44:55"


def test_bulk_dismiss_decides_only_the_ticked_items(editor_client: Client, items: dict) -> None:
    ticked = [items["new"].pk, items["mac"].pk]
    response = editor_client.post(DECIDE, {"action": "dismiss", "item": ticked}, follow=True)
    assert "Dismissed 2 differences." in response.content.decode()
    states = dict(ReconciliationItem.objects.values_list("pk", "state"))
    assert {states[pk] for pk in ticked} == {ReconState.DISMISSED}
    assert list(states.values()).count(ReconState.OPEN) == 3


def test_bulk_accept_decides_each(editor_client: Client, items: dict) -> None:
    ticked = [items["new"].pk, items["ptr"].pk, items["mac"].pk]
    editor_client.post(DECIDE, {"action": "accept", "item": ticked})
    assert ReconciliationItem.objects.filter(state=ReconState.ACCEPTED).count() == 3
    assert Host.objects.get(address="198.18.0.24").mac == "66:77:88:99:aa:bb"


def test_deciding_nothing_says_what_to_do(editor_client: Client, items: dict) -> None:
    response = editor_client.post(DECIDE, {"action": "accept"}, follow=True)
    assert "Choose at least one difference" in response.content.decode()
    assert ReconciliationItem.objects.filter(state=ReconState.OPEN).count() == 5


def test_an_item_already_decided_is_reported_not_decided_twice(
    editor_client: Client, items: dict
) -> None:
    editor_client.post(DECIDE, {"dismiss_one": items["new"].pk})
    response = editor_client.post(DECIDE, {"accept_one": items["new"].pk}, follow=True)
    assert "already dismissed" in response.content.decode()
    assert ReconciliationItem.objects.get(pk=items["new"].pk).state == ReconState.DISMISSED


def test_check_again_refreshes_with_the_chosen_days(editor_client: Client, items: dict) -> None:
    ReconciliationItem.objects.all().delete()
    response = editor_client.post("/discovery/reconcile/refresh/", {"days": 30})
    assert response.status_code == 302 and "days=30" in response["Location"]
    kinds = set(ReconciliationItem.objects.values_list("kind", flat=True))
    assert {ReconKind.UNDOCUMENTED_ALIVE, ReconKind.UNSEEN_DOCUMENTED} <= kinds


def test_the_page_queries_are_bounded(viewer_client: Client, items: dict) -> None:
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(URL)
    subnet = items["new"].host.subnet
    for i in range(30, 60):
        host = make_host(f"198.18.0.{i}", subnet, origin="discovered", status="up")
        ReconciliationItem.objects.create(kind=ReconKind.UNDOCUMENTED_ALIVE, host=host)
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(URL)
    assert len(many) == len(few)
