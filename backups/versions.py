"""Reading versions back: masked or with their secrets, compared, and device filters for search."""

from __future__ import annotations

import json

from django.db.models import QuerySet

from backups import diff, profiles, store
from backups.models import ConfigVersion
from inventory.models import Device
from ipam.models import Site, Tag


def text_of(version: ConfigVersion, *, raw: bool = False) -> str:
    """The stored (masked) text; with `raw`, masked lines as the device printed them."""
    lines = store.lines_of(version)
    if raw and version.secrets:
        for index, original in json.loads(version.secrets).items():
            if int(index) < len(lines):
                lines[int(index)] = original
    return "\n".join(lines) + "\n"


def _ignore(version: ConfigVersion) -> profiles.Profile | None:
    platform = version.device.platform if version.device_id and version.device else ""
    try:
        return profiles.get(platform) if platform else None
    except KeyError:
        return None


def compare(old: ConfigVersion, new: ConfigVersion) -> diff.Diff:
    """The difference between two versions; the platform's volatile lines do not count."""
    profile = _ignore(new)
    return diff.compute(
        store.lines_of(old), store.lines_of(new), profile.is_volatile if profile else None
    )


def previous_of(version: ConfigVersion) -> ConfigVersion | None:
    return (
        ConfigVersion.objects.filter(device=version.device_id, seq__lt=version.seq)
        .order_by("-seq")
        .first()
    )


def search_devices(
    platform: str = "", tag: Tag | None = None, site: Site | None = None
) -> dict[int, str] | None:
    """The devices a search is limited to (id → name), or None for every device."""
    if not (platform or tag or site):
        return None
    devices: QuerySet[Device] = Device.objects.all()
    if platform:
        devices = devices.filter(platform=platform)
    if tag is not None:
        devices = devices.filter(tags=tag)
    if site is not None:
        devices = devices.filter(site=site)
    return dict(devices.values_list("pk", "name"))
