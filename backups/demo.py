"""Generated demo devices with a config history, so `make run` shows inventory and backups.

Nothing connects: the devices take demo hosts that are up as management
addresses, their facts and LLDP links are written as a backup would write them,
and 30 days of daily backups are made up from a small generated configuration
that changes now and then (stored through the real store, so versions, diffs,
search and the dashboard work on it). The scan allowlist is empty by default, so
a backup started from the demo is refused before any packet.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from backups import fetch, profiles, store, versions
from inventory.models import Device, DeviceRole, Site
from ipam.models import Host, HostStatus
from netkeep.jobs import Run, RunStatus

DAYS = 30
# name, role, platform, model, LLDP neighbours (local interface, neighbour, its interface)
DEVICES = (
    ("core-sw-01", DeviceRole.SWITCH, "arista_eos", "DCS-7050SX3-48YC8", ()),
    (
        "dist-sw-01",
        DeviceRole.SWITCH,
        "cisco_ios",
        "C9300-48P",
        (("Gi1/0/1", "core-sw-01", "Ethernet1"),),
    ),
    (
        "dist-sw-02",
        DeviceRole.SWITCH,
        "cisco_ios",
        "C9300-48P",
        (("Gi1/0/1", "core-sw-01", "Ethernet2"),),
    ),
    (
        "access-sw-01",
        DeviceRole.SWITCH,
        "cisco_ios",
        "C9200L-24P",
        (("Gi1/0/24", "dist-sw-01", "Gi1/0/10"),),
    ),
    (
        "access-sw-02",
        DeviceRole.SWITCH,
        "cisco_ios",
        "C9200L-24P",
        (("Gi1/0/24", "dist-sw-02", "Gi1/0/10"),),
    ),
    (
        "edge-rtr-01",
        DeviceRole.ROUTER,
        "cisco_ios",
        "ISR4331/K9",
        (("Gi0/0/1", "core-sw-01", "Ethernet48"),),
    ),
)


def config(name: str, platform: str, day: int) -> str:
    """A plausible configuration of `name` as it stood on `day` (changes on a few days)."""
    port = "Ethernet" if platform == "arista_eos" else "GigabitEthernet1/0/"
    acl_lines = 3 + day // 9  # a rule added every nine days
    lines = [
        "! Last configuration change at 10:00:00 UTC",  # volatile: never a change
        f"hostname {name}",
        "!",
        "service timestamps log datetime msec",
        "no ip http server",
        "snmp-server community demo-community RO",  # a secret: stored masked
        f"logging host 198.18.0.{5 if day < 20 else 6}",
        "!",
    ]
    for vlan in (10, 20, 30):
        lines += [f"vlan {vlan}", f" name users-{vlan}", "!"]
    for index in range(1, 13):
        lines += [
            f"interface {port}{index}",
            f" description {'uplink' if index == 1 else f'desk {index}'}",
            f" switchport access vlan {10 * (1 + index % 3)}",
            " no shutdown" if index != 12 or day < 25 else " shutdown",
            "!",
        ]
    lines += ["ip access-list extended MGMT"]
    lines += [f" permit tcp 198.18.{i}.0 0.0.0.255 any eq 22" for i in range(acl_lines)]
    lines += [" deny ip any any log", "!", "end"]
    return "\n".join(lines) + "\n"


def seed(rng: random.Random) -> int:
    """Create the demo devices and their history; returns how many devices it made."""
    hosts = list(
        Host.objects.filter(status=HostStatus.UP, family=4)
        .filter(managed_devices=None)
        .order_by("key")[: len(DEVICES)]
    )
    if len(hosts) < len(DEVICES):
        return 0
    site, _ = Site.objects.get_or_create(name="hq", defaults={"description": "Demo site"})
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        devices = [
            Device.objects.create(
                name=name,
                role=role,
                platform=platform,
                site=site,
                management_host=host,
                model=model,
                serial=f"DEMO{rng.randrange(10**6):06d}",
                os_version="4.31.2F" if platform == "arista_eos" else "17.9.4a",
            )
            for (name, role, platform, model, _), host in zip(DEVICES, hosts, strict=True)
        ]
        for device, (*_, neighbours) in zip(devices, DEVICES, strict=True):
            device.record_neighbours(
                (local, peer, remote, "") for local, peer, remote in neighbours
            )
        for device in devices:
            _history(device, now, rng)
    return len(devices)


def _history(device: Device, now: datetime, rng: random.Random) -> None:
    profile = profiles.get(device.platform)
    # One device's last backup failed: the fleet page lists failures first.
    failing = device.name == "access-sw-02"
    for day in range(DAYS):
        at = now - timedelta(days=DAYS - 1 - day, minutes=rng.randint(0, 50))
        run = Run(
            kind=fetch.KIND,
            target=device.name,
            refs={"device": device.pk},
            by_schedule=True,
            created=at,
            started=at,
            finished=at + timedelta(seconds=2),
        )
        if failing and day >= DAYS - 2:
            run.status = RunStatus.FAILED
            run.error_class = "auth_failed"
            run.error_message = "The device refused the credentials (demo data)."
            run.save()
            continue
        processed = profiles.process(profile, [config(device.name, device.platform, day)])
        saved = store.save(device, processed, at=at)
        changed = saved.created and saved.previous is not None
        # As a backup does: facts on the first backup and whenever the config changed.
        facts = saved.created
        run.status = RunStatus.SUCCEEDED
        run.counts = {
            "version": saved.version.seq,
            "first": saved.created and saved.previous is None,
            "changed": changed,
            "lines": len(processed.lines),
            "masked": processed.masked,
            "facts_read": facts,
        }
        if changed and saved.previous is not None:
            result = versions.compare(saved.previous, saved.version)
            run.counts |= {"added": result.added, "removed": result.removed}
        if facts:
            Device.objects.filter(pk=device.pk).update(facts_read_at=at)
        run.save()
