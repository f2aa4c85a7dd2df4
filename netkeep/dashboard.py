"""The home dashboard: what needs a look now, every number a link to the list behind it.

Each count is taken with the same FilterSet, and the same parameters, as the
list it links to (hosts, service checks, the backup fleet, reconciliation), so
the number on the dashboard and the length of the list cannot disagree. Subnet
figures come from the usage counters the database keeps (ipam/usage.py), so
the page reads one row per subnet shown whatever the subnets' sizes. Every
panel is built only for a user allowed to view its model (accounts/roles.py),
and the page's query count does not grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Power
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django_filters import FilterSet

from backups import stats as backup_stats
from backups.filters import FleetFilter
from discovery import history, scope_rules
from discovery.eventlog import EventFilter
from discovery.models import AllowedNetwork, OpenPort, ReconciliationItem
from discovery.scope import ScopeError
from inventory.filters import ServiceCheckFilter
from inventory.models import CheckStatus, CredentialSet, Device, ServiceCheck
from ipam.filters import HostFilter, SubnetFilter, host_scope
from ipam.models import Host, HostStatus, Subnet
from netkeep import charts, health
from netkeep.charts import HourCell
from netkeep.models import Event

if TYPE_CHECKING:
    from accounts.models import User

# Rows per panel: the page is bounded by what it shows.
ROWS = 8
NEW_HOURS = 24
UNSEEN_DAYS = 30  # the reconciliation page's default for "documented but unseen"
SERVICE_SUGGESTIONS = 12


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters as list parameters: site and tag pks/names, a subnet, a service."""

    site: str = ""
    subnet: Subnet | None = None
    tag: str = ""
    service: str = ""

    @property
    def active(self) -> bool:
        return bool(self.site or self.subnet or self.tag or self.service)

    def hosts(self) -> dict[str, str]:
        """Host-list parameters (the subnet includes its child subnets, as its page counts)."""
        params = {"site": self.site, "tag": self.tag, "service": self.service}
        if self.subnet is not None:
            params["within_subnet"] = str(self.subnet.pk)
        return {k: v for k, v in params.items() if v}

    def subnets(self) -> dict[str, str]:
        params = {"site": self.site, "tag": self.tag}
        return {k: v for k, v in params.items() if v}

    def devices(self) -> dict[str, str]:
        """Service checks and the backup fleet: the device's site and tags."""
        return self.subnets()


def link(name: str, params: dict[str, str]) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


@dataclass
class Figure:
    """A number on the dashboard and the list it was counted from."""

    n: int
    url: str


@dataclass
class Alert:
    """Something that stops Netkeep from watching the network, and the page that fixes it."""

    key: str
    text: str
    fix: str
    url: str


@dataclass
class Step:
    """One step of the first-run checklist."""

    key: str
    text: str
    done: bool
    url: str
    allowed: bool


@dataclass
class SubnetRow:
    """A subnet, its fill from the counters and links to its hosts."""

    subnet: Subnet
    used: int
    alive: int
    usable: int
    used_url: str
    alive_url: str


@dataclass
class Dashboard:
    """Everything the home page shows; a panel the user may not see stays None."""

    now: datetime
    filters: Filters
    alive: Figure | None = None
    hosts: Figure | None = None
    down: Figure | None = None
    # Each host with its last 24 hours, one cell per hour (netkeep/charts.py).
    down_rows: list[tuple[Host, list[HourCell]]] = field(default_factory=list)
    new: Figure | None = None
    new_rows: list[Host] = field(default_factory=list)
    subnet_rows: list[SubnetRow] | None = None
    subnets_url: str = ""
    reconcile: Figure | None = None
    failing_backups: Figure | None = None
    checks_down: Figure | None = None
    checks_down_rows: list[ServiceCheck] = field(default_factory=list)
    events: list[Event] | None = None
    recent_events: Figure | None = None
    warnings: list[Alert] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def status_bar(self) -> list[tuple[str, int, float]]:
        """(state, hosts, percent) for up, down and unknown: the alive panel's stacked bar."""
        if not self.hosts or not self.hosts.n or not self.alive or not self.down:
            return []
        unknown = max(0, self.hosts.n - self.alive.n - self.down.n)
        parts = [("up", self.alive.n), ("down", self.down.n), ("unknown", unknown)]
        return [(state, n, round(100 * n / self.hosts.n, 1)) for state, n in parts]


def _count(filterset: FilterSet, url: str) -> Figure:
    return Figure(filterset.qs.count() if filterset.is_valid() else 0, url)


def _hosts(params: dict[str, str], **extra: str) -> tuple[HostFilter, str]:
    query = {**params, **extra}
    return HostFilter(_query(query), queryset=Host.objects.all()), link("ipam:host_list", query)


def fill_order(subnets: QuerySet[Subnet]) -> QuerySet[Subnet]:
    """Subnets with usage annotated, fullest first (used addresses over the subnet's size)."""
    bits = Case(When(family=4, then=Value(32)), default=Value(128)) - F("prefix_length")
    ratio = Cast("used", FloatField()) / Power(Value(2.0), bits)
    return (
        subnets.with_usage()  # type: ignore[attr-defined]
        .filter(used__gt=0)
        .annotate(fill=ratio)
        .order_by("-fill", "-used", "network")
    )


def _host_panels(board: Dashboard) -> None:
    params = board.filters.hosts()
    every, url = _hosts(params)
    board.hosts = _count(every, url)
    alive, url = _hosts(params, status=HostStatus.UP)
    board.alive = _count(alive, url)
    down, url = _hosts(params, status=HostStatus.DOWN)
    board.down = _count(down, url)
    if down.is_valid():
        recent = down.qs.select_related("subnet").order_by("-status_changed_at", "-pk")
        rows = list(recent[:ROWS])
        points = history.recent_points([host.pk for host in rows], board.now)
        board.down_rows = [(host, charts.hourly_bar(points[host.pk], board.now)) for host in rows]
    new, url = _hosts(params, first_seen_after=_since(board.now).isoformat())
    board.new = _count(new, url)
    if new.is_valid():
        board.new_rows = list(new.qs.select_related("subnet").order_by("-first_seen", "-pk")[:ROWS])


def _subnet_panel(board: Dashboard, can_list_hosts: bool) -> None:
    filters = board.filters
    chosen = SubnetFilter(_query(filters.subnets()), queryset=Subnet.objects.all())
    subnets = chosen.qs if chosen.is_valid() else Subnet.objects.none()
    if filters.subnet is not None:
        inside = Subnet.objects.within(filters.subnet.ip_network)
        subnets = subnets.filter(pk__in=inside.filter(vrf_key=filters.subnet.vrf_key).values("pk"))
    board.subnets_url = link("ipam:subnet_list", filters.subnets())
    rows = []
    for subnet in fill_order(subnets).select_related("vrf")[:ROWS]:
        base = {"within_subnet": str(subnet.pk)}
        rows.append(
            SubnetRow(
                subnet=subnet,
                used=subnet.used,  # type: ignore[attr-defined]
                alive=subnet.alive,  # type: ignore[attr-defined]
                usable=subnet.usable,
                used_url=link("ipam:host_list", base) if can_list_hosts else "",
                alive_url=link("ipam:host_list", {**base, "status": HostStatus.UP})
                if can_list_hosts
                else "",
            )
        )
    board.subnet_rows = rows


def _reconcile_panel(board: Dashboard) -> None:
    params = board.filters.hosts()
    items = ReconciliationItem.objects.showing("", UNSEEN_DAYS)
    scope = host_scope(_query(params))
    if scope is not None:
        items = items.filter(host__in=scope.qs) if scope.is_valid() else items.none()
    board.reconcile = Figure(items.count(), link("discovery:reconcile", params))


def _query(params: dict[str, str]) -> QueryDict:
    """Parameters as the list views receive them (multi-value filters read lists)."""
    query = QueryDict(mutable=True)
    query.update(params)
    return query


def _device_panels(board: Dashboard, user: User) -> None:
    params = board.filters.devices()
    if user.has_perm("inventory.view_servicecheck"):
        query = {**params, "status": CheckStatus.DOWN}
        checks = ServiceCheckFilter(_query(query), queryset=_checks())
        board.checks_down = _count(checks, link("inventory:check_list", query))
        if checks.is_valid():
            board.checks_down_rows = list(checks.qs.order_by("-last_change", "name")[:ROWS])
    if user.has_perm("backups.view_configversion"):
        query = {**params, "failing": "1"}
        fleet = backup_stats.fleet(backup_stats.eligible())
        board.failing_backups = _count(
            FleetFilter(_query(query), queryset=fleet), link("backups:index", query)
        )


def _event_panel(board: Dashboard) -> None:
    """Events of the last 24 h at the site or in the subnet (with what it contains)."""
    filters = board.filters
    query = {"since": _since(board.now).isoformat(), "site": filters.site}
    if filters.subnet is not None:
        query["object"] = f"subnet:{filters.subnet.pk}"
    query = {k: v for k, v in query.items() if v}
    found = EventFilter(_query(query), queryset=Event.objects.all())
    board.recent_events = _count(found, link("events:list", query))
    board.events = list(found.qs[:ROWS]) if found.is_valid() else []


def _since(now: datetime) -> datetime:
    """24 h back, to the whole minute: a link names the same instant its count used."""
    return (now - timedelta(hours=NEW_HOURS)).replace(second=0, microsecond=0)


def _checks() -> QuerySet[ServiceCheck]:
    return ServiceCheck.objects.select_related("device")


def warnings(user: User) -> list[Alert]:
    """What stops Netkeep watching: an empty allowlist, no worker, scanning off everywhere."""
    found = []
    try:
        allowlist_empty = not scope_rules.allowed_networks()
    except ScopeError:
        allowlist_empty = True  # a broken SCAN_ALLOWED_NETWORKS allows nothing either
    if allowlist_empty:
        found.append(
            Alert(
                "allowlist",
                "The scan allowlist is empty: every sweep, port scan, connection test and "
                "backup is refused.",
                "Allow the networks you own"
                if user.has_perm("discovery.add_allowednetwork")
                else "Ask an administrator to allow your networks",
                reverse("discovery:allowlist"),
            )
        )
    if not health.worker_ok():
        found.append(
            Alert(
                "worker",
                "No background worker is running: scans, backups and checks wait in the queue. "
                "Start one with manage.py qcluster (make run starts one).",
                "See the waiting jobs",
                reverse("jobs:run_list"),
            )
        )
    scanning = Subnet.objects.aggregate(n=Count("pk"), on=Count("pk", filter=Q(scan_enabled=True)))
    if scanning["n"] and not scanning["on"]:
        found.append(
            Alert(
                "scanning",
                "Scanning is off for every subnet: nothing is swept, so nothing is seen going "
                "up or down.",
                "Switch scanning on in a subnet's settings",
                link("ipam:subnet_list", {"scan_enabled": "false"}),
            )
        )
    return found


def first_run_steps(user: User) -> list[Step]:
    """The four steps from an empty install to a watched network, ticked off as they are done."""
    done = Subnet.objects.aggregate(
        subnets=Count("pk"), scanned=Count("pk", filter=Q(scan_enabled=True))
    )
    return [
        Step(
            "subnet",
            "Add a subnet",
            bool(done["subnets"]),
            reverse("ipam:subnet_create"),
            user.has_perm("ipam.add_subnet"),
        ),
        Step(
            "allowlist",
            "Allow scanning for it (the allowlist)",
            AllowedNetwork.objects.exists() or bool(scope_rules.settings_networks()[0]),
            reverse("discovery:allowlist"),
            user.has_perm("discovery.add_allowednetwork"),
        ),
        Step(
            "credentials",
            "Add a credential set for your devices",
            CredentialSet.objects.exists(),
            reverse("inventory:credentialset_create"),
            user.has_perm("inventory.add_credentialset"),
        ),
        Step(
            "device",
            "Add a device",
            Device.objects.exists(),
            reverse("inventory:device_create"),
            user.has_perm("inventory.add_device"),
        ),
    ]


def build(user: User, filters: Filters, now: datetime | None = None) -> Dashboard:
    """The dashboard as `user` may see it, narrowed by `filters`."""
    board = Dashboard(now=now or timezone.now(), filters=filters)
    can_list_hosts = user.has_perm("ipam.view_host")
    if can_list_hosts:
        _host_panels(board)
    if user.has_perm("ipam.view_subnet"):
        _subnet_panel(board, can_list_hosts)
    if user.has_perm("discovery.view_reconciliationitem"):
        _reconcile_panel(board)
    _device_panels(board, user)
    if user.has_perm("netkeep.view_event"):
        _event_panel(board)
    if getattr(user, "role", ""):
        board.warnings = warnings(user)
    if user.has_perm("ipam.add_subnet") and not user.setup_dismissed:
        steps = first_run_steps(user)
        board.steps = [] if all(step.done for step in steps) else steps
    return board


def service_suggestions() -> list[str]:
    """The most common open services, as the service filter's suggestions ("22/ssh")."""
    rows = (
        OpenPort.objects.filter(current=True)
        .values("port", "protocol", "service")
        .annotate(n=Count("pk"))
        .order_by("-n", "port")[:SERVICE_SUGGESTIONS]
    )
    return [f"{r['port']}/{r['service'] or r['protocol']}" for r in rows]
