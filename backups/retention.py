"""Retention: keep every change for N days, then one version a day, then one a week.

The last K versions of each device are always kept. Removing a version from a
chain re-encodes the survivors after it (their edit scripts pointed at it), in
the same transaction, so every kept version still reads back exactly.
What happens to the versions of a removed device is a setting: kept (under its
old name) or deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backups import linestore, store
from backups.models import ConfigVersion


def _setting(name: str, default: int | str) -> int | str:
    return getattr(settings, name, default)


def survivors(
    versions: list[ConfigVersion], now: datetime, keep_days: int, keep_last: int, daily_days: int
) -> set[int]:
    """The ids of the versions to keep (versions newest first)."""
    keep = {v.pk for v in versions[:keep_last]}
    seen_days: set[object] = set()
    seen_weeks: set[object] = set()
    for version in versions:
        age = now - version.first_seen
        if age <= timedelta(days=keep_days):
            keep.add(version.pk)
        elif age <= timedelta(days=daily_days):
            day = version.first_seen.date()
            if day not in seen_days:
                seen_days.add(day)
                keep.add(version.pk)
        else:
            week = version.first_seen.isocalendar()[:2]
            if week not in seen_weeks:
                seen_weeks.add(week)
                keep.add(version.pk)
    return keep


def thin_device(device_id: int, now: datetime | None = None) -> int:
    """Apply the rules to one device; returns how many versions were removed."""
    now = now or timezone.now()
    with transaction.atomic():
        chain = store.chain(device_id)
        if not chain:
            return 0
        newest_first = [v for v, _ in reversed(chain)]
        keep = survivors(
            newest_first,
            now,
            int(_setting("NETKEEP_BACKUP_KEEP_DAYS", 90)),
            int(_setting("NETKEEP_BACKUP_KEEP_LAST", 10)),
            int(_setting("NETKEEP_BACKUP_DAILY_DAYS", 365)),
        )
        gone = [v.pk for v, _ in chain if v.pk not in keep]
        if not gone:
            return 0
        relink([(v, ids) for v, ids in chain if v.pk in keep])
        ConfigVersion.objects.filter(pk__in=gone).delete()
    return len(gone)


def relink(kept: list[tuple[ConfigVersion, list[int]]]) -> None:
    """Re-encode a chain after versions were removed from it."""
    previous: list[int] = []
    for position, (version, ids) in enumerate(kept):
        keyframe = position % linestore.KEYFRAME == 0
        blob = linestore.encode_ids(ids) if keyframe else linestore.encode_edit(previous, ids)
        if keyframe != version.keyframe or bytes(version.lines) != blob:
            ConfigVersion.objects.filter(pk=version.pk).update(keyframe=keyframe, lines=blob)
        previous = ids


def detach(device_id: int) -> None:
    """Make each of a device's versions stand alone (a keyframe) before the device goes.

    Its versions then lose their device (kept under the old name); without it the
    chains of two removed devices could no longer be told apart, and an edit script
    would be applied to another device's lines.
    """
    for version, ids in store.chain(device_id):
        if not version.keyframe:
            blob = linestore.encode_ids(ids)
            ConfigVersion.objects.filter(pk=version.pk).update(keyframe=True, lines=blob)


def apply_retention() -> dict[str, int]:
    """The daily job: thin every device's history; handle removed devices per the setting."""
    removed = 0
    device_ids = ConfigVersion.objects.exclude(device=None).values_list("device", flat=True)
    for device_id in sorted(set(device_ids)):
        removed += thin_device(device_id)
    orphans = 0
    if _setting("NETKEEP_BACKUP_REMOVED_DEVICES", "keep") == "delete":
        orphans, _ = ConfigVersion.objects.filter(device=None).delete()
    return {"versions_removed": removed, "orphans_removed": orphans}
