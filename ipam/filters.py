"""FilterSets shared by the HTML lists and the API viewsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

import django_filters
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ipam.addresses import parse_network, to_key
from ipam.models import VLAN, VRF, Host, HostOrigin, HostStatus, Site, Subnet, Tag
from ipam.querysets import HostQuerySet
from netkeep.filtering import FilterSet


def _network(value: str) -> Any:
    # A bare address is a /32 or /128 here ("contains 192.0.2.5").
    return parse_network(value, bare_address=True)


class CIDRField(forms.CharField):
    """A network or a single address; invalid input is a form error (400 in the API)."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return None
        return _network(value)


class CIDRFilter(django_filters.CharFilter):
    field_class = CIDRField


@extend_schema_field(OpenApiTypes.STR)
class TagFilter(django_filters.ModelMultipleChoiceFilter):
    """Tag names (repeat the parameter for several: ?tag=a&tag=b matches either)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("field_name", "tags__name")
        kwargs.setdefault("to_field_name", "name")
        kwargs.setdefault("queryset", Tag.objects.all())
        super().__init__(**kwargs)


class VRFFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = VRF
        fields = ["q"]

    def search(self, qs: QuerySet[VRF], name: str, value: str) -> QuerySet[VRF]:
        return qs.filter(
            Q(name__icontains=value) | Q(rd__icontains=value) | Q(description__icontains=value)
        )


class VLANFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    vid = django_filters.NumberFilter()
    tag = TagFilter()

    class Meta:
        model = VLAN
        fields = ["q", "vid", "tag"]

    def search(self, qs: QuerySet[VLAN], name: str, value: str) -> QuerySet[VLAN]:
        cond = Q(name__icontains=value) | Q(description__icontains=value)
        if value.isdigit():
            cond |= Q(vid=int(value))
        return qs.filter(cond)


class SubnetFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    vrf = django_filters.ModelChoiceFilter(queryset=VRF.objects.all(), null_label="Global")
    vlan = django_filters.ModelChoiceFilter(queryset=VLAN.objects.all())
    site = django_filters.ModelChoiceFilter(queryset=Site.objects.all(), null_label="No site")
    family = django_filters.ChoiceFilter(choices=[(4, "IPv4"), (6, "IPv6")])
    tag = TagFilter()
    within = CIDRFilter(method="filter_within", label="Within CIDR")
    contains = CIDRFilter(method="filter_contains", label="Contains CIDR or address")
    scan_enabled = django_filters.BooleanFilter()

    class Meta:
        model = Subnet
        fields = [
            "q",
            "vrf",
            "vlan",
            "site",
            "family",
            "tag",
            "within",
            "contains",
            "scan_enabled",
        ]

    def search(self, qs: QuerySet[Subnet], name: str, value: str) -> QuerySet[Subnet]:
        value = value.strip()
        cond = (
            Q(network__startswith=value)
            | Q(name__icontains=value)
            | Q(description__icontains=value)
        )
        try:
            net = _network(value)
        except ValidationError:
            return qs.filter(cond)
        return qs.filter(cond | Q(pk__in=Subnet.objects.containing(net).values("pk")))

    def filter_within(self, qs: QuerySet[Subnet], name: str, value: Any) -> QuerySet[Subnet]:
        return qs.filter(pk__in=Subnet.objects.within(value).values("pk"))

    def filter_contains(self, qs: QuerySet[Subnet], name: str, value: Any) -> QuerySet[Subnet]:
        return qs.filter(pk__in=Subnet.objects.containing(value).values("pk"))


class AnyVRFKey(Func):
    """`vrf_key` is the global table's (0) or a VRF's id: the VRFs read inside the query.

    As a list read first it was a query of its own before every address search (a
    round trip: 0.5 ms on PostgreSQL). Both databases read the VRFs first and seek
    the index once per key: SQLite's `IN (subquery)` (EXPLAIN: LIST SUBQUERY), and
    PostgreSQL's `= ANY(ARRAY(subquery))`, an array it reads once, as it would a
    list. A plain `IN (subquery)` there became a semi-join that PostgreSQL, with
    few statistics, could plan as a read of every host of the family.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self) -> None:
        super().__init__(F("vrf_key"))

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        column, params = compiler.compile(self.source_expressions[0])
        keys = f"SELECT 0 UNION ALL SELECT id FROM {VRF._meta.db_table}"  # noqa: S608 — no input
        if connection.vendor == "postgresql":
            return f"{column} = ANY(ARRAY({keys}))", list(params)
        return f"{column} IN ({keys})", list(params)


def key_range(family: int, lo: int, hi: int) -> Q:
    """Hosts from address `lo` to `hi` in any VRF, as a seek on the (VRF, family, key) index.

    The index starts with the VRF: without a condition on it, SQLite and PostgreSQL
    read the whole index (every host) to find one address. Naming the few VRFs
    turns that into one short range read per VRF.
    """
    return Q(AnyVRFKey(), family=family, key__gte=to_key(lo), key__lte=to_key(hi))


def host_match(text: str) -> Q:
    """What a search text means for hosts, as one indexed lookup where the text allows.

    A full address or a network is a range on the (VRF, family, key) index; a full
    MAC (any spelling) matches the MAC, and its first bytes match the MAC or a name;
    anything else is a name
    fragment (hostname, PTR name, description: trigram indexes on PostgreSQL, an FTS5
    trigram table on SQLite) or a tag name. No DISTINCT, no OR across every kind.
    """
    from ipam.search import as_network, ipv4_prefix_ranges, parse_mac

    network = as_network(text)
    if network is not None and (network.version == 6 or "/" in text):
        lo, hi = int(network.network_address), int(network.broadcast_address)
        return key_range(network.version, lo, hi)
    ranges = ipv4_prefix_ranges(text)
    if ranges:  # a full or partial IPv4 address: every address whose text starts so
        match = Q()
        for lo, hi in ranges:
            match |= key_range(4, lo, hi)
        return match
    mac = parse_mac(text)
    if len(mac) == 17:
        return Q(mac=mac)
    match = name_match(text)
    # The first bytes of a MAC read like a name too ("db-01", "cafe.0042"): find both.
    return mac_prefix(mac) | match if mac else match


def mac_prefix(prefix: str) -> Q:
    """MACs starting with `prefix` ("aa:bb"), as the MAC index (ipam_host_mac) serves it.

    PostgreSQL's index has the pattern operator class, which serves LIKE 'aa:bb%'.
    SQLite's LIKE ignores case, so no index serves it: a range on the stored text
    does (MACs are stored lowercase, colon-separated: ipam.models.normalise_mac).
    """
    if connection.vendor == "sqlite":
        return Q(mac__gte=prefix, mac__lt=prefix + "\x7f")  # above every character a MAC has
    return Q(mac__startswith=prefix)


TAGGED_LIST = 1000  # a tag's hosts, up to this many, go into a name search as a list
NAME_FIELDS = ("hostname", "ptr_name", "description")  # what a name fragment is sought in


def name_match(text: str) -> Q:
    """Hosts whose name, PTR name or description holds `text`, or that carry a tag so named."""
    from ipam import name_index

    match = Q()
    for field in NAME_FIELDS:
        match |= Q(**{f"{field}__icontains": text})
    # SQLite's trigram table, or PostgreSQL's trigram indexes (ipam/name_index.py).
    narrowed = name_index.narrowed(text)
    if narrowed is None:
        narrowed = name_index.trigram_narrowed(text, NAME_FIELDS)
    if narrowed is not None:
        match = narrowed & match
    # The tag arm only when such a tag exists, and as the list of its hosts when they
    # are few: an `IN (subquery)` in the OR makes PostgreSQL guess half the hosts
    # match and read them all in address order instead of using the trigram indexes
    # (90-200 ms instead of 2-5 ms at 110,000 hosts). A list it counts. The hosts are
    # read in the one query the tag's id was.
    links = Host.tags.through.objects.filter(tag__name=text)
    tagged = list(links.values_list("host_id", flat=True)[: TAGGED_LIST + 1])
    if len(tagged) > TAGGED_LIST:  # many: reading in address order is right
        match |= Q(pk__in=links.values("host_id"))
    elif tagged:
        match |= Q(pk__in=tagged)
    return match


SERVICE_RE = re.compile(
    r"^(?:(?P<port>\d{1,5})(?:/(?P<rest>[a-z0-9][a-z0-9._+-]*))?|(?P<name>[a-z][a-z0-9._+-]*))$"
)
SERVICE_HELP = "a port (22), port/protocol (22/tcp), port/service (22/ssh) or a service name (ssh)"


@dataclass(frozen=True)
class Service:
    """An open-service filter: a port, a protocol and a service name, each optional."""

    port: int | None = None
    protocol: str = ""
    name: str = ""

    def match(self) -> Q:
        """The condition on discovery's open-port rows that this service stands for."""
        match = Q(current=True)
        if self.port is not None:
            match &= Q(port=self.port)
        if self.protocol:
            match &= Q(protocol=self.protocol)
        if self.name:
            match &= Q(service__iexact=self.name)
        return match


def parse_service(text: str) -> Service:
    """ "22", "22/tcp", "22/ssh" or "ssh" as a Service; anything else is a ValidationError."""
    found = SERVICE_RE.match(text.strip().lower())
    if not found:
        raise ValidationError(
            "“%(value)s” is not a service: use " + SERVICE_HELP + ".",
            code="invalid",
            params={"value": text},
        )
    if found["name"]:
        return Service(name=found["name"])
    port = int(found["port"])
    if not 1 <= port <= 65535:
        raise ValidationError(
            "Port %(port)s is out of range: use 1–65535.", code="invalid", params={"port": port}
        )
    rest = found["rest"] or ""
    if rest in ("tcp", "udp"):
        return Service(port=port, protocol=rest)
    return Service(port=port, name=rest)


class ServiceField(forms.CharField):
    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return parse_service(value) if value else None


class ServiceFilter(django_filters.CharFilter):
    field_class = ServiceField


class HostFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    subnet = django_filters.ModelChoiceFilter(queryset=Subnet.objects.all())
    site = django_filters.ModelChoiceFilter(
        field_name="subnet__site", queryset=Site.objects.all(), label="Site"
    )
    service = ServiceFilter(
        method="filter_service",
        label="Open service",
        help_text=SERVICE_HELP,
        widget=forms.TextInput(attrs={"placeholder": "22/ssh", "size": 8, "spellcheck": "false"}),
    )
    first_seen_after = django_filters.IsoDateTimeFilter(
        field_name="first_seen", lookup_expr="gte", label="First seen since"
    )
    # Hosts carry their VRF as `vrf_key`: filtering on it keeps to the host table's index.
    vrf = django_filters.ModelChoiceFilter(
        queryset=VRF.objects.all(), method="filter_vrf", null_label="Global", label="VRF"
    )
    vlan = django_filters.ModelChoiceFilter(
        field_name="subnet__vlan", queryset=VLAN.objects.all(), label="VLAN"
    )
    # Ticks in a row, not a tall multi-select: three states fit beside the other filters.
    status = django_filters.MultipleChoiceFilter(
        choices=HostStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    origin = django_filters.ChoiceFilter(choices=HostOrigin.choices)
    family = django_filters.ChoiceFilter(choices=[(4, "IPv4"), (6, "IPv6")])
    tag = TagFilter()
    within = CIDRFilter(method="filter_within", label="Within CIDR")
    within_subnet = django_filters.ModelChoiceFilter(
        queryset=Subnet.objects.all(),
        method="filter_within_subnet",
        label="Inside subnet (its child subnets too)",
    )
    mac = django_filters.CharFilter(field_name="mac", lookup_expr="icontains")

    class Meta:
        model = Host
        fields = [
            "q",
            "subnet",
            "vrf",
            "vlan",
            "status",
            "origin",
            "family",
            "tag",
            "within",
            "within_subnet",
            "mac",
            "site",
            "service",
            "first_seen_after",
        ]

    def search(self, qs: QuerySet[Host], name: str, value: str) -> QuerySet[Host]:
        return qs.filter(host_match(value.strip()))

    def filter_vrf(self, qs: QuerySet[Host], name: str, value: VRF | str) -> QuerySet[Host]:
        # "Global" arrives as the null choice: the global table's key is 0.
        return qs.filter(vrf_key=value.pk if isinstance(value, VRF) else 0)

    def filter_within(self, qs: QuerySet[Host], name: str, value: Any) -> QuerySet[Host]:
        # A range on the (VRF, family, key) index, not a subquery over every host.
        return cast(HostQuerySet, qs).in_network(value)

    def filter_service(self, qs: QuerySet[Host], name: str, value: Service) -> QuerySet[Host]:
        # Open ports are discovery's rows: reached by the relation's name, so ipam
        # imports nothing from discovery.
        ports = apps.get_model("discovery", "OpenPort").objects.filter(value.match())
        return qs.filter(Exists(ports.filter(host=OuterRef("pk"))))

    def filter_within_subnet(self, qs: QuerySet[Host], name: str, value: Subnet) -> QuerySet[Host]:
        # The hosts the subnet page counts as used: its range in its VRF, children included.
        return cast(HostQuerySet, qs).in_network(value.ip_network, vrf_key=value.vrf_key)


# The host filters the dashboard carries to lists of things about hosts.
HOST_SCOPE = ("site", "within_subnet", "tag", "service")


def host_scope(params: QueryDict) -> HostFilter | None:
    """The dashboard's host filters found in `params` as a HostFilter, or None when there are none.

    Lists of things that belong to hosts (reconciliation items) narrow themselves
    with `host__in=scope.qs`, so they count exactly what the dashboard counted.
    """
    data = QueryDict(mutable=True)
    for name in HOST_SCOPE:
        values = [v for v in params.getlist(name) if v]
        if values:
            data.setlist(name, values)
    return HostFilter(data, queryset=Host.objects.all()) if data else None
