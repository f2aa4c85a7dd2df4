"""Reconciliation: differences between what IPAM documents and what discovery saw.

`refresh()` opens an item for each difference found (at most one open item per
host and kind) and drops open items that no longer apply; a dismissed item for
the same difference is not raised again. It runs after every sweep and DNS pass
and on "Check again", remembers when it ran (`ReconciliationCheck`: a page never
says IPAM and the network agree when nobody compared them), and is audited as
one entry per check that changed something, not one per item. `accept()` makes IPAM follow what was
seen; `dismiss()` keeps IPAM as it is. Both are saved through the model, so the
audit trail records who decided what.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts import audit
from accounts.models import User
from discovery.models import ReconciliationCheck, ReconciliationItem, ReconKind, ReconState
from ipam.models import Host, HostnameSource, HostOrigin, HostStatus

UNSEEN_DAYS = 30


def same_name(hostname: str, ptr: str) -> bool:
    """A documented hostname agrees with a PTR when equal, or equal to its first label."""
    a = hostname.strip().rstrip(".").lower()
    b = ptr.strip().rstrip(".").lower()
    return a == b or a == b.split(".", 1)[0]


def flag(host: Host, kind: str, details: dict[str, object]) -> ReconciliationItem | None:
    """Open an item unless one is open, or the same difference was dismissed before."""
    return _flag(host, kind, details)[0]


def _flag(
    host: Host, kind: str, details: dict[str, object]
) -> tuple[ReconciliationItem | None, bool]:
    """(the open item or None, whether it was created just now)."""
    if ReconciliationItem.objects.filter(
        host=host, kind=kind, state=ReconState.DISMISSED, details=details
    ).exists():
        return None, False
    current = ReconciliationItem.objects.filter(host=host, kind=kind, state=ReconState.OPEN).first()
    if current is not None:
        if current.details != details:
            current.details = details
            current.save(update_fields=["details", "updated"])
        return current, False
    try:
        with transaction.atomic():
            return ReconciliationItem.objects.create(host=host, kind=kind, details=details), True
    except IntegrityError:
        found = ReconciliationItem.objects.filter(host=host, kind=kind, state=ReconState.OPEN)
        return found.first(), False


def flag_ptr_mismatch(host: Host, ptr: str) -> ReconciliationItem | None:
    return flag(host, ReconKind.PTR_MISMATCH, {"hostname": host.hostname, "ptr": ptr})


def flag_mac_change(host: Host, old: str, new: str) -> ReconciliationItem | None:
    """For sources that observe MACs (ARP, SNMP): the documented MAC differs from the seen one."""
    return flag(host, ReconKind.MAC_CHANGED, {"documented": old, "seen": new})


def refresh(unseen_days: int = UNSEEN_DAYS, trigger: str = "Check again") -> dict[str, int]:
    """Open items for current differences, drop open items that no longer apply.

    Returns the open items by kind, "new" and "removed". Remembers the check,
    and writes one audit entry for it when it opened or removed anything.
    """
    with audit.batch(), transaction.atomic():
        result = _compare(unseen_days)
        check = _remember(unseen_days, trigger, result)
    if result["new"] or result["removed"]:
        audit.record(
            check,
            "update",
            {
                "new_items": [None, result["new"]],
                "resolved": [None, result["removed"]],
                "open_items": [None, check.open_items],
                "trigger": [None, trigger],
            },
        )
    return result


def _remember(unseen_days: int, trigger: str, result: dict[str, int]) -> ReconciliationCheck:
    """The single check row, updated to this check."""
    values = {
        "checked_at": timezone.now(),
        "trigger": trigger[:200],
        "unseen_days": unseen_days,
        "open_items": {kind: result[kind] for kind in ReconKind.values},
        "new_items": result["new"],
        "resolved": result["removed"],
    }
    check = ReconciliationCheck.latest()
    if check is None:
        return ReconciliationCheck.objects.create(**values)
    ReconciliationCheck.objects.filter(pk=check.pk).update(**values)
    check.refresh_from_db()
    return check


def _compare(unseen_days: int) -> dict[str, int]:
    """One pass over the differences, in a fixed number of queries whatever the host count."""
    now = timezone.now()
    horizon = now - timedelta(days=unseen_days)
    wanted: dict[str, dict[int, dict[str, object]]] = {kind: {} for kind in ReconKind.values}
    undocumented = Host.objects.filter(origin=HostOrigin.DISCOVERED, status=HostStatus.UP)
    for pk in undocumented.values_list("pk", flat=True):
        wanted[ReconKind.UNDOCUMENTED_ALIVE][pk] = {}
    unseen = Host.objects.filter(
        origin=HostOrigin.DOCUMENTED, subnet__scan_enabled=True, created__lt=horizon
    ).filter(Q(last_seen__lt=horizon) | Q(last_seen__isnull=True))
    for pk, last_seen in unseen.values_list("pk", "last_seen"):
        last = last_seen.isoformat() if last_seen else None
        wanted[ReconKind.UNSEEN_DOCUMENTED][pk] = {"last_seen": last, "days": unseen_days}
    mismatched = Host.objects.exclude(ptr_name="").exclude(hostname="")
    manual = mismatched.filter(hostname_source=HostnameSource.MANUAL)
    for pk, hostname, ptr in manual.values_list("pk", "hostname", "ptr_name"):
        if not same_name(hostname, ptr):
            wanted[ReconKind.PTR_MISMATCH][pk] = {"hostname": hostname, "ptr": ptr}

    items = ReconciliationItem.objects.filter(state__in=[ReconState.OPEN, ReconState.DISMISSED])
    current: dict[tuple[str, int], ReconciliationItem] = {}
    dismissed: dict[tuple[str, int], list[dict[str, object]]] = {}
    for item in items.only("pk", "kind", "host_id", "details", "state"):
        key = (item.kind, item.host_id)
        if item.state == ReconState.OPEN:
            current[key] = item
        else:
            dismissed.setdefault(key, []).append(item.details)
    fresh: list[ReconciliationItem] = []
    changed: list[ReconciliationItem] = []
    for kind, hosts in wanted.items():
        for host_id, details in hosts.items():
            key = (kind, host_id)
            if details in dismissed.get(key, []):
                continue  # the same difference was dismissed: not raised again
            open_item = current.get(key)
            if open_item is None:
                fresh.append(
                    ReconciliationItem(
                        kind=kind, host_id=host_id, details=details, created=now, updated=now
                    )
                )
            elif open_item.details != details:
                open_item.details, open_item.updated = details, now
                changed.append(open_item)
    ReconciliationItem.objects.bulk_update(changed, ["details", "updated"], batch_size=500)
    # Another check may have opened the same item meanwhile: keep theirs.
    ReconciliationItem.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
    new = ReconciliationItem.objects.filter(state=ReconState.OPEN, created=now).count()

    # Open items whose difference is gone are removed: there is nothing to decide.
    still_open = ReconciliationItem.objects.filter(state=ReconState.OPEN).select_related("host")
    gone: list[int] = []
    for item in still_open:
        host = item.host
        if (
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
        ):
            gone.append(item.pk)
    removed = ReconciliationItem.objects.filter(pk__in=gone).delete()[0] if gone else 0
    counts = dict(
        ReconciliationItem.objects.filter(state=ReconState.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    opened = {kind: counts.get(kind, 0) for kind in ReconKind.values}
    return {**opened, "new": new, "removed": removed}


def _decide(item: ReconciliationItem, state: str, user: User | None) -> ReconciliationItem:
    item.state = state
    item.decided_by = user if getattr(user, "pk", None) else None
    item.decided_at = timezone.now()
    item.save()
    return item


def accept(item: ReconciliationItem, user: User | None) -> ReconciliationItem:
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


def dismiss(item: ReconciliationItem, user: User | None) -> ReconciliationItem:
    """Keep IPAM as it is; the same difference is not raised again."""
    if item.state != ReconState.OPEN:
        raise ValueError(f"This item was already {item.get_state_display().lower()}.")
    return _decide(item, ReconState.DISMISSED, user)


def decide_many(action: str, pks: list[int], user: User | None) -> tuple[int, list[str]]:
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
