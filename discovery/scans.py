"""Asking for scans: what a target means, whether it may be scanned, and the queued run.

Pages, the API, the `scan` command and schedules all ask through
`enqueue_scan()`: it canonicalises the target, checks the scope, then hands
the run to netkeep.jobs (which reaps lost runs of the same target, applies the
caller's rate limit and returns the run already queued or running).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from discovery import scope, scope_rules
from discovery.models import RunKind, ScanRun
from discovery.sweep import ALL_KNOWN_HOSTS
from ipam.models import Host, Subnet
from netkeep import jobs

if TYPE_CHECKING:
    from netkeep.types import Actor

log = logging.getLogger(__name__)


RATE_HINT = ", or scan a larger range at once"
RateLimited = jobs.RateLimited


def _vrf_suffix(vrf_key: int, vrf_name: str | None) -> str:
    return f" (VRF {vrf_name})" if vrf_key and vrf_name else ""


def describe_target(
    kind: str, target: Subnet | Host | str
) -> tuple[str, Subnet | None, Host | None, scope.Network | None]:
    """(canonical target text, subnet, host, network) for a scan request; ScopeError if bad.

    The known-hosts check of every scan-enabled subnet has no network: its target
    is "known hosts", and each host is checked against the scope when it runs.
    """
    if kind == RunKind.KNOWN_HOSTS and target in ("", ALL_KNOWN_HOSTS):
        return ALL_KNOWN_HOSTS, None, None, None
    if isinstance(target, Subnet):
        vrf = target.vrf.name if target.vrf_id and target.vrf else None
        text = target.network + _vrf_suffix(target.vrf_key, vrf)
        return text, target, None, target.ip_network
    if isinstance(target, Host):
        vrf = target.subnet.vrf.name if target.vrf_key and target.subnet.vrf else None
        text = target.address + _vrf_suffix(target.vrf_key, vrf)
        return text, target.subnet, target, ipaddress.ip_network(target.address)
    network = scope.parse_network(str(target))
    subnet = Subnet.objects.filter(vrf_key=0, network=str(network)).first()
    host = None
    if network.num_addresses == 1:
        host = Host.objects.at(network.network_address).first()
    if subnet is None and host is not None:
        subnet = host.subnet
    text = str(network.network_address) if network.num_addresses == 1 else str(network)
    return text, subnet, host, network


def check_target(kind: str, network: scope.Network, subnet: Subnet | None = None) -> None:
    """Refuse what may not be scanned, with the reason (ScopeError)."""
    allowed = scope_rules.allowed_networks()
    if network.version == 6 and network.prefixlen < 120:
        # Large IPv6 ranges are never swept: only their known hosts are checked,
        # each of which must be in scope; the range itself must be allowed.
        scope.check_scope(network, allowed, max_ipv6_sweep_prefix=0)
        if kind == RunKind.SWEEP:
            hosts = Host.objects.in_network(network, subnet.vrf_key if subnet else 0)
            if not hosts.exists():
                raise scope.ScopeError(
                    f"{network} is IPv6 and has no known hosts: IPv6 networks are never swept"
                    " address by address; add hosts to check them"
                )
        return
    scope.check_scope(network, allowed)


def check_rate(user: Actor) -> None:
    """RateLimited when the user asked for too many scans in the last minute."""
    jobs.check_rate(user, "scans", RATE_HINT)


def enqueue_scan(
    kind: str,
    target: Subnet | Host | str,
    user: Actor = None,
    *,
    profile: str = "",
    by_schedule: bool = False,
    queue: bool = True,
) -> ScanRun:
    """The queued or running run for this target, or a new queued run (task sent after commit).

    Raises ScopeError (with the reason) for a target outside the allowlist,
    RateLimited when the user asked for too many scans, UnknownProfile for a
    port scan profile that does not exist. `queue=False` creates the run without
    sending a task (commands run it in the foreground).
    """
    if kind not in RunKind.values:
        raise ValueError(f"unknown scan kind {kind!r}: choose one of {', '.join(RunKind.values)}")
    text, subnet, host, network = describe_target(kind, target)
    if network is not None:
        check_target(kind, network, subnet)
    if kind == RunKind.PORTS:
        from discovery.portscan import resolve_profile

        profile = resolve_profile(profile or (subnet.nmap_profile if subnet else "")).name
    run = jobs.enqueue(
        kind,
        text,
        user,
        profile=profile,
        by_schedule=by_schedule,
        queue=queue,
        rate_hint=RATE_HINT,
        subnet=subnet.pk if subnet else None,
        host=host.pk if host else None,
    )
    return ScanRun.objects.get(pk=run.pk) if not isinstance(run, ScanRun) else run


def start_scheduled(kind: str, target: Subnet | str, profile: str = "") -> ScanRun | None:
    """The run a schedule should execute now in its own worker, or None (refused, or busy)."""
    try:
        found = enqueue_scan(kind, target, None, profile=profile, by_schedule=True, queue=False)
    except (scope.ScopeError, ValueError) as error:
        log.warning("scheduled %s of %s refused: %s", kind, target, error)
        subnet = target if isinstance(target, Subnet) else None
        text = str(subnet.network if subnet else target)
        jobs.record_refusal(kind, text, error, subnet=subnet.pk if subnet else None)
        return None
    if found.status != jobs.RunStatus.QUEUED or found.task_id:
        return None  # already queued through the queue, or running: leave it to that worker
    return found
