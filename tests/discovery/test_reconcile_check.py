"""Reconciliation never claims agreement it did not check: when it last ran, re-checks after
sweeps and DNS passes, and one audit entry per system-generated batch."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from accounts.models import AuditEntry
from discovery import dns, icmp, reconcile
from discovery.dnspass import run_dns
from discovery.models import ReconciliationCheck, ReconciliationItem, RunKind, ScanRun
from discovery.sweep import run_sweep
from ipam.models import HostStatus
from tests.discovery.fakes import FakePing
from tests.discovery.test_views import _quiet  # noqa: F401  (autouse fixture)
from tests.factories import make_host, make_subnet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_lab")]
URL = "/discovery/reconcile/"


@pytest.fixture
def subnet() -> Any:
    return make_subnet("198.18.0.0/24", scan_enabled=True)


def item_entries() -> int:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReconciliationItem)
    ).count()


def check_entries() -> list[AuditEntry]:
    kind = ContentType.objects.get_for_model(ReconciliationCheck)
    return list(AuditEntry.objects.filter(content_type=kind))


def test_a_fresh_install_says_not_checked_yet_instead_of_agreement(
    viewer_client: Client, subnet: Any
) -> None:
    html = viewer_client.get(URL).content.decode()
    assert "Not checked yet" in html
    assert "agree" not in html.replace("agree or differ", "")


def test_after_a_check_the_page_says_when_and_why(
    editor_client: Client, viewer_client: Client, subnet: Any
) -> None:
    editor_client.post("/discovery/reconcile/refresh/", {"days": 30})
    html = viewer_client.get(URL).content.decode()
    assert "Last checked" in html and "Check again by erin" in html
    assert "agreed" in html and "when last checked" in html
    assert "Not checked yet" not in html


def test_a_sweep_rechecks_and_opens_the_differences_it_caused(
    monkeypatch: pytest.MonkeyPatch, subnet: Any
) -> None:
    alive = {f"198.18.0.{n}": 0.1 for n in range(10, 73)}  # 63 alive, undocumented hosts
    monkeypatch.setattr(icmp, "sweep", FakePing(alive))
    run = ScanRun.objects.create(kind=RunKind.SWEEP, target=subnet.network, subnet=subnet)
    run_sweep(run.pk)
    check = ReconciliationCheck.latest()
    assert check is not None and f"sweep of 198.18.0.0/24 (run {run.pk})" in check.trigger
    assert ReconciliationItem.objects.count() == 63
    # One audit entry for the batch, none per item.
    assert item_entries() == 0
    [entry] = check_entries()
    assert entry.changes["new_items"] == [None, 63]
    assert entry.door == "job"


def test_a_check_that_changes_nothing_writes_no_audit_entry(subnet: Any) -> None:
    make_host("198.18.0.30", subnet, origin="discovered", status=HostStatus.UP)
    reconcile.refresh(trigger="first")
    reconcile.refresh(trigger="second")
    assert len(check_entries()) == 1
    check = ReconciliationCheck.latest()
    assert check is not None and check.trigger == "second" and check.new_items == 0
    assert ReconciliationCheck.objects.count() == 1


def test_a_dns_pass_rechecks_and_flags_a_disagreeing_ptr(
    monkeypatch: pytest.MonkeyPatch, subnet: Any
) -> None:
    make_host("198.18.0.11", subnet, hostname="intranet", status=HostStatus.UP)

    def lookup(addresses: Any, **kw: Any) -> dict[str, dns.PtrResult]:
        return {a: dns.PtrResult("web.lab.test", dns.ANSWER) for a in addresses}

    monkeypatch.setattr(dns, "ptr_outcomes", lookup)
    run = ScanRun.objects.create(kind=RunKind.DNS, target=subnet.network, subnet=subnet)
    run_dns(run.pk)
    run.refresh_from_db()
    assert run.counts["mismatch"] == 1
    check = ReconciliationCheck.latest()
    assert check is not None and "DNS pass" in check.trigger
    assert ReconciliationItem.objects.get().details == {
        "hostname": "intranet",
        "ptr": "web.lab.test",
    }
    assert item_entries() == 0 and len(check_entries()) == 1


def test_deciding_an_item_is_still_audited_one_by_one(subnet: Any, erin: Any) -> None:
    make_host("198.18.0.30", subnet, origin="discovered", status=HostStatus.UP)
    reconcile.refresh()
    reconcile.accept(ReconciliationItem.objects.get(), erin)
    assert item_entries() == 1
