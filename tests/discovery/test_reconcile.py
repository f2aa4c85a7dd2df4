"""Reconciliation: differences are raised once, decisions change IPAM and are audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts import audit
from accounts.models import AuditEntry
from discovery import reconcile
from discovery.models import ReconciliationItem, ReconKind, ReconState
from ipam.models import Host, HostnameSource, HostOrigin, HostStatus
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


@pytest.fixture
def subnet():  # type: ignore[no-untyped-def]
    return make_subnet("198.18.0.0/24", scan_enabled=True)


def kinds() -> list[tuple[str, str]]:
    return sorted(
        ReconciliationItem.objects.filter(state=ReconState.OPEN).values_list(
            "host__address", "kind"
        )
    )


def test_refresh_raises_each_difference_once(subnet: Any) -> None:
    make_host("198.18.0.20", origin=HostOrigin.DISCOVERED, status=HostStatus.UP)
    stale = make_host("198.18.0.30", last_seen=timezone.now() - timedelta(days=40))
    Host.objects.filter(pk=stale.pk).update(created=timezone.now() - timedelta(days=60))
    make_host("198.18.0.40", hostname="files", ptr_name="nas.lab.test")
    make_host("198.18.0.41", hostname="gw", ptr_name="gw.lab.test")  # agrees
    make_host("198.18.0.50", last_seen=timezone.now())  # seen: fine
    reconcile.refresh()
    reconcile.refresh()
    assert kinds() == [
        ("198.18.0.20", ReconKind.UNDOCUMENTED_ALIVE),
        ("198.18.0.30", ReconKind.UNSEEN_DOCUMENTED),
        ("198.18.0.40", ReconKind.PTR_MISMATCH),
    ]


def test_accepting_an_undocumented_host_documents_it_and_is_audited(subnet: Any, erin: Any) -> None:
    host = make_host("198.18.0.20", origin=HostOrigin.DISCOVERED, status=HostStatus.UP)
    reconcile.refresh()
    item = ReconciliationItem.objects.get()
    with audit.context("web", user=erin):
        reconcile.accept(item, erin)
    host.refresh_from_db()
    assert host.origin == HostOrigin.DOCUMENTED
    item.refresh_from_db()
    assert (item.state, item.decided_by) == (ReconState.ACCEPTED, erin)
    entry = AuditEntry.objects.get(
        content_type__model="reconciliationitem", object_id=str(item.pk), action="update"
    )
    assert entry.username == "erin"
    assert entry.changes["state"] == ["open", "accepted"]
    # The difference is gone: refreshing raises nothing new.
    reconcile.refresh()
    assert kinds() == []


def test_a_decision_in_the_audit_trail_names_the_address_not_a_row_id(
    subnet: Any, erin: Any
) -> None:
    host = make_host("198.18.0.20", origin=HostOrigin.DISCOVERED, status=HostStatus.UP)
    reconcile.refresh()
    item = ReconciliationItem.objects.get()
    with audit.context("web", user=erin):
        reconcile.accept(item, erin)
    entry = AuditEntry.objects.filter(content_type__model="reconciliationitem").latest("id")
    assert entry.object_repr == "Alive but undocumented: 198.18.0.20"
    assert not entry.object_repr.endswith(f": {host.pk}")


def test_accepting_a_ptr_mismatch_takes_the_ptr_as_hostname(subnet: Any, erin: Any) -> None:
    host = make_host("198.18.0.40", hostname="files", ptr_name="nas.lab.test")
    reconcile.refresh()
    reconcile.accept(ReconciliationItem.objects.get(), erin)
    host.refresh_from_db()
    assert (host.hostname, host.hostname_source) == ("nas.lab.test", HostnameSource.PTR)


def test_a_dismissed_difference_is_not_raised_again_until_it_changes(
    subnet: Any, erin: Any
) -> None:
    host = make_host("198.18.0.40", hostname="files", ptr_name="nas.lab.test")
    reconcile.refresh()
    reconcile.dismiss(ReconciliationItem.objects.get(), erin)
    reconcile.refresh()
    assert kinds() == []
    Host.objects.filter(pk=host.pk).update(ptr_name="other.lab.test")
    reconcile.refresh()
    assert kinds() == [("198.18.0.40", ReconKind.PTR_MISMATCH)]


def test_a_decided_item_cannot_be_decided_again(subnet: Any, erin: Any) -> None:
    make_host("198.18.0.20", origin=HostOrigin.DISCOVERED, status=HostStatus.UP)
    reconcile.refresh()
    item = reconcile.dismiss(ReconciliationItem.objects.get(), erin)
    with pytest.raises(ValueError, match="already dismissed"):
        reconcile.accept(item, erin)


def test_an_open_item_that_no_longer_applies_is_dropped(subnet: Any) -> None:
    stale = make_host("198.18.0.30", last_seen=timezone.now() - timedelta(days=40))
    Host.objects.filter(pk=stale.pk).update(created=timezone.now() - timedelta(days=60))
    reconcile.refresh()
    assert kinds() == [("198.18.0.30", ReconKind.UNSEEN_DOCUMENTED)]
    Host.objects.filter(pk=stale.pk).update(last_seen=timezone.now())
    result = reconcile.refresh()
    assert kinds() == []
    assert result["removed"] == 1


def test_a_mac_change_reported_by_a_source_is_raised_and_accepted(subnet: Any, erin: Any) -> None:
    host = make_host("198.18.0.60", mac="00:1a:2b:3c:4d:5e")
    item = reconcile.flag_mac_change(host, host.mac, "00:1a:2b:3c:4d:ff")
    assert item is not None
    reconcile.accept(item, erin)
    host.refresh_from_db()
    assert host.mac == "00:1a:2b:3c:4d:ff"
