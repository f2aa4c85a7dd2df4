"""IPAM models: VRFs, VLANs, tags, subnets and hosts (IP addresses)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple, Unpack

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse

from ipam.addresses import (
    IPAddress,
    IPNetwork,
    address_key,
    from_key,
    parse_address,
    parse_network,
    to_key,
    usable_bounds,
    usable_count,
)
from ipam.hostnames import check_hostname
from ipam.querysets import HostQuerySet, SubnetQuerySet, TagChip, tag_chips
from netkeep.jsonrows import parse_rows

if TYPE_CHECKING:
    from ipam.flow import Columns, FlowItem, FreeRun
    from netkeep.types import SaveOptions

COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #rrggbb, for example #1f5fbf.")
MAC = RegexValidator(
    r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$", "Enter a MAC address as six pairs, e.g. 00:1a:2b:3c:4d:5e."
)


def normalise_mac(value: str) -> str:
    digits = "".join(c for c in (value or "").lower() if c in "0123456789abcdef")
    if len(digits) != 12:
        return (value or "").strip().lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


class Tag(models.Model):
    """A label shared by subnets, hosts and devices."""

    name = models.SlugField(max_length=64, unique=True, allow_unicode=True)
    colour = models.CharField(max_length=7, default="#6b7280", validators=[COLOUR])
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ipam:tag_detail", args=[self.pk])

    @classmethod
    def check_name(cls, name: str) -> None:
        """ValidationError unless the name fits the column (length, letters, no NUL)."""
        field = cls._meta.get_field("name")
        assert isinstance(field, models.Field)
        field.run_validators(name)


class VRF(models.Model):
    """A routing table; subnets and hosts are unique per VRF (none = the global table)."""

    name = models.CharField(max_length=100, unique=True)
    rd = models.CharField(
        "route distinguisher", max_length=32, blank=True, help_text="For example 65000:100."
    )
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "VRF"
        verbose_name_plural = "VRFs"
        constraints = [
            models.UniqueConstraint(fields=["rd"], condition=~Q(rd=""), name="ipam_vrf_unique_rd")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ipam:vrf_detail", args=[self.pk])


class Site(models.Model):
    """A place where devices and subnets live (a building, a data centre, a home lab)."""

    # Defined in ipam, not inventory: subnets may belong to a site and ipam imports no
    # other app. Inventory's devices point here too.
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:site_detail", args=[self.pk])


class VLAN(models.Model):
    """A VLAN, or a plain LAN without a VLAN id."""

    vid = models.PositiveSmallIntegerField(
        "VLAN id",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4094)],
        help_text="1–4094; leave empty for a plain LAN.",
    )
    name = models.CharField(max_length=100)
    colour = models.CharField(max_length=7, default="#1f5fbf", validators=[COLOUR])
    description = models.CharField(max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="vlans")

    class Meta:
        # Plain LANs first, then by VLAN id.
        ordering = [F("vid").asc(nulls_first=True), "name"]
        verbose_name = "VLAN"
        verbose_name_plural = "VLANs"
        constraints = [models.UniqueConstraint(fields=["vid", "name"], name="ipam_vlan_unique")]

    def __str__(self) -> str:
        return f"{self.vid} {self.name}" if self.vid else self.name

    def get_absolute_url(self) -> str:
        return reverse("ipam:vlan_detail", args=[self.pk])


class NetworkField(models.CharField):
    """Canonical network text ("192.0.2.0/24"), validated strictly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 43)
        super().__init__(*args, **kwargs)

    def to_python(self, value: object) -> str | None:
        if value is None or value == "":
            return None if value is None else ""
        if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            return str(value)
        return str(parse_network(str(value)))


class AddressField(models.CharField):
    """Canonical address text ("192.0.2.10", "2001:db8::10"), validated strictly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 39)
        super().__init__(*args, **kwargs)

    def to_python(self, value: object) -> str | None:
        if value is None or value == "":
            return None if value is None else ""
        if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
            return str(value)
        return str(parse_address(str(value)))


# Checks of a subnet's scan policy that belong to other apps (discovery registers
# "the DNS resolver lies inside the scan allowlist" and "the profile exists"), so a
# setting refused when a run starts is refused when it is saved. ipam imports no
# app: they add themselves here in their AppConfig.ready(). Each raises
# ValidationError with field errors.
SCAN_POLICY_CHECKS: list[Callable[[Subnet], None]] = []
# The port scan profiles a subnet may name, as (name, label) pairs: discovery registers
# the function that lists them (built-in and admin-defined), so the form offers a choice.
SCAN_PROFILE_CHOICES: list[Callable[[], list[tuple[str, str]]]] = []


class Subnet(models.Model):
    """An IPv4 or IPv6 network; its parent is kept from containment automatically."""

    network = NetworkField()
    family = models.PositiveSmallIntegerField(editable=False)
    prefix_length = models.PositiveSmallIntegerField(editable=False)
    start_key = models.CharField(max_length=32, editable=False)
    end_key = models.CharField(max_length=32, editable=False)
    vrf = models.ForeignKey(
        VRF,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subnets",
        verbose_name="VRF",
    )
    # 0 for the global table: unique constraints must not treat NULLs as distinct.
    vrf_key = models.BigIntegerField(default=0, editable=False)
    name = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    vlan = models.ForeignKey(
        VLAN,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subnets",
        verbose_name="VLAN",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="subnets")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="subnets"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        editable=False,
    )
    gateway = AddressField(
        null=True, blank=True, help_text="The router's address in this subnet, if it has one."
    )
    # Scan policy (discovery reads these).
    scan_enabled = models.BooleanField("scan this subnet", default=False)
    scan_interval = models.PositiveIntegerField(
        "sweep every (minutes)", default=5, validators=[MinValueValidator(1)]
    )
    nmap_profile = models.CharField("port scan profile", max_length=64, blank=True)
    # An AddressField, not Django's GenericIPAddressField: one parser, one set of words.
    dns_resolver = AddressField(
        "DNS resolver", null=True, blank=True, help_text="Empty: the system resolver."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = SubnetQuerySet.as_manager()

    class Meta:
        ordering = ["vrf_key", "family", "start_key", "prefix_length"]
        constraints = [
            models.UniqueConstraint(
                fields=["vrf_key", "network"], name="ipam_subnet_unique_per_vrf"
            )
        ]
        indexes = [models.Index(fields=["vrf_key", "family", "start_key", "end_key"])]

    def __str__(self) -> str:
        return f"{self.network} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("ipam:subnet_detail", args=[self.pk])

    # --- derived values -----------------------------------------------------
    @property
    def tag_chips(self) -> list[TagChip]:
        """The tags as chips, by name (read with the subnet by `for_tree()`)."""
        return tag_chips(self)

    def ancestors(self) -> list[SubnetLink]:
        """The subnets holding this one, outermost first (read with it by `with_ancestors()`)."""
        rows = getattr(self, "ancestor_rows", None)
        if rows is None:
            rows = Subnet.objects.with_ancestors().get(pk=self.pk).ancestor_rows  # type: ignore[attr-defined]
        found = sorted(parse_rows(rows), key=lambda row: row[2])
        return [SubnetLink(pk, network) for pk, network, _ in found]

    @property
    def ip_network(self) -> IPNetwork:
        return ipaddress.ip_network(self.network)

    @property
    def size(self) -> int:
        return self.ip_network.num_addresses

    @property
    def usable(self) -> int:
        return usable_count(self.ip_network)

    def usable_keys(self) -> tuple[str, str]:
        first, last = usable_bounds(self.ip_network)
        return to_key(first), to_key(last)

    def contains(self, address: IPAddress) -> bool:
        return address.version == self.family and address in self.ip_network

    # --- validation and hierarchy ---------------------------------------------
    def _derive(self) -> None:
        net = parse_network(self.network)
        self.network = str(net)
        self.family = net.version
        self.prefix_length = net.prefixlen
        self.start_key = to_key(int(net.network_address))
        self.end_key = to_key(int(net.broadcast_address))
        self.vrf_key = self.vrf_id or 0

    def clean(self) -> None:
        try:
            self._derive()
        except ValidationError:
            # full_clean() reports it once already, from the field's to_python().
            return
        clash = Subnet.objects.filter(vrf_key=self.vrf_key, network=self.network).exclude(
            pk=self.pk
        )
        if clash.exists():
            where = f"VRF {self.vrf}" if self.vrf_id else "the global table"
            raise ValidationError({"network": f"{self.network} already exists in {where}."})
        self._check_gateway()
        for check in SCAN_POLICY_CHECKS:
            check(self)
        if self.pk:
            old = Subnet.objects.filter(pk=self.pk).values("network", "vrf_key").first()
            if old and (old["network"] != self.network or old["vrf_key"] != self.vrf_key):
                outside = self.hosts.exclude(
                    family=self.family, key__gte=self.start_key, key__lte=self.end_key
                ).count()
                if outside or (old["vrf_key"] != self.vrf_key and self.hosts.exists()):
                    raise ValidationError(
                        {
                            "network": f"{outside or 'Some'} host(s) of this subnet would fall "
                            "outside it or change VRF: move or delete them first."
                        }
                    )

    def _check_gateway(self) -> None:
        if not self.gateway:
            return
        try:
            gateway = parse_address(self.gateway)
        except ValidationError:
            return  # reported by the field's to_python()
        first, last = usable_bounds(self.ip_network)
        if not self.contains(gateway) or not first <= int(gateway) <= last:
            low, high = from_key(to_key(first), self.family), from_key(to_key(last), self.family)
            raise ValidationError(
                {
                    "gateway": f"{gateway} is not a usable address of {self.network}: "
                    f"pick one from {low} to {high}."
                }
            )

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # clean() checks (VRF, network) uniqueness already, with a message that says where.
        super().validate_constraints(exclude={*(exclude or ()), "network"})

    def find_parent(self) -> Subnet | None:
        """The smallest other subnet in the same VRF that contains this one."""
        return (
            Subnet.objects.filter(
                vrf_key=self.vrf_key,
                family=self.family,
                start_key__lte=self.start_key,
                end_key__gte=self.end_key,
                prefix_length__lt=self.prefix_length,
            )
            .exclude(pk=self.pk)
            .order_by("-prefix_length")
            .first()
        )

    def save(self, **kwargs: Unpack[SaveOptions]) -> None:
        from ipam import usage

        self._derive()
        with transaction.atomic():
            moved = self._detach_if_moved() if self.pk else True
            self.parent = self.find_parent()
            super().save(**kwargs)
            self._adopt()
            if moved:
                # A new or re-drawn range: count its hosts once; triggers keep it from here.
                usage.recount([self])

    def _detach_if_moved(self) -> bool:
        """When the network or VRF is edited, hand the children to the old parent first.

        Those still inside the new range are adopted back by `_adopt()`; the
        others stay with the old parent, which contains them.
        """
        old = (
            Subnet.objects.filter(pk=self.pk)
            .values("start_key", "end_key", "family", "vrf_key", "parent_id")
            .first()
        )
        if old is None:
            return True
        now = (self.start_key, self.end_key, self.family, self.vrf_key)
        if (old["start_key"], old["end_key"], old["family"], old["vrf_key"]) == now:
            return False
        Subnet.objects.filter(parent_id=self.pk).update(parent_id=old["parent_id"])
        return True

    def _adopt(self) -> None:
        """Take over the subnets and hosts inside this subnet from its ancestors."""
        inside = Q(
            vrf_key=self.vrf_key,
            family=self.family,
            start_key__gte=self.start_key,
            end_key__lte=self.end_key,
        )
        # Direct children are those inside whose current parent is outside (or none).
        Subnet.objects.filter(inside, prefix_length__gt=self.prefix_length).filter(
            Q(parent__isnull=True) | Q(parent__prefix_length__lt=self.prefix_length)
        ).exclude(pk=self.pk).update(parent=self)
        # Hosts belong to the most specific subnet: take those in my range that
        # currently sit in an ancestor of mine (or in a previous version of me).
        hosts = Host.objects.filter(
            vrf_key=self.vrf_key,
            family=self.family,
            key__gte=self.start_key,
            key__lte=self.end_key,
        )
        hosts.filter(subnet__prefix_length__lt=self.prefix_length).update(subnet=self)
        # Hosts that left my range (network edited) go back to the best container.
        for host in self.hosts.exclude(key__gte=self.start_key, key__lte=self.end_key):
            home = Subnet.objects.best_match(host.vrf_key, host.ip_address)
            if home is None:
                raise ValidationError(
                    {
                        "network": f"{host.address} would fall outside {self.network} and no "
                        "other subnet contains it: move or delete it first."
                    }
                )
            host.subnet = home
            host.save(update_fields=["subnet"])

    def delete(
        self, using: str | None = None, keep_parents: bool = False
    ) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            parent = self.parent
            Subnet.objects.filter(parent=self).update(parent=parent)
            if self.hosts.exists():
                if parent is None:
                    raise ValidationError(
                        f"{self.network} still has hosts and no parent subnet to take them: "
                        "delete or move its hosts first."
                    )
                self.hosts.update(subnet=parent)
            return super().delete(using, keep_parents)

    # --- address flow, free runs and allocation --------------------------------
    def host_range(self) -> HostQuerySet:
        """Every host inside this subnet's range, in children too."""
        return Host.objects.filter(
            vrf_key=self.vrf_key,
            family=self.family,
            key__gte=self.start_key,
            key__lte=self.end_key,
        )

    def flow(
        self, after: str | None = None, limit: int = 256, columns: Columns | None = None
    ) -> Flow:
        """One page of the subnet view: hosts, child blocks and free runs in address order.

        Work is bounded by `limit`, never by the subnet's size: it shows at most
        `limit` rows and reads at most `limit` hosts and `limit` children after the cursor key.
        """
        from ipam.flow import build_flow

        return build_flow(self, after=after, limit=limit, columns=columns)

    def next_free(self, count: int = 1, after: str | None = None) -> list[IPAddress]:
        """The first `count` free usable addresses (not a host, not inside a child subnet)."""
        from ipam.allocation import next_free_keys

        return [from_key(k, self.family) for k in next_free_keys(self, count, after)]

    def free_addresses(
        self, start: int, end: int, limit: int = 64
    ) -> tuple[list[IPAddress], FreeRun | None]:
        """Up to `limit` free addresses from `start` to `end`, and the run left after them.

        Checked against hosts and children now, however old the page that asks is.
        """
        from ipam.flow import FreeRun

        window_end = min(end, start + limit - 1)
        lo, hi = to_key(start), to_key(window_end)
        in_window = self.host_range().filter(key__gte=lo, key__lte=hi)
        taken = set(in_window.values_list("key", flat=True))
        blocks = list(
            self.children.filter(start_key__lte=hi, end_key__gte=lo).values_list(
                "start_key", "end_key"
            )
        )
        addresses = []
        for value in range(start, window_end + 1):
            key = to_key(value)
            if key in taken or any(b[0] <= key <= b[1] for b in blocks):
                continue
            addresses.append(from_key(key, self.family))
        rest = None
        if window_end < end:
            first, last = to_key(window_end + 1), to_key(end)
            rest = FreeRun(from_key(first, self.family), from_key(last, self.family))
        return addresses, rest

    def free_prefixes(
        self, limit: int = 64, children: list[Subnet] | None = None
    ) -> list[IPNetwork]:
        """The first `limit` free blocks of `iter_free_prefixes()`."""
        return list(islice(self.iter_free_prefixes(children), limit))

    def iter_free_prefixes(self, children: list[Subnet] | None = None) -> Iterator[IPNetwork]:
        """The space no child subnet holds, as the largest CIDR blocks, in address order.

        Reads the direct children only (they are disjoint and hold their own
        children); hosts do not block a prefix, as in NetBox: a child made over
        them adopts them. `children`, when given, are all of them in address
        order, already read (by the same page's flow).
        """
        position = int(self.start_key, 16)
        end = int(self.end_key, 16)
        if children is None:
            # A plain read: iterator() would cost PostgreSQL a server-side cursor.
            spans = list(self.children.order_by("start_key").values_list("start_key", "end_key"))
        else:
            spans = [(child.start_key, child.end_key) for child in children]
        for lo, hi in [*spans, (to_key(end + 1), to_key(end + 1))]:
            if int(lo, 16) > position:
                first = from_key(to_key(position), self.family)
                last = from_key(to_key(min(int(lo, 16) - 1, end)), self.family)
                yield from ipaddress.summarize_address_range(first, last)
            position = max(position, int(hi, 16) + 1)

    def utilisation(self) -> tuple[int, int]:
        """(used addresses, usable addresses), children's hosts included."""
        from ipam.usage import WHOLE

        whole = self.usage_counts.filter(kind=WHOLE).values_list("used", flat=True).first()
        return (self.host_range().count() if whole is None else whole), self.usable


class SubnetLink(NamedTuple):
    """A subnet as a link shows it."""

    pk: int
    network: str

    def get_absolute_url(self) -> str:
        return reverse("ipam:subnet_detail", args=[self.pk])


@dataclass(frozen=True)
class Flow:
    """One page of a subnet's address flow; `next_cursor` is None on the last page."""

    items: list[FlowItem]
    next_cursor: str | None
    # Every child of the subnet, when the page read them all (from the start, not cut).
    children: list[Subnet] | None = None


class HostStatus(models.TextChoices):
    UP = "up", "Up"
    DOWN = "down", "Down"
    UNKNOWN = "unknown", "Unknown"


class HostnameSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    PTR = "ptr", "DNS PTR"
    SNMP = "snmp", "SNMP"


class HostOrigin(models.TextChoices):
    DOCUMENTED = "documented", "Documented"
    DISCOVERED = "discovered", "Discovered"


@dataclass(slots=True)
class StatusChange:
    """What one observation did to a host: whether to write its row, and which transition."""

    write: bool
    came_up: bool = False  # answered after being down or unknown
    came_back: bool = False  # answered after being down: the "host up" event
    went_down: bool = False  # silent after being up: the "host down" event


_STAYED_DOWN = StatusChange(write=False)
# Plain strings: observe() runs once per address per sweep (65,534 times for a /16),
# and comparing with the enum members costs several times more.
_UP, _DOWN = HostStatus.UP.value, HostStatus.DOWN.value


class Host(models.Model):
    """An IP address in use, seen or annotated: never one row per possible address."""

    address = AddressField()
    family = models.PositiveSmallIntegerField(editable=False)
    key = models.CharField(max_length=32, editable=False)
    # The key of the next address: lets one query find the end of a run of
    # used addresses (the first host whose next address is not a host).
    next_key = models.CharField(max_length=33, editable=False)
    # No index of its own: the (subnet, key) index serves every lookup by subnet.
    subnet = models.ForeignKey(
        Subnet, on_delete=models.PROTECT, related_name="hosts", db_index=False
    )
    vrf_key = models.BigIntegerField(default=0, editable=False)
    # Checked as RFC 1123 where people type it (forms, API, import); names learnt from
    # DNS or SNMP are bulk-written as found.
    hostname = models.CharField(max_length=253, blank=True, validators=[check_hostname])
    hostname_source = models.CharField(
        max_length=8, choices=HostnameSource.choices, default=HostnameSource.MANUAL
    )
    ptr_name = models.CharField("PTR name", max_length=253, blank=True)
    description = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="hosts")
    mac = models.CharField("MAC address", max_length=17, blank=True, validators=[MAC])
    origin = models.CharField(
        max_length=10, choices=HostOrigin.choices, default=HostOrigin.DOCUMENTED
    )
    status = models.CharField(max_length=8, choices=HostStatus.choices, default=HostStatus.UNKNOWN)
    latency_ms = models.FloatField(null=True, blank=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = HostQuerySet.as_manager()
    # (vrf_key, key, best subnet) found by clean(), reused by the save() that follows.
    _home: tuple[int, str, Subnet | None] | None = None

    class Meta:
        ordering = ["vrf_key", "family", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["vrf_key", "key", "family"], name="ipam_host_unique_per_vrf"
            )
        ]
        indexes = [
            models.Index(fields=["subnet", "key"]),
            # Was the field's db_index (same name, kept): without the LIKE index that
            # PostgreSQL adds for an indexed CharField; nothing searches status by pattern.
            models.Index(fields=["status"], name="ipam_host_status_a5c79ed4"),
            # Covers range counts (utilisation, alive, heatmap) without reading the rows.
            models.Index(fields=["vrf_key", "family", "key", "status"], name="ipam_host_range"),
            # A MAC search: equality, and its first bytes (LIKE 'aa:bb%' on PostgreSQL,
            # where the pattern operator class serves both; a range on SQLite).
            models.Index(fields=["mac"], name="ipam_host_mac", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.hostname}".strip()

    def get_absolute_url(self) -> str:
        return reverse("ipam:host_detail", args=[self.pk])

    @property
    def ip_address(self) -> IPAddress:
        return ipaddress.ip_address(self.address)

    @property
    def vrf(self) -> VRF | None:
        return self.subnet.vrf if self.subnet_id else None

    @classmethod
    def discovered(
        cls, address: IPAddress, subnet: Subnet, rtt_ms: float | None, at: datetime
    ) -> Host:
        """A host a sweep found alive, ready for bulk_create (which skips save())."""
        host = cls(address=str(address), subnet=subnet, origin=HostOrigin.DISCOVERED)
        host.derive()
        host.observe(alive=True, rtt_ms=rtt_ms, at=at)
        return host

    def observe(self, *, alive: bool, rtt_ms: float | None, at: datetime) -> StatusChange:
        """Apply one ping result to the status fields; says what changed (nothing is saved).

        An answer refreshes latency and last_seen every time; silence changes the
        row only the first time, so a host that stays down is not written again.
        """
        was = self.status
        if alive:
            self.status = _UP
            self.latency_ms = rtt_ms
            self.last_seen = at
            self.first_seen = self.first_seen or at
            if was == _UP:
                return StatusChange(write=True)
            self.status_changed_at = at
            return StatusChange(write=True, came_up=True, came_back=was == _DOWN)
        if was == _DOWN:
            return _STAYED_DOWN
        self.status = _DOWN
        self.latency_ms = None
        self.status_changed_at = at
        return StatusChange(write=True, went_down=was == _UP)

    def derive(self) -> None:
        """Fill the fields computed from the address and subnet, as save() does.

        For callers that bulk_create hosts, which skips save().
        """
        address = parse_address(self.address)
        self.address = str(address)
        self.family = address.version
        self.key = address_key(address)
        self.next_key = to_key(int(address) + 1)
        self.mac = normalise_mac(self.mac)
        if self.subnet_id:
            self.vrf_key = self.subnet.vrf_key

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # "00-1A-2B-3C-4D-5E" and "001a.2b3c.4d5e" are the same MAC: accept every common spelling.
        self.mac = normalise_mac(self.mac)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        try:
            self.derive()
        except ValidationError:
            # full_clean() reports it once already, from the field's to_python().
            return
        if not self.subnet_id:
            return
        subnet = self.subnet
        address = self.ip_address
        if not subnet.contains(address):
            raise ValidationError(
                {
                    "address": f"{address} is not inside {subnet.network}: pick an address in it "
                    "or another subnet."
                }
            )
        # The host lands in the most specific subnet: check the address against that one.
        home = Subnet.objects.best_match(self.vrf_key, address)
        # save() right after clean() reuses this answer instead of asking again.
        self._home = (self.vrf_key, self.key, home)
        if home is not None and home.prefix_length > subnet.prefix_length:
            subnet = home
        net = subnet.ip_network
        if net.version == 4 and net.prefixlen <= 30:
            first, last = usable_bounds(net)
            if int(address) in (int(net.network_address), int(net.broadcast_address)):
                which = "network" if address == net.network_address else "broadcast"
                raise ValidationError(
                    {
                        "address": f"{address} is the {which} address of {net}: hosts use "
                        f"{from_key(to_key(first), 4)}–{from_key(to_key(last), 4)}."
                    }
                )
        clash = Host.objects.filter(vrf_key=self.vrf_key, family=self.family, key=self.key)
        if clash.exclude(pk=self.pk).exists():
            where = f"VRF {subnet.vrf}" if subnet.vrf_id else "the global table"
            raise ValidationError({"address": f"{address} is already in use in {where}."})

    def save(self, **kwargs: Unpack[SaveOptions]) -> None:
        self.derive()
        # A host belongs to the most specific subnet that contains it.
        if self.subnet_id and "update_fields" not in kwargs:
            known = getattr(self, "_home", None)
            if known is not None and known[:2] == (self.vrf_key, self.key):
                best = known[2]
            else:
                best = Subnet.objects.best_match(self.vrf_key, self.ip_address)
            if best is not None and best.prefix_length > self.subnet.prefix_length:
                self.subnet = best
        self._home = None
        super().save(**kwargs)

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        # clean() checks (VRF, address) uniqueness already, with a message that says where.
        super().validate_constraints(exclude={*(exclude or ()), "key"})


class UsageCount(models.Model):
    """Hosts in a subnet's range, or in one heatmap tile of it; kept by triggers (ipam/usage.py)."""

    subnet = models.ForeignKey(Subnet, on_delete=models.CASCADE, related_name="usage_counts")
    kind = models.PositiveSmallIntegerField()  # usage.WHOLE or usage.TILE
    start_key = models.CharField(max_length=32)
    end_key = models.CharField(max_length=32)
    used = models.IntegerField(default=0)
    alive = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subnet", "kind", "start_key"], name="ipam_usagecount_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subnet_id}/{self.kind}/{self.start_key}: {self.used} used"
