"""django-q2 entry points for discovery (primary keys in, never objects or secrets).

Asking for a scan is discovery.scans; the Run, its heartbeat, the reaper and
the schedule sync are netkeep.jobs; the periodic jobs are declared in
discovery/jobs.py.
"""

from __future__ import annotations

from discovery import history
from discovery.models import RunKind
from discovery.scans import start_scheduled
from discovery.sweep import ALL_KNOWN_HOSTS
from ipam.models import Host, Subnet
from netkeep import events, jobs


def execute(run_id: int) -> str:
    """Run one discovery run in this process (the worker, or a command in the foreground)."""
    return jobs.execute(run_id)


def run(run_id: int) -> str:
    """The entry point of tasks queued before runs moved to netkeep.jobs."""
    jobs.reap_stale_runs()
    return jobs.execute(run_id)


def scheduled_sweep(subnet_id: int) -> str:
    """Sweep one scan-enabled subnet (a schedule per subnet, on its interval)."""
    jobs.reap_stale_runs()
    subnet = Subnet.objects.filter(pk=subnet_id, scan_enabled=True).first()
    if subnet is None:
        return "skipped: subnet gone or scanning switched off"
    if subnet.family == 6 and not subnet.host_range().exists():
        return "skipped: IPv6 subnet without known hosts"
    found = start_scheduled(RunKind.SWEEP, subnet)
    return execute(found.pk) if found else "skipped"


def scheduled_known_hosts() -> str:
    """The fast check of every known host in a scan-enabled subnet."""
    jobs.reap_stale_runs()
    # Every minute: without a scan-enabled subnet there is nothing to check, and
    # an empty run a minute would bury the runs people care about.
    if not Host.objects.filter(subnet__scan_enabled=True).exists():
        return "skipped: no host in a scan-enabled subnet"
    found = start_scheduled(RunKind.KNOWN_HOSTS, ALL_KNOWN_HOSTS)
    return execute(found.pk) if found else "skipped"


def scheduled_port_scan(subnet_id: int) -> str:
    """Port-scan the alive hosts of one scan-enabled subnet (hourly, jittered)."""
    jobs.reap_stale_runs()
    subnet = Subnet.objects.filter(pk=subnet_id, scan_enabled=True).first()
    if subnet is None:
        return "skipped: subnet gone or scanning switched off"
    if not subnet.host_range().filter(status="up").exists():
        return "skipped: no alive hosts"
    found = start_scheduled(RunKind.PORTS, subnet, subnet.nmap_profile)
    return execute(found.pk) if found else "skipped"


def prune() -> dict[str, int]:
    """Daily: roll up and prune the status history; forget old events."""
    return {**history.prune(), "events": events.prune()}
