"""Reading versions back: masked or with their secrets, compared, and device filters for search."""

from __future__ import annotations

import json

from django.db.models import QuerySet

from backups import diff, linestore, profiles, store
from backups.linestore import Link
from backups.models import ConfigVersion
from inventory.models import Device
from ipam.models import Site, Tag


def lines_of(*versions: ConfigVersion) -> list[list[str]]:
    """The stored lines of each version, read in one pass over the packs.

    A version's chain is decoded from the nearest keyframe at or before it, never
    from the device's first version: the 1,000th version reads 32 links at most.
    """
    ids: list[list[int]] = []
    for version in versions:
        if version.device_id is None:
            # A removed device's versions were all made keyframes when it went
            # (retention.detach); older ones are read as the store always read them.
            keyframe, blob = ConfigVersion.objects.values_list("keyframe", "lines").get(
                pk=version.pk
            )
            ids.append(linestore.decode_ids(bytes(blob)) if keyframe else store.ids_of(version))
            continue
        start = (
            ConfigVersion.objects.filter(
                device=version.device_id, seq__lte=version.seq, keyframe=True
            )
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
        )
        links = list(
            ConfigVersion.objects.chain_for(version.device_id)
            .filter(seq__gte=start or 0, seq__lte=version.seq)
            .values_list("pk", "keyframe", "lines")
        )
        if not links or links[-1][0] != version.pk:
            raise ConfigVersion.DoesNotExist(f"{version} has no stored chain.")
        decoded = linestore.decode_chain([Link(key, bytes(blob)) for _, key, blob in links])
        ids.append(decoded[-1])
    found = store.texts(i for each in ids for i in each)
    return [[found[i] for i in each] for each in ids]


def text_of(version: ConfigVersion, *, raw: bool = False) -> str:
    """The stored (masked) text; with `raw`, masked lines as the device printed them."""
    (lines,) = lines_of(version)
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
    volatile = profile.volatile_re if profile else None
    old_lines, new_lines = lines_of(old, new)
    return diff.compute(old_lines, new_lines, volatile.search if volatile else None)


def previous_of(version: ConfigVersion) -> ConfigVersion | None:
    return (
        ConfigVersion.objects.filter(device=version.device_id, seq__lt=version.seq)
        .order_by("-seq")
        .first()
    )


def by_seq(version: ConfigVersion, seq: int) -> ConfigVersion | None:
    """The version numbered `seq` of the same device (by name once the device is gone)."""
    if version.device_id is None:
        same = ConfigVersion.objects.filter(device=None, device_name=version.device_name)
    else:
        same = ConfigVersion.objects.filter(device=version.device_id)
    return same.filter(seq=seq).first()


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
