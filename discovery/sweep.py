"""Ping sweeps and the known-hosts check: what to ping, then how to record what answered.

The engine (discovery.icmp) runs with no transaction open and no ORM access.
Nothing is written until it returns, so a sweep that fails or is killed midway
changes nothing it did not observe. Results are then written in batches: one
bulk update of the hosts whose state changed, one bulk insert of new hosts,
one of samples and one of events per batch of addresses.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from discovery import history, icmp, reconcile, scope, scope_rules
from discovery.models import RunKind, ScanRun
from ipam.addresses import IPAddress, address_key
from ipam.models import Host, HostOrigin, Subnet
from netkeep import events
from netkeep.jobs import Run, RunStatus
from netkeep.jobs.summary import count, join, nonzero
from netkeep.models import EventKind

log = logging.getLogger(__name__)

BATCH = 2000
# The target text of the known-hosts check of every scan-enabled subnet.
ALL_KNOWN_HOSTS = "known hosts"
HOST_FIELDS = ("status", "latency_ms", "first_seen", "last_seen", "status_changed_at")


class NothingToSweep(ValueError):
    """The target has no address a sweep may ping (an IPv6 subnet without known hosts)."""


class PingSettings(TypedDict):
    """The keyword arguments of icmp.sweep that settings decide."""

    rate_pps: int
    timeout: float
    retries: int
    privileged: bool | None


def ping_settings() -> PingSettings:
    """Rate cap, timeout, retries and socket mode, from settings when given."""
    privileged = getattr(settings, "NETKEEP_PING_PRIVILEGED", None)
    return {
        "rate_pps": int(getattr(settings, "NETKEEP_PING_RATE_PPS", 20000)),
        "timeout": float(getattr(settings, "NETKEEP_PING_TIMEOUT_S", 1.0)),
        "retries": int(getattr(settings, "NETKEEP_PING_RETRIES", 1)),
        "privileged": privileged,
    }


@dataclass
class Plan:
    """What one sweep pings and where its new hosts go."""

    network: scope.Network | None
    vrf_key: int
    addresses: list[IPAddress]
    subnets: list[Subnet] = field(default_factory=list)


def target_network(run: ScanRun) -> tuple[scope.Network, int]:
    """The network a run covers and its VRF key (raises ScopeError for bad text).

    The target text is what was asked for, so it decides: a host's run covers
    that one address even though it also links the host's subnet (for history).
    The linked host or subnet only says which VRF the address belongs to.
    """
    network = scope.parse_network(run.target.split(" ", 1)[0])
    if run.host is not None:
        return network, run.host.vrf_key
    if run.subnet is not None:
        return network, run.subnet.vrf_key
    return network, 0


def plan_sweep(run: ScanRun) -> Plan:
    """Check the scope and list the addresses: every usable IPv4 address, known IPv6 hosts."""
    network, vrf_key = target_network(run)
    allowed = scope_rules.allowed_networks()
    subnets = list(
        Subnet.objects.filter(vrf_key=vrf_key).containing(network).order_by("-prefix_length")[:1]
    ) + list(Subnet.objects.filter(vrf_key=vrf_key).within(network).order_by("-prefix_length"))
    subnets = sorted({s.pk: s for s in subnets}.values(), key=lambda s: -s.prefix_length)
    if network.version == 6:
        # An IPv6 subnet is never swept address by address: check its known hosts.
        known = Host.objects.in_network(network, vrf_key).values_list("address", flat=True)
        addresses = [ipaddress.ip_address(a) for a in known]
        for address in addresses:
            scope.check_scope(address, allowed)
        if not addresses:
            raise NothingToSweep(
                f"{network} is IPv6 and has no known hosts: IPv6 networks are never swept "
                "address by address; add hosts to check them"
            )
        return Plan(network, vrf_key, addresses, subnets)
    scope.check_scope(network, allowed)
    return Plan(network, vrf_key, list(scope.sweep_addresses(network)), subnets)


def plan_known_hosts(run: ScanRun) -> Plan:
    """Known hosts in scan-enabled subnets (or in the run's subnet), inside the allowlist."""
    allowed = scope_rules.allowed_networks()
    vrf_key = -1
    if run.target == ALL_KNOWN_HOSTS:
        hosts = Host.objects.filter(subnet__scan_enabled=True)
    else:
        network, vrf_key = target_network(run)
        hosts = Host.objects.in_network(network, vrf_key)
    addresses: list[IPAddress] = []
    for text in hosts.values_list("address", flat=True):
        address = ipaddress.ip_address(text)
        try:
            scope.check_scope(address, allowed)
        except scope.ScopeError:
            continue
        addresses.append(address)
    return Plan(None, vrf_key, addresses)


def run_sweep(run_id: int) -> str:
    """Task body for sweep and known-hosts runs: claim, plan, ping, record. Returns the status."""
    run = ScanRun.objects.filter(pk=run_id).first()
    if run is None or not run.claim():
        return "skipped"
    try:
        plan = plan_known_hosts(run) if run.kind == RunKind.KNOWN_HOSTS else plan_sweep(run)
    except (scope.ScopeError, NothingToSweep) as error:
        run.fail(error)
        return run.status
    return execute(run, plan)


def run_known_hosts(run_id: int) -> str:
    """Task body for the known-hosts check (a run of kind known_hosts): never adds hosts."""
    return run_sweep(run_id)


def execute(run: ScanRun, plan: Plan) -> str:
    """Ping the plan's addresses and record the results on the run."""
    total = len(plan.addresses)
    run.progress(0, total, force=True)
    options = ping_settings()
    if run.kind == RunKind.KNOWN_HOSTS:
        options["retries"] = max(options["retries"], 2)

    def report(done: int, _total: int) -> None:
        run.progress(done)

    try:
        results = icmp.sweep(plan.addresses, progress=report, **options)
    except icmp.PingUnavailable as error:
        log.error("ping sweep of %s impossible: %s", run.target, error)
        run.fail(error)
        return run.status
    except Exception as error:
        log.exception("ping sweep of %s failed", run.target)
        run.fail(error)
        return run.status
    run.progress(total, force=True)
    counts: dict[str, int] = {"swept": total}
    relevant = worth_recording(results, plan)
    try:
        for start in range(0, len(relevant), BATCH):
            batch = relevant[start : start + BATCH]
            part = record(batch, plan, create=run.kind == RunKind.SWEEP)
            for key, value in part.items():
                counts[key] = counts.get(key, 0) + value
            # Committed: a worker lost from here on leaves these behind, and says so.
            run.progress(total, recorded=counts.get("recorded", 0), force=True)
    except Exception as error:
        log.exception("recording the sweep of %s failed", run.target)
        # Batches already committed were observed; the rest is left as it was.
        run.fail(error, partial=bool(counts.get("recorded")), counts=counts)
        return run.status
    if run.kind == RunKind.SWEEP:
        # Before the run reads as finished, so whoever waits for it sees the check too.
        recheck_reconciliation(f"after the sweep of {run.target} (run {run.pk})")
    run.finish(counts)
    return RunStatus.SUCCEEDED


def summary(run: Run) -> str:
    """A sweep or known-hosts check in words: "20 of 254 addresses up · 19 new hosts"."""
    counts = run.counts
    if "alive" not in counts:
        return ""
    alive = f"{counts['alive']:,}"
    if "swept" in counts:
        known = run.kind == RunKind.KNOWN_HOSTS
        noun = ("known host", "known hosts") if known else ("address", "addresses")
        alive += f" of {count(counts['swept'], *noun)}"
    return join(
        (
            f"{alive} up",
            nonzero(counts, "new", "new host"),
            nonzero(counts, "came_up", "came up", "came up"),
            nonzero(counts, "went_down", "went down", "went down"),
            nonzero(
                counts,
                "unrecorded",
                "alive outside every subnet (not recorded)",
                "alive outside every subnet (not recorded)",
            ),
        )
    )


def recheck_reconciliation(trigger: str) -> None:
    """Compare IPAM with what was just seen; a failure here never fails the run itself."""
    try:
        reconcile.refresh(trigger=trigger)
    except Exception:
        log.exception("reconciliation check %s failed", trigger)


def worth_recording(results: list[icmp.PingResult], plan: Plan) -> list[icmp.PingResult]:
    """The results that change something: alive addresses and addresses of known hosts.

    A silent address with no host row needs no write; in a /16 that is nearly
    all of them, so they are dropped before any query.
    """
    if plan.network is None:
        return results  # a known-hosts check: every address is a host
    known = set(
        Host.objects.in_network(plan.network, plan.vrf_key).values_list("address", flat=True)
    )
    return [r for r in results if r.alive or r.address in known]


def write_status(hosts: Sequence[Host]) -> None:
    """Write the status fields of many hosts with one prepared UPDATE run per row.

    Django's bulk_update builds a CASE expression per field and row, which costs
    about 7 ms of CPU per host here; executemany of one fixed statement costs a
    few microseconds per host on SQLite and PostgreSQL alike.
    """
    if not hosts:
        return
    connection = connections[Host.objects.db]
    ops = connection.ops
    meta = Host._meta
    quote = ops.quote_name
    # Only identifiers from the model's own metadata are put into the text; every
    # value is a parameter.
    columns = [str(getattr(meta.get_field(name), "column", name)) for name in HOST_FIELDS]
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    table, pk = quote(meta.db_table), quote(str(meta.pk.column if meta.pk else "id"))
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608

    def when(value: datetime | None) -> str | datetime | None:  # PostgreSQL keeps datetimes
        return ops.adapt_datetimefield_value(value) if value is not None else None

    rows = [
        (
            host.status,
            host.latency_ms,
            when(host.first_seen),
            when(host.last_seen),
            when(host.status_changed_at),
            host.pk,
        )
        for host in hosts
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _best_subnet(address: IPAddress, subnets: Sequence[Subnet]) -> Subnet | None:
    for subnet in subnets:  # most specific first
        if subnet.contains(address):
            return subnet
    return None


def record(results: Sequence[icmp.PingResult], plan: Plan, *, create: bool) -> dict[str, int]:
    """Write one batch of ping results in one short transaction; returns its counts."""
    now = timezone.now()
    observed = {ipaddress.ip_address(r.address): r for r in results}
    keys = {address_key(a): a for a in observed}
    hosts = Host.objects.filter(key__in=list(keys)).only(
        "id", "address", "family", "key", "vrf_key", "subnet_id", "hostname", *HOST_FIELDS
    )
    if plan.vrf_key >= 0:
        hosts = hosts.filter(vrf_key=plan.vrf_key)
    counts = {"alive": 0, "new": 0, "came_up": 0, "went_down": 0, "recorded": 0, "unrecorded": 0}
    changed: list[Host] = []
    samples: list[tuple[int, bool, float | None]] = []
    to_announce: list[tuple[str, Host, dict[str, object]]] = []
    known: set[IPAddress] = set()
    for host in hosts:
        address = ipaddress.ip_address(host.address)
        result = observed.get(address)
        if result is None or address.version != host.family:
            continue
        known.add(address)
        samples.append((host.pk, result.alive, result.rtt_ms))
        change = host.observe(alive=result.alive, rtt_ms=result.rtt_ms, at=now)
        counts["alive"] += result.alive
        counts["came_up"] += change.came_up
        counts["went_down"] += change.went_down
        if change.write:
            changed.append(host)
        if change.came_back:
            to_announce.append((EventKind.HOST_UP, host, {"rtt_ms": result.rtt_ms}))
        elif change.went_down:
            last_seen = host.last_seen.isoformat() if host.last_seen else None
            to_announce.append((EventKind.HOST_DOWN, host, {"last_seen": last_seen}))
    new_hosts: list[Host] = []
    if create:
        for address, result in observed.items():
            if not result.alive or address in known:
                continue
            counts["alive"] += 1
            subnet = _best_subnet(address, plan.subnets)
            if subnet is None:
                counts["unrecorded"] += 1
                continue
            new_hosts.append(Host.discovered(address, subnet, result.rtt_ms, now))
    else:
        counts["alive"] += sum(1 for a, r in observed.items() if r.alive and a not in known)
    networks = {s.pk: s.network for s in plan.subnets}
    with transaction.atomic():
        write_status(changed)
        if new_hosts:
            # Another sweep may have added the same address meanwhile: keep theirs.
            Host.objects.bulk_create(new_hosts, batch_size=500, ignore_conflicts=True)
            fresh = Host.objects.filter(
                key__in=[h.key for h in new_hosts],
                vrf_key=plan.vrf_key,
                first_seen=now,
                origin=HostOrigin.DISCOVERED,
            )
            for host in fresh:
                counts["new"] += 1
                samples.append((host.pk, True, host.latency_ms))
                network = networks.get(host.subnet_id, "")
                to_announce.append((EventKind.HOST_NEW, host, {"subnet": network}))
        history.record_samples(samples, at=now)
        events.record_many(to_announce, at=now)
    counts["recorded"] = len(samples)
    return counts


def sweep_now(
    targets: Sequence[tuple[scope.Network, int | None]], nameservers: list[str] | None = None
) -> dict[str, object]:
    """A synchronous sweep of small, already scope-checked networks, with PTR names.

    For the API's seed endpoint: it records nothing. Returns {"hosts": [{ip, ptr,
    latency_ms, vlan}], "total_scanned", "duration_s"}; raises PingUnavailable.
    """
    from discovery import dns

    vlan_of: dict[str, int | None] = {}
    addresses: list[IPAddress] = []
    for network, vlan in targets:
        for address in scope.sweep_addresses(network):
            if str(address) not in vlan_of:
                vlan_of[str(address)] = vlan
                addresses.append(address)
    started = time.monotonic()
    alive = [r for r in icmp.sweep(addresses, **ping_settings()) if r.alive]
    timeout = float(getattr(settings, "NETKEEP_DNS_TIMEOUT_S", 2.0))
    names = dns.ptr_lookup([r.address for r in alive], nameservers=nameservers, timeout=timeout)
    return {
        "hosts": [
            {
                "ip": r.address,
                "ptr": names.get(r.address),
                "latency_ms": r.rtt_ms,
                "vlan": vlan_of.get(r.address),
            }
            for r in alive
        ],
        "total_scanned": len(addresses),
        "duration_s": round(time.monotonic() - started, 3),
    }
