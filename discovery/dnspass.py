"""DNS passes: PTR names for alive hosts, hostnames from PTR where no person set one.

A manual hostname is never overwritten; when its PTR disagrees, a
reconciliation item says so (opened by the reconciliation check that follows
every pass that got answers). Lookups run with no transaction open; results
are written in one bulk update.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from discovery import dns, reconcile, scope, scope_rules
from discovery.models import ScanRun
from discovery.sweep import recheck_reconciliation, target_network
from ipam.models import Host, HostnameSource, HostStatus
from netkeep import events
from netkeep.jobs import Run
from netkeep.jobs.summary import count, join, nonzero
from netkeep.models import EventKind

log = logging.getLogger(__name__)


def hosts_for(run: ScanRun) -> list[Host]:
    """The hosts to look up: the target address's host, or the alive hosts of the network."""
    network, vrf_key = target_network(run)
    hosts = Host.objects.in_network(network, vrf_key)
    if network.num_addresses == 1:
        return list(hosts)
    return list(hosts.filter(status=HostStatus.UP))


def nameservers_for(run: ScanRun) -> list[str] | None:
    """The subnet's resolver, or None for the system's."""
    subnet = run.subnet or (run.host.subnet if run.host is not None else None)
    if subnet is not None and subnet.dns_resolver:
        return [subnet.dns_resolver]
    return None


def check_resolvers(servers: list[str] | None) -> None:
    """Every chosen resolver must lie inside the allowlist (ScopeError with the reason)."""
    for server in servers or []:
        scope_rules.check_resolver(server)


def run_dns(run_id: int, nameservers: list[str] | None = None) -> str:
    """Task body for DNS runs."""
    run = ScanRun.objects.filter(pk=run_id).first()
    if run is None or not run.claim():
        return "skipped"
    servers = nameservers or nameservers_for(run)
    try:
        hosts = hosts_for(run)
        check_resolvers(servers)
    except scope.ScopeError as error:
        run.fail(error)
        return run.status
    run.progress(0, len(hosts), force=True)
    timeout = float(getattr(settings, "NETKEEP_DNS_TIMEOUT_S", 2.0))
    try:
        results = dns.ptr_outcomes([h.address for h in hosts], nameservers=servers, timeout=timeout)
    except Exception as error:
        log.exception("DNS pass of %s failed", run.target)
        run.fail(error)
        return run.status
    run.progress(len(hosts), force=True)
    outcomes = tally(results.values())
    names = {address: result.name for address, result in results.items()}
    counts = {**record(hosts, names), **outcomes}
    if answered(outcomes):
        # Before the run reads as finished, so whoever waits for it sees the check too.
        recheck_reconciliation(f"after the DNS pass of {run.target} (run {run.pk})")
    problem = unanswered(outcomes, servers)
    if problem is None:
        run.finish(counts)
    else:
        run.error_class = "ResolverSilent" if not answered(outcomes) else "LookupsFailed"
        run.fail(problem, partial=answered(outcomes) > 0, counts=counts)
    return run.status


def summary(run: Run) -> str:
    """A DNS pass in words: "12 names · 2 hostnames set · 4 without a name"."""
    counts = run.counts
    if "resolved" not in counts:
        return ""
    return join(
        (
            count(counts["resolved"], "name"),
            nonzero(counts, "ptr_changed", "PTR changed", "PTRs changed"),
            nonzero(counts, "hostname_set", "hostname set", "hostnames set"),
            nonzero(counts, "mismatch", "hostname differs from PTR", "hostnames differ from PTR"),
            nonzero(counts, dns.NXDOMAIN, "without a name", "without a name"),
            nonzero(counts, dns.TIMEOUT, "timed out", "timed out"),
            nonzero(counts, dns.REFUSED, "refused", "refused"),
            nonzero(counts, dns.UNREACHABLE, "resolver unreachable", "resolver unreachable"),
            nonzero(counts, dns.ERROR, "failed lookup", "failed lookups"),
        )
    )


def tally(results: Iterable[dns.PtrResult]) -> dict[str, int]:
    """How many lookups ended each way (answer, nxdomain, timeout, refused, unreachable, ...)."""
    counts = dict.fromkeys(dns.OUTCOMES, 0)
    for result in results:
        counts[result.outcome] += 1
    return counts


def answered(outcomes: dict[str, int]) -> int:
    return sum(outcomes[outcome] for outcome in dns.ANSWERED)


def unanswered(outcomes: dict[str, int], servers: list[str] | None) -> str | None:
    """What went wrong when some lookups got no answer at all, or None when all were answered.

    NXDOMAIN is an answer ("no name here"). Lookups nobody answered change
    nothing: their hosts keep the names they had.
    """
    failed = {k: n for k, n in outcomes.items() if n and k not in dns.ANSWERED}
    if not failed:
        return None
    total = sum(outcomes.values())
    how = ", ".join(f"{n} {FAILURE_WORDS[k]}" for k, n in failed.items())
    who = f"The resolver {', '.join(servers)}" if servers else "The system resolver"
    if not answered(outcomes):
        return (
            f"{who} never answered ({how} of {total} lookups): nothing was resolved and no"
            " name was changed. Check that it is running and reachable from the worker."
        )
    return (
        f"{sum(failed.values())} of {total} lookups got no answer ({how}); the"
        f" {answered(outcomes)} answered were recorded, the rest keep their names."
    )


FAILURE_WORDS = {
    dns.TIMEOUT: "timed out",
    dns.REFUSED: "refused",
    dns.UNREACHABLE: "unreachable",
    dns.ERROR: "failed",
}


def record(hosts: list[Host], names: dict[str, str | None]) -> dict[str, int]:
    """Apply PTR answers; a missing answer (None) changes nothing."""
    counts = {"resolved": 0, "ptr_changed": 0, "hostname_set": 0, "mismatch": 0}
    changed: list[Host] = []
    announce: list[tuple[str, Host, dict[str, object]]] = []
    mismatches: list[Host] = []
    for host in hosts:
        name = names.get(host.address) or names.get(str(ipaddress.ip_address(host.address)))
        if not name:
            continue
        counts["resolved"] += 1
        dirty = False
        if name != host.ptr_name:
            if host.ptr_name:
                counts["ptr_changed"] += 1
                announce.append((EventKind.PTR_CHANGED, host, {"old": host.ptr_name, "new": name}))
            host.ptr_name = name
            dirty = True
        if not host.hostname or host.hostname_source == HostnameSource.PTR:
            if host.hostname != name or host.hostname_source != HostnameSource.PTR:
                host.hostname = name
                host.hostname_source = HostnameSource.PTR
                counts["hostname_set"] += 1
                dirty = True
        elif not reconcile.same_name(host.hostname, name):
            mismatches.append(host)
        if dirty:
            changed.append(host)
    # Disagreements become reconciliation items in the check that follows the
    # pass (recheck_reconciliation), audited there as one batch.
    counts["mismatch"] = len(mismatches)
    with transaction.atomic():
        Host.objects.bulk_update(changed, ["ptr_name", "hostname", "hostname_source"], 500)
        events.record_many(announce)
    return counts
