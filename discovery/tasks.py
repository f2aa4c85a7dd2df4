"""django-q2 entry points for discovery (primary keys in, never objects or secrets).

`enqueue_scan()` is how pages, the API and schedules ask for a scan: it checks
the scope and the caller's rate limit, returns the run already queued or
running for the same target, or creates a queued Run and queues its task after
commit. Every task starts by reaping runs whose worker died.
"""

from __future__ import annotations

import ipaddress
import logging
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from discovery import scope, scope_rules
from discovery.models import Run, RunKind, RunStatus
from discovery.sweep import ALL_KNOWN_HOSTS
from ipam.models import Host, Subnet
from netkeep.models import Event

log = logging.getLogger(__name__)

RUN_TASK = "discovery.tasks.run"
RATE_LIMIT = (10, 60)  # scan requests per user, per seconds
QUEUED_TOO_LONG = timedelta(hours=1)
ORPHAN_AFTER = timedelta(minutes=2)
EVENT_RETENTION = timedelta(days=180)
RUN_RETENTION = {RunKind.KNOWN_HOSTS: timedelta(days=2)}
DEFAULT_RUN_RETENTION = timedelta(days=90)


class RateLimited(Exception):
    """The user asked for too many scans in a short time."""


def stale_after() -> timedelta:
    """How long a running run may go without progress before it is declared lost."""
    explicit = getattr(settings, "NETKEEP_STALE_RUN_S", None)
    if explicit:
        return timedelta(seconds=float(explicit))
    return timedelta(seconds=int(settings.Q_CLUSTER.get("timeout", 600)) + 60)


def reap_stale_runs(older_than: timedelta | None = None) -> int:
    """Fail running runs with no progress for `older_than`, and queued runs never picked up."""
    limit = older_than or stale_after()
    reaped = 0
    for run in Run.objects.stale(limit):
        seconds = int(limit.total_seconds())
        run.error_class = "WorkerLost"
        # Only runs still running are failed: a run finishing meanwhile keeps its result.
        reaped += Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished=timezone.now(),
            error_class="WorkerLost",
            error_message=(
                f"The worker stopped while this run was in progress (no progress for {seconds} s):"
                " results after its last progress were not recorded. The next run starts afresh."
            ),
        )
    horizon = timezone.now() - QUEUED_TOO_LONG
    reaped += Run.objects.filter(status=RunStatus.QUEUED, created__lt=horizon).update(
        status=RunStatus.FAILED,
        finished=timezone.now(),
        error_class="NeverStarted",
        error_message="No worker picked this run up within an hour: is `manage.py qcluster` "
        "running?",
    )
    if reaped:
        log.warning("marked %s stale discovery run(s) failed", reaped)
    return reaped


def execute(run_id: int) -> str:
    """Run one discovery run in this process (the worker, or a command in the foreground)."""
    from discovery.dnspass import run_dns
    from discovery.portscan import run_port_scan
    from discovery.sweep import run_sweep

    run = Run.objects.filter(pk=run_id).only("kind").first()
    if run is None:
        return "skipped: no such run"
    if run.kind == RunKind.PORTS:
        return run_port_scan(run_id)
    if run.kind == RunKind.DNS:
        return run_dns(run_id)
    return run_sweep(run_id)


def run(run_id: int) -> str:
    """The worker's entry point for a queued run."""
    reap_stale_runs()
    return execute(run_id)


# --- asking for scans ---------------------------------------------------------


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


def check_rate(user: Any) -> None:
    if user is None or not getattr(user, "pk", None):
        return
    limit, window = RATE_LIMIT
    bucket = int(timezone.now().timestamp()) // window
    key = f"discovery:scan-rate:{user.pk}:{bucket}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window * 2)
        count = 1
    if count > limit:
        raise RateLimited(
            f"You asked for more than {limit} scans in the last minute: wait a minute and "
            "try again, or scan a larger range at once."
        )


def enqueue_scan(
    kind: str,
    target: Subnet | Host | str,
    user: Any = None,
    *,
    profile: str = "",
    by_schedule: bool = False,
    queue: bool = True,
) -> Run:
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
    check_rate(user)
    existing = Run.objects.active().filter(kind=kind, target=text).first()
    if existing is not None:
        orphaned = (
            existing.status == RunStatus.QUEUED
            and not existing.task_id
            and existing.created < timezone.now() - ORPHAN_AFTER
        )
        if queue and orphaned:
            # Created for a worker that never claimed it (it died first): queue it now;
            # claim() still lets only one worker run it.
            transaction.on_commit(lambda: send(existing.pk))
        return existing
    try:
        with transaction.atomic():
            new = Run.objects.create(
                kind=kind,
                target=text,
                subnet=subnet,
                host=host,
                profile=profile,
                started_by=user if getattr(user, "pk", None) else None,
                by_schedule=by_schedule,
            )
            if queue:
                transaction.on_commit(lambda: send(new.pk))
    except IntegrityError:
        # Another request created it between our check and our insert.
        found = Run.objects.active().filter(kind=kind, target=text).first()
        if found is None:
            raise
        return found
    return new


def send(run_id: int) -> str:
    """Queue the task for a run and remember its task id."""
    from django_q.tasks import async_task

    task_id = async_task(RUN_TASK, run_id, group="discovery")
    Run.objects.filter(pk=run_id).update(task_id=str(task_id)[:64])
    return str(task_id)


# --- scheduled work ---------------------------------------------------------------


def _record_refusal(kind: str, target: Subnet | str, error: Exception) -> None:
    """A refused scheduled scan is a failed run, so it shows; once, not at every interval."""
    subnet = target if isinstance(target, Subnet) else None
    text = str(subnet.network if subnet else target)[:200]
    last = Run.objects.filter(kind=kind, target=text).order_by("-created").first()
    if last is not None and last.status == RunStatus.FAILED and last.error_message == str(error):
        return
    now = timezone.now()
    Run.objects.create(
        kind=kind,
        target=text,
        subnet=subnet,
        by_schedule=True,
        status=RunStatus.FAILED,
        created=now,
        finished=now,
        error_class=type(error).__name__,
        error_message=str(error)[:2000],
    )


def _start_scheduled(kind: str, target: Subnet | str, profile: str = "") -> Run | None:
    try:
        found = enqueue_scan(kind, target, None, profile=profile, by_schedule=True, queue=False)
    except (scope.ScopeError, ValueError) as error:
        log.warning("scheduled %s of %s refused: %s", kind, target, error)
        _record_refusal(kind, target, error)
        return None
    if found.status != RunStatus.QUEUED or found.task_id:
        return None  # already queued through the queue, or running: leave it to that worker
    return found


def scheduled_sweep(subnet_id: int) -> str:
    """Sweep one scan-enabled subnet (a schedule per subnet, on its interval)."""
    reap_stale_runs()
    subnet = Subnet.objects.filter(pk=subnet_id, scan_enabled=True).first()
    if subnet is None:
        return "skipped: subnet gone or scanning switched off"
    if subnet.family == 6 and not subnet.host_range().exists():
        return "skipped: IPv6 subnet without known hosts"
    found = _start_scheduled(RunKind.SWEEP, subnet)
    return execute(found.pk) if found else "skipped"


def scheduled_known_hosts() -> str:
    """The fast check of every known host in a scan-enabled subnet."""
    reap_stale_runs()
    # Every minute: without a scan-enabled subnet there is nothing to check, and
    # an empty run a minute would bury the runs people care about.
    if not Host.objects.filter(subnet__scan_enabled=True).exists():
        return "skipped: no host in a scan-enabled subnet"
    found = _start_scheduled(RunKind.KNOWN_HOSTS, ALL_KNOWN_HOSTS)
    return execute(found.pk) if found else "skipped"


def scheduled_port_scan(subnet_id: int) -> str:
    """Port-scan the alive hosts of one scan-enabled subnet (hourly, jittered)."""
    reap_stale_runs()
    subnet = Subnet.objects.filter(pk=subnet_id, scan_enabled=True).first()
    if subnet is None:
        return "skipped: subnet gone or scanning switched off"
    if not subnet.host_range().filter(status="up").exists():
        return "skipped: no alive hosts"
    found = _start_scheduled(RunKind.PORTS, subnet, subnet.nmap_profile)
    return execute(found.pk) if found else "skipped"


def prune() -> dict[str, int]:
    """Daily: roll up and prune the status history; forget old runs and events."""
    from discovery import history

    result = history.prune()
    now = timezone.now()
    runs = 0
    for kind, keep in RUN_RETENTION.items():
        runs += Run.objects.finished().filter(kind=kind, created__lt=now - keep).delete()[0]
    runs += (
        Run.objects.finished()
        .exclude(kind__in=list(RUN_RETENTION))
        .filter(created__lt=now - DEFAULT_RUN_RETENTION)
        .delete()[0]
    )
    result["runs"] = runs
    result["events"] = Event.objects.filter(at__lt=now - EVENT_RETENTION).delete()[0]
    return result


def wanted_schedules() -> list[dict[str, Any]]:
    """The periodic discovery work, declared in code; `manage.py sync_schedules` syncs it."""
    from django_q.models import Schedule

    wanted: list[dict[str, Any]] = [
        {
            "name": "discovery:known-hosts",
            "func": "discovery.tasks.scheduled_known_hosts",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "jitter_s": 30,
        },
        {
            "name": "discovery:rollup",
            "func": "discovery.history.rollup_hourly",
            "schedule_type": Schedule.HOURLY,
            "jitter_s": 600,
        },
        {
            "name": "discovery:prune",
            "func": "discovery.tasks.prune",
            "schedule_type": Schedule.DAILY,
            "jitter_s": 3600,
        },
        {
            "name": "discovery:reap",
            "func": "discovery.tasks.reap_stale_runs",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
            "jitter_s": 60,
        },
        {
            "name": "discovery:sync",
            "func": "discovery.tasks.sync_discovery_schedules",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
            "jitter_s": 60,
        },
        {
            "name": "discovery:webhook-retries",
            "func": "netkeep.webhooks.retry_due",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
            "jitter_s": 60,
        },
    ]
    for subnet in Subnet.objects.filter(scan_enabled=True).only("pk", "scan_interval"):
        wanted.append(
            {
                "name": f"discovery:sweep:subnet-{subnet.pk}",
                "func": "discovery.tasks.scheduled_sweep",
                "args": repr((subnet.pk,)),
                "schedule_type": Schedule.MINUTES,
                "minutes": subnet.scan_interval,
                "jitter_s": subnet.scan_interval * 60,
            }
        )
        wanted.append(
            {
                "name": f"discovery:ports:subnet-{subnet.pk}",
                "func": "discovery.tasks.scheduled_port_scan",
                "args": repr((subnet.pk,)),
                "schedule_type": Schedule.HOURLY,
                "jitter_s": 3600,
            }
        )
    return wanted


def sync_schedules(
    wanted: list[dict[str, Any]], prefix: str, rng: random.Random | None = None
) -> dict[str, int]:
    """Make django-q2's schedules named `prefix`... match `wanted`; safe to run at every start.

    A schedule that already exists with the same function, arguments and
    interval keeps its next run, so restarting never shifts or fires work; a new
    or changed one gets a random next run within its jitter, so subnets do not
    fire together. Schedules under `prefix` that are no longer wanted are deleted.
    """
    from django_q.models import Schedule

    rng = rng or random.Random()
    now = timezone.now()
    created = updated = kept = 0
    names = set()
    for spec in wanted:
        spec = dict(spec)
        jitter = float(spec.pop("jitter_s", 0))
        spec.setdefault("args", None)
        spec.setdefault("minutes", None)
        names.add(spec["name"])
        current = Schedule.objects.filter(name=spec["name"]).first()
        same = current is not None and all(
            getattr(current, k) == v for k, v in spec.items() if k != "name"
        )
        if same:
            kept += 1
            continue
        next_run = now + timedelta(seconds=rng.uniform(0, jitter) if jitter else 0)
        Schedule.objects.update_or_create(
            name=spec["name"], defaults={**spec, "next_run": next_run, "repeats": -1}
        )
        if current is None:
            created += 1
        else:
            updated += 1
    stale = Schedule.objects.filter(name__startswith=prefix).exclude(name__in=names)
    deleted = stale.delete()[0]
    return {"created": created, "updated": updated, "kept": kept, "deleted": deleted}


def sync_discovery_schedules() -> dict[str, int]:
    """Scheduled every few minutes too, so subnets switched on or off are picked up."""
    return sync_schedules(wanted_schedules(), "discovery:")
