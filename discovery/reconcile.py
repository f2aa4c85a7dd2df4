"""Reconciliation: differences between what IPAM documents and what discovery saw.

`refresh()` opens an item for each difference found (at most one open item per
host and kind) and drops open items that no longer apply; a dismissed item for
the same difference is not raised again. `accept()` makes IPAM follow what was
seen; `dismiss()` keeps IPAM as it is. Both are saved through the model, so the
audit trail records who decided what.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from discovery.models import ReconciliationItem, ReconKind, ReconState
from ipam.models import Host, HostnameSource, HostOrigin, HostStatus

UNSEEN_DAYS = 30


def same_name(hostname: str, ptr: str) -> bool:
    """A documented hostname agrees with a PTR when equal, or equal to its first label."""
    a = hostname.strip().rstrip(".").lower()
    b = ptr.strip().rstrip(".").lower()
    return a == b or a == b.split(".", 1)[0]


def flag(host: Host, kind: str, details: dict[str, Any]) -> ReconciliationItem | None:
    """Open an item unless one is open, or the same difference was dismissed before."""
    if ReconciliationItem.objects.filter(
        host=host, kind=kind, state=ReconState.DISMISSED, details=details
    ).exists():
        return None
    current = ReconciliationItem.objects.filter(host=host, kind=kind, state=ReconState.OPEN).first()
    if current is not None:
        if current.details != details:
            current.details = details
            current.save(update_fields=["details", "updated"])
        return current
    try:
        with transaction.atomic():
            return ReconciliationItem.objects.create(host=host, kind=kind, details=details)
    except IntegrityError:
        return ReconciliationItem.objects.filter(
            host=host, kind=kind, state=ReconState.OPEN
        ).first()


def flag_ptr_mismatch(host: Host, ptr: str) -> ReconciliationItem | None:
    return flag(host, ReconKind.PTR_MISMATCH, {"hostname": host.hostname, "ptr": ptr})


def flag_mac_change(host: Host, old: str, new: str) -> ReconciliationItem | None:
    """For sources that observe MACs (ARP, SNMP): the documented MAC differs from the seen one."""
    return flag(host, ReconKind.MAC_CHANGED, {"documented": old, "seen": new})


def refresh(unseen_days: int = UNSEEN_DAYS) -> dict[str, int]:
    """Open items for current differences, drop open items that no longer apply."""
    opened = dict.fromkeys(ReconKind.values, 0)
    horizon = timezone.now() - timedelta(days=unseen_days)

    undocumented = Host.objects.filter(origin=HostOrigin.DISCOVERED, status=HostStatus.UP)
    for host in undocumented:
        if flag(host, ReconKind.UNDOCUMENTED_ALIVE, {}) is not None:
            opened[ReconKind.UNDOCUMENTED_ALIVE] += 1

    unseen = Host.objects.filter(
        origin=HostOrigin.DOCUMENTED, subnet__scan_enabled=True, created__lt=horizon
    ).filter(Q(last_seen__lt=horizon) | Q(last_seen__isnull=True))
    for host in unseen:
        last = host.last_seen.isoformat() if host.last_seen else None
        if flag(host, ReconKind.UNSEEN_DOCUMENTED, {"last_seen": last, "days": unseen_days}):
            opened[ReconKind.UNSEEN_DOCUMENTED] += 1

    mismatched = Host.objects.exclude(ptr_name="").exclude(hostname="")
    for host in mismatched.filter(hostname_source=HostnameSource.MANUAL):
        if not same_name(host.hostname, host.ptr_name) and flag_ptr_mismatch(host, host.ptr_name):
            opened[ReconKind.PTR_MISMATCH] += 1

    # Open items whose difference is gone are removed: there is nothing to decide.
    still_open = ReconciliationItem.objects.filter(state=ReconState.OPEN).select_related("host")
    removed = 0
    for item in still_open:
        host = item.host
        gone = (
            (item.kind == ReconKind.UNDOCUMENTED_ALIVE and host.origin != HostOrigin.DISCOVERED)
            or (
                item.kind == ReconKind.UNSEEN_DOCUMENTED
                and host.last_seen is not None
                and host.last_seen >= horizon
            )
            or (
                item.kind == ReconKind.PTR_MISMATCH
                and (
                    not host.ptr_name
                    or host.hostname_source != HostnameSource.MANUAL
                    or same_name(host.hostname, host.ptr_name)
                )
            )
        )
        if gone:
            item.delete()
            removed += 1
    return {**opened, "removed": removed}


def _decide(item: ReconciliationItem, state: str, user: Any) -> ReconciliationItem:
    item.state = state
    item.decided_by = user if getattr(user, "pk", None) else None
    item.decided_at = timezone.now()
    item.save()
    return item


def accept(item: ReconciliationItem, user: Any) -> ReconciliationItem:
    """Make IPAM follow what discovery saw, and record the decision."""
    if item.state != ReconState.OPEN:
        raise ValueError(f"This item was already {item.get_state_display().lower()}.")
    host = item.host
    with transaction.atomic():
        if item.kind == ReconKind.UNDOCUMENTED_ALIVE:
            host.origin = HostOrigin.DOCUMENTED
            host.save()
        elif item.kind == ReconKind.PTR_MISMATCH and item.details.get("ptr"):
            host.hostname = item.details["ptr"]
            host.hostname_source = HostnameSource.PTR
            host.save()
        elif item.kind == ReconKind.MAC_CHANGED and item.details.get("seen"):
            host.mac = item.details["seen"]
            host.save()
        # An unseen documented host is only acknowledged: deleting an address is a
        # decision made on the host itself.
        return _decide(item, ReconState.ACCEPTED, user)


def dismiss(item: ReconciliationItem, user: Any) -> ReconciliationItem:
    """Keep IPAM as it is; the same difference is not raised again."""
    if item.state != ReconState.OPEN:
        raise ValueError(f"This item was already {item.get_state_display().lower()}.")
    return _decide(item, ReconState.DISMISSED, user)


def decide_many(action: str, pks: list[int], user: Any) -> tuple[int, list[str]]:
    """Accept or dismiss the open items among `pks`: (how many decided, why others were not)."""
    decide = accept if action == "accept" else dismiss
    done, skipped = 0, []
    for item in ReconciliationItem.objects.filter(pk__in=pks).select_related("host"):
        try:
            decide(item, user)
            done += 1
        except ValueError as error:
            skipped.append(f"{item.host.address}: {error}")
    return done, skipped
