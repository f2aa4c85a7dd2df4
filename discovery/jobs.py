"""Discovery's run kinds and periodic jobs, declared for netkeep.jobs."""

from __future__ import annotations

from discovery.models import RunKind
from ipam.models import Subnet
from netkeep import jobs

jobs.kind(
    RunKind.SWEEP,
    RunKind.SWEEP.label,
    run="discovery.sweep.run_sweep",
    noun="scans",
    summary="discovery.sweep.summary",
)
jobs.kind(
    RunKind.KNOWN_HOSTS,
    RunKind.KNOWN_HOSTS.label,
    run="discovery.sweep.run_sweep",
    noun="scans",
    summary="discovery.sweep.summary",
    # One a minute: two days of them are plenty.
    keep_days=2,
)
jobs.kind(
    RunKind.PORTS,
    RunKind.PORTS.label,
    run="discovery.portscan.run_port_scan",
    noun="scans",
    summary="discovery.portscan.summary",
)
jobs.kind(
    RunKind.DNS,
    RunKind.DNS.label,
    run="discovery.dnspass.run_dns",
    noun="scans",
    summary="discovery.dnspass.summary",
)

jobs.periodic(
    "discovery:known-hosts", "discovery.tasks.scheduled_known_hosts", minutes=1, jitter_s=30
)
jobs.periodic(
    "discovery:rollup", "discovery.history.rollup_hourly", schedule="hourly", jitter_s=600
)
jobs.periodic("discovery:prune", "discovery.tasks.prune", schedule="daily", jitter_s=3600)


def subnet_schedules() -> list[jobs.Periodic]:
    """A sweep on its interval and an hourly port scan for every scan-enabled subnet."""
    wanted = []
    for subnet in Subnet.objects.filter(scan_enabled=True).only("pk", "scan_interval"):
        wanted.append(
            jobs.Periodic(
                f"discovery:sweep:subnet-{subnet.pk}",
                "discovery.tasks.scheduled_sweep",
                minutes=subnet.scan_interval,
                args=(subnet.pk,),
                jitter_s=subnet.scan_interval * 60,
            )
        )
        wanted.append(
            jobs.Periodic(
                f"discovery:ports:subnet-{subnet.pk}",
                "discovery.tasks.scheduled_port_scan",
                schedule="hourly",
                args=(subnet.pk,),
                jitter_s=3600,
            )
        )
    return wanted


jobs.periodic_from("discovery", subnet_schedules)
# A subnet's scan settings decide its schedules: switching scanning on, off or
# changing the interval takes effect at once, not at the next safety-net sync.
jobs.resync_when_saved("discovery", Subnet)
