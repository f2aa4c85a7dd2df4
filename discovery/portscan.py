"""Port scans: Nmap profiles by name over known addresses, open ports upserted, changes as events.

Only hosts Nmap reported are touched: a host that timed out or was not
scanned keeps its ports as they were (nothing is recorded that was not seen).
Likewise a port outside the scan's port set stays as it was, and service
details stay until a scan with service detection says otherwise.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from discovery import nmap, scope, scope_rules
from discovery.models import OpenPort, ScanProfileDef, ScanRun
from discovery.sweep import target_network
from ipam.models import Host
from netkeep import events
from netkeep.jobs import Run, RunStatus
from netkeep.jobs.summary import count, join, nonzero
from netkeep.models import EventKind

log = logging.getLogger(__name__)

DEFAULT_PROFILE = "quick"
CHUNK = 16  # hosts per Nmap run: progress between runs, a bounded time per run


def admin_profiles() -> dict[str, nmap.ScanProfile]:
    """Administrator-defined profiles that still validate (a broken one is skipped)."""
    profiles: dict[str, nmap.ScanProfile] = {}
    for definition in ScanProfileDef.objects.all():
        try:
            profiles[definition.name] = definition.to_profile()
        except (ValueError, Exception) as error:  # a definition edited behind our back
            log.warning("scan profile %s is not usable: %s", definition.name, error)
    return profiles


def profile_choices() -> list[tuple[str, str]]:
    """(name, label) of every profile a subnet may name: built-in first, then admin-defined."""
    builtin = [(name, profile.label) for name, profile in nmap.BUILTIN_PROFILES.items()]
    extra = ScanProfileDef.objects.exclude(name__in=nmap.BUILTIN_PROFILES).order_by("name")
    return builtin + [(d.name, d.label or d.name) for d in extra]


def resolve_profile(name: str) -> nmap.ScanProfile:
    """The built-in or admin-defined profile `name` (the default when empty); UnknownProfile."""
    return nmap.get_profile(name or DEFAULT_PROFILE, extra=admin_profiles())


def chunk_timeout(profile: nmap.ScanProfile) -> float:
    """Time allowed for one Nmap run: the host timeout plus a minute, within the task timeout.

    A run killed by the task queue would leave nothing but a stale run; one
    stopped here fails (or is partial) with NmapTimeout and says so.
    """
    task_timeout = int(settings.Q_CLUSTER.get("timeout", 600))
    return float(max(30, min(profile.host_timeout_s + 60, task_timeout - 60)))


def plan_targets(run: ScanRun) -> list[scope.Address]:
    """The addresses to scan: the target address, or the alive known hosts of its network."""
    allowed = scope_rules.allowed_networks()
    network, vrf_key = target_network(run)
    if network.num_addresses == 1:
        scope.check_scope(network.network_address, allowed)
        return [network.network_address]
    hosts = Host.objects.in_network(network, vrf_key)
    known = [
        ipaddress.ip_address(a) for a in hosts.filter(status="up").values_list("address", flat=True)
    ]
    targets = []
    for address in known:
        scope.check_scope(address, allowed)
        targets.append(address)
    if not targets:
        raise scope.ScopeError(
            f"{network} has no alive known hosts to port-scan: sweep it first, then scan its "
            "ports (Nmap scans only addresses that answered)"
        )
    return targets


def summary(run: Run) -> str:
    """A port scan in words: "3 hosts with 12 open ports · 2 opened · 1 closed"."""
    counts = run.counts
    if "hosts" not in counts:
        return ""
    return join(
        (
            f"{count(counts['hosts'], 'host')} with {count(counts.get('open', 0), 'open port')}",
            nonzero(counts, "opened", "port opened", "ports opened"),
            nonzero(counts, "closed", "port closed", "ports closed"),
            nonzero(counts, "unrecorded", "host up but not in IPAM", "hosts up but not in IPAM"),
            nonzero(
                counts,
                "unconfirmed",
                "host without open ports left as it was",
                "hosts without open ports left as they were",
            ),
        )
    )


def run_port_scan(run_id: int) -> str:
    """Task body for port-scan runs."""
    run = ScanRun.objects.filter(pk=run_id).first()
    if run is None or not run.claim():
        return "skipped"
    try:
        profile = resolve_profile(run.profile)
        targets = plan_targets(run)
    except (scope.ScopeError, nmap.UnknownProfile) as error:
        run.fail(error)
        return run.status
    run.progress(0, len(targets), force=True)
    counts: dict[str, int] = {}
    done = 0
    groups = [[t for t in targets if t.version == v] for v in (4, 6)]
    try:
        for group in groups:
            for start in range(0, len(group), CHUNK):
                chunk = group[start : start + CHUNK]
                result = nmap.run_scan(profile, chunk, timeout_s=chunk_timeout(profile))
                part = record(
                    result.hosts,
                    confirm_alive(result.hosts),
                    covered=result.scanned,
                    service_detection=result.service_detection,
                )
                for key, value in part.items():
                    counts[key] = counts.get(key, 0) + value
                done += len(chunk)
                run.progress(done, recorded=done, force=True)
    except nmap.NmapError as error:
        log.error("port scan of %s failed: %s", run.target, error)
        run.fail(error, partial=done > 0, counts=counts)
        return run.status
    except Exception as error:
        log.exception("port scan of %s failed", run.target)
        run.fail(error, partial=done > 0, counts=counts)
        return run.status
    run.finish(counts)
    return RunStatus.SUCCEEDED


def confirm_alive(scanned: Sequence[nmap.HostScan]) -> set[str]:
    """Addresses with no open port in this scan that still answer a ping.

    Profiles use -Pn, so Nmap reports every target "up": a host that went away
    since the last sweep shows no open ports. Its ports are closed only when it
    still answers; otherwise nothing was observed and nothing changes.
    """
    from discovery import icmp
    from discovery.sweep import PingSettings, ping_settings

    silent = [ipaddress.ip_address(h.address) for h in scanned if not h.open_ports]
    if not silent:
        return set()
    options: PingSettings = {**ping_settings(), "retries": 2}
    try:
        return {r.address for r in icmp.sweep(silent, **options) if r.alive}
    except Exception as error:
        log.warning("could not confirm hosts without open ports: %s", error)
        return set()


def record(
    scanned: Sequence[nmap.HostScan],
    confirmed: set[str] | None = None,
    *,
    covered: dict[str, frozenset[int]] | None = None,
    service_detection: bool = True,
) -> dict[str, int]:
    """Upsert the open ports of the hosts Nmap reported as up; events for each change.

    A scan keeps what it did not look at. A port is closed only when it lies in
    `covered` (the port set Nmap reported scanning, by protocol; nothing is
    closed without it), and on a host with no open port at all only if that host
    is in `confirmed` (it still answers): see confirm_alive(). Service name,
    product and version come from service detection; a scan without it (Nmap
    then names a port from its table: 8080 is "http-proxy") fills only what is
    still empty, so a quick scan after a standard one changes none of them.
    """
    now = timezone.now()
    counts = {"hosts": 0, "open": 0, "opened": 0, "closed": 0, "unrecorded": 0, "unconfirmed": 0}
    up = [h for h in scanned if h.state == "up"]
    if not up:
        return counts
    by_address: dict[str, Host] = {}
    for known in Host.objects.filter(address__in=[h.address for h in up]):
        by_address.setdefault(known.address, known)
    announce: list[tuple[str, Host, dict[str, object]]] = []
    with transaction.atomic():
        for scan in up:
            host = by_address.get(scan.address)
            if host is None:
                counts["unrecorded"] += 1
                continue
            if not scan.open_ports and scan.address not in (confirmed or set()):
                counts["unconfirmed"] += 1
                continue
            counts["hosts"] += 1
            existing = {(p.port, p.protocol): p for p in OpenPort.objects.filter(host=host)}
            seen: set[tuple[int, str]] = set()
            for found in scan.open_ports:
                key = (found.port, found.protocol)
                seen.add(key)
                counts["open"] += 1
                row = existing.get(key)
                detected = {
                    "service": found.service[:100],
                    "product": found.product[:200],
                    "version": found.version[:200],
                }
                values: dict[str, object] = {
                    "state": found.state,
                    "last_seen": now,
                    "current": True,
                }
                if service_detection or row is None:
                    values.update(detected)
                else:
                    values.update({k: v for k, v in detected.items() if not getattr(row, k)})
                if row is None:
                    OpenPort.objects.create(
                        host=host,
                        port=found.port,
                        protocol=found.protocol,
                        first_seen=now,
                        **values,
                    )
                elif not row.current:
                    OpenPort.objects.filter(pk=row.pk).update(**values)
                else:
                    OpenPort.objects.filter(pk=row.pk).update(**values)
                    continue
                counts["opened"] += 1
                service = values.get("service") or (row.service if row else "")
                label = f"{found.port}/{service or found.protocol}"
                announce.append(
                    (
                        EventKind.PORT_OPENED,
                        host,
                        {
                            "port": found.port,
                            "protocol": found.protocol,
                            "service": service,
                            "label": label,
                        },
                    )
                )
            for key, row in existing.items():
                looked_at = row.port in (covered or {}).get(row.protocol, ())
                if row.current and key not in seen and looked_at:
                    OpenPort.objects.filter(pk=row.pk).update(current=False)
                    counts["closed"] += 1
                    announce.append(
                        (
                            EventKind.PORT_CLOSED,
                            host,
                            {"port": row.port, "protocol": row.protocol, "label": row.label},
                        )
                    )
        events.record_many(announce, at=now)
    return counts
