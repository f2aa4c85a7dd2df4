"""Backups as jobs: fetch a device's configuration, store it, report what changed.

`start()` is the request side (it only enqueues); `run_backup(run_id)` is the
worker side. The SSH session runs with no transaction open; the results are
written afterwards in short transactions. A truncated or error output, a paging
prompt, a changed host key or a failed login is a failed run with its reason,
never a new version.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from backups import facts, gitexport, profiles, sessions, store, transport, versions
from backups.models import BackupSchedule, ConfigVersion
from inventory import connect, ssh
from inventory.models import Device
from netkeep import events, jobs
from netkeep.jobs.summary import count, join, nonzero
from netkeep.models import Event, EventKind

if TYPE_CHECKING:
    from netkeep.types import Actor

logger = logging.getLogger(__name__)

KIND = "backup"


def start(device: Device, user: Actor = None, *, by_schedule: bool = False) -> jobs.Run:
    """Queue a backup of the device (or return the one already queued or running)."""
    return jobs.enqueue(
        KIND, target=device.name, user=user, by_schedule=by_schedule, device=device.pk
    )


def start_many(
    devices: QuerySet[Device], user: Actor = None, *, by_schedule: bool = False
) -> list[jobs.Run]:
    return [start(device, user, by_schedule=by_schedule) for device in devices.order_by("name")]


def refusal(device: Device) -> str:
    """Why a backup of this device cannot run, known without network I/O ("" if it can)."""
    if not device.platform:
        return "Choose the device's platform first: it decides how the configuration is read."
    try:
        profiles.get(device.platform)
    except KeyError as error:
        return str(error.args[0])
    return connect.scope_refusal(device)


def run_backup(run_id: int) -> str:
    """The worker's entry point for one device's backup."""
    run = jobs.claim(run_id)
    if run is None:
        return "skipped"
    device = (
        Device.objects.select_related("management_host__subnet", "site")
        .filter(pk=run.refs.get("device"))
        .first()
    )
    if device is None:
        run.fail("The device was deleted before its backup ran.")
        return run.status
    why = refusal(device)
    if why:
        return _failed(run, device, "Refused", why)
    profile = profiles.get(device.platform)
    run.progress(0, 3, force=True)
    fetched = _fetch(run, device, profile)
    if not fetched.ok:
        return _failed(run, device, fetched.diagnosis, fetched.message, fetched)
    run.progress(1, 3, force=True)
    known = _known_secrets(device)
    try:
        processed = profiles.process(profile, fetched.outputs, known_secrets=known)
    except profiles.IncompleteOutput as error:
        return _failed(run, device, "IncompleteOutput", f"Not stored: {error}.", fetched)
    saved = store.save(device, processed)
    git_error = _git_export(device, processed.text, saved.version.seq) if saved.created else ""
    run.progress(2, 3, recorded=1, force=True)
    learned = _learn(device, profile, fetched) if fetched.extra_read else {}
    counts: dict[str, object] = {
        "version": saved.version.seq,
        "changed": saved.created and saved.previous is not None,
        "first": saved.created and saved.previous is None,
        "lines": len(processed.lines),
        "bytes": len(processed.text.encode()),
        "masked": processed.masked,
        "seconds": round(fetched.seconds, 2),
        "attempts": fetched.attempts,
        "credential": fetched.working,
        "facts_read": fetched.extra_read,
        **({"git_export_error": git_error} if git_error else {}),
        **learned,
    }
    if saved.created and saved.previous is not None:
        counts.update(_changed(device, saved.previous, saved.version))
    run.progress(3, 3, recorded=1)
    run.finish(counts)
    return run.status


def summary(run: jobs.Run) -> str:
    """A backup in words: "version 2, changed: 3 lines added, 1 removed · 3 neighbours"."""
    counts = run.counts
    if "version" not in counts:
        # A failed fetch keeps only how hard it tried.
        return join(
            (
                nonzero(counts, "attempts", "attempt"),
                f"{counts['seconds']:.1f} s" if counts.get("seconds") else "",
            )
        )
    version = f"version {counts['version']}"
    if counts.get("first"):
        state = f"{version}, the first: {count(counts.get('lines', 0), 'line')}"
    elif counts.get("changed"):
        added, removed = counts.get("added", 0), counts.get("removed", 0)
        state = f"{version}, changed: {count(added, 'line')} added, {removed:,} removed"
    else:
        state = f"{version}, unchanged"
    return join(
        (
            state,
            nonzero(counts, "masked", "secret masked", "secrets masked"),
            nonzero(counts, "facts", "device fact learned", "device facts learned"),
            nonzero(counts, "arp_macs", "MAC from ARP", "MACs from ARP"),
            nonzero(counts, "neighbours", "neighbour"),
            "git export failed" if counts.get("git_export_error") else "",
        )
    )


def _fetch(run: jobs.Run, device: Device, profile: profiles.Profile) -> transport.Fetched:
    address, refused = connect._address(device)
    if refused is not None:
        return transport.Fetched(refused.diagnosis, refused.message)
    sets = device.credential_order()
    extra = {
        name: command
        for name, command in (
            ("version", profile.version_command),
            ("arp", profile.arp_command),
            ("neighbours", profile.neighbours_command),
        )
        if command
    }
    with sessions.slot(run, device.site_id):
        fetched = transport.fetch(
            device.device_type,
            address,
            connect._credentials(sets),
            device.ssh_host_key,
            profile.commands,
            extra,
            port=device.ssh_port,
            extra_wanted=None if facts_due(device) else _config_changed(device, profile),
        )
    # Pin a first key and remember the working set, as a connection test does.
    connect.record(
        device,
        ssh.Result(
            fetched.diagnosis,
            fetched.message or ssh.Diagnosis.TEXT[ssh.Diagnosis.OK],
            address=address,
            host_key=fetched.host_key,
            prompt=fetched.prompt,
            working=fetched.working,
        ),
        sets,
    )
    return fetched


def _failed(
    run: jobs.Run,
    device: Device,
    error_class: str,
    message: str,
    fetched: transport.Fetched | None = None,
) -> str:
    run.error_class = error_class[:100]
    counts = {"attempts": fetched.attempts, "seconds": round(fetched.seconds, 2)} if fetched else {}
    run.fail(message, counts=counts)
    events.record(EventKind.BACKUP_FAILED, device, reason=message, error=error_class, run=run.pk)
    return run.status


def _git_export(device: Device, text: str, seq: int) -> str:
    """Mirror a new version into git (optional): a failure is reported, the version stays."""
    try:
        gitexport.export(device.name, text, f"{device.name}: version {seq}")
    except Exception as error:
        logger.warning("git export of %s version %s failed: %s", device.name, seq, error)
        return f"{type(error).__name__}: {error}"[:300]
    return ""


def _known_secrets(device: Device) -> list[str]:
    """The credential sets' own secrets: masked wherever a config prints them."""
    sets = device.credential_order()
    return [s for c in sets for s in (c.password, c.enable_secret, c.ssh_key_passphrase) if s]


def facts_due(device: Device) -> bool:
    """Whether this backup reads the facts whatever the config: never read, or read too long ago.

    Facts are read at most every `NETKEEP_BACKUP_FACTS_HOURS` (0: on every backup),
    and also whenever the configuration changed (see `_config_changed`).
    """
    hours = settings.NETKEEP_BACKUP_FACTS_HOURS
    if not hours or device.facts_read_at is None:
        return True
    return timezone.now() - device.facts_read_at >= timedelta(hours=hours)


def _config_changed(device: Device, profile: profiles.Profile) -> transport.Wanted:
    """In the open session: does the config just read differ from the stored one?"""

    def changed(outputs: list[str]) -> bool:
        try:
            digest = profiles.process(profile, outputs, known_secrets=_known_secrets(device)).digest
        except profiles.IncompleteOutput:
            return False  # the run fails on it after the session; no facts needed
        latest = (
            ConfigVersion.objects.filter(device=device)
            .order_by("-seq")
            .values_list("digest", flat=True)
            .first()
        )
        return digest != latest

    return changed


def _learn(device: Device, profile: profiles.Profile, fetched: transport.Fetched) -> dict[str, int]:
    """Serial, model and OS version into the device; ARP MACs into IPAM; neighbours noted."""
    Device.objects.filter(pk=device.pk).update(facts_read_at=timezone.now())
    learned: dict[str, int] = {}
    found = facts.version(
        profile.platform, profile.version_command, fetched.extra.get("version", "")
    )
    updates = {k: v for k, v in vars(found).items() if v}
    if updates:
        Device.objects.filter(pk=device.pk).update(**updates)
        learned["facts"] = len(updates)
    entries = facts.arp(profile.platform, profile.arp_command, fetched.extra.get("arp", ""))
    if entries:
        learned["arp_macs"] = _arp_to_ipam(device, entries)
    neighbours = facts.neighbours(
        profile.platform, profile.neighbours_command, fetched.extra.get("neighbours", "")
    )
    # A neighbour table that answered replaces the links (an empty one clears them).
    if fetched.extra.get("neighbours", "").strip():
        learned["neighbours"] = _neighbours_to_links(device, neighbours)
    return learned


def _arp_to_ipam(device: Device, entries: list[facts.ArpEntry]) -> int:
    """Fill empty IPAM MACs from the ARP table; a different MAC becomes a reconciliation item."""
    from ipam import observations
    from ipam.models import Host

    # ARP entries are in the VRF of the address the device is managed through.
    vrf_key = device.management_host.vrf_key if device.management_host is not None else 0
    by_address = {e.address: e.mac for e in entries}
    changed = 0
    for known in Host.objects.filter(address__in=list(by_address), vrf_key=vrf_key):
        if observations.mac_seen(known, by_address[known.address]) != "same":
            changed += 1
    return changed


def _neighbours_to_links(device: Device, neighbours: list[facts.Neighbour]) -> int:
    """LLDP/CDP neighbours become the device's interface links (drawn in the topology)."""
    return device.record_neighbours(
        (n.local_interface, n.name, n.remote_interface, n.address) for n in neighbours
    )


def _changed(device: Device, previous: ConfigVersion, version: ConfigVersion) -> dict[str, int]:
    """A config_changed event with a diff summary (masked lines only) for webhooks."""
    result = versions.compare(previous, version)
    summary = []
    for block in result.blocks[:5]:
        summary += [f"- {line}" for line in block.old[:5]] + [f"+ {line}" for line in block.new[:5]]
    events.record(
        EventKind.CONFIG_CHANGED,
        device,
        version=version.seq,
        previous=previous.seq,
        added=result.added,
        removed=result.removed,
        summary=summary[:20],
    )
    return {"added": result.added, "removed": result.removed}


# Schedules and the watchdog -------------------------------------------------------


def run_schedule(schedule_id: int) -> str:
    """A schedule fired: queue a backup for each of its devices."""
    schedule = BackupSchedule.objects.filter(pk=schedule_id, enabled=True).first()
    if schedule is None:
        return "skipped: no such enabled schedule"
    runs = start_many(schedule.devices(), by_schedule=True)
    return f"queued {len(runs)} backups"


def overdue_watchdog() -> int:
    """An event for each scheduled device with no successful backup in twice its interval."""
    now = timezone.now()
    raised = 0
    for schedule in BackupSchedule.objects.filter(enabled=True, interval_minutes__isnull=False):
        horizon = now - timedelta(minutes=2 * (schedule.interval_minutes or 0))
        latest = (
            ConfigVersion.objects.filter(device__in=schedule.devices())
            .values("device")
            .annotate(checked=Max("last_checked"))
        )
        fresh = {row["device"] for row in latest if row["checked"] >= horizon}
        for device in schedule.devices().exclude(pk__in=fresh).filter(created__lt=horizon):
            already = Event.objects.for_object(device).filter(
                kind=EventKind.BACKUP_OVERDUE, at__gte=horizon
            )
            if not already.exists():
                events.record(EventKind.BACKUP_OVERDUE, device, schedule=schedule.name)
                raised += 1
    return raised
