"""The top-bar search: what the query is (address, network, MAC, text) and the results per type.

Each group is bounded (SEARCH_LIMIT rows and a link to the full list), and each
group is only searched for users who may see that type.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from ipam import owners
from ipam.addresses import IPNetwork, parse_address, parse_network
from ipam.filters import SubnetFilter, VLANFilter, VRFFilter, host_match
from ipam.models import VLAN, VRF, Host, Subnet, Tag

if TYPE_CHECKING:
    from accounts.models import User

SEARCH_LIMIT = 20


@dataclass
class SearchGroup:
    """One type of result: at most SEARCH_LIMIT items and a link to the full list."""

    title: str
    kind: str
    items: list[Any]
    more_url: str

    @property
    def truncated(self) -> bool:
        return len(self.items) > SEARCH_LIMIT

    @property
    def shown(self) -> list[Any]:
        return self.items[:SEARCH_LIMIT]


def as_network(q: str) -> IPNetwork | None:
    """The query as a network when it is a CIDR or a full address, else None."""
    try:
        if "/" in q:
            return parse_network(q)
        address = parse_address(q)
    except ValidationError:
        return None
    return ipaddress.ip_network(address)


def ipv4_prefix_ranges(text: str) -> list[tuple[int, int]]:
    """Address ranges of every IPv4 address whose text starts with `text` ("10.0.3.1", "10.0.").

    "198.18.1.10" also means 198.18.1.100 to 109: at most three ranges, each one
    indexed range read instead of a LIKE over every row. [] when it is no such prefix.
    """
    parts = text.split(".")
    whole, last = parts[:-1], parts[-1]
    if not 1 <= len(whole) <= 3 or not all(p.isdigit() and int(p) <= 255 for p in whole):
        return []
    if last and (not last.isdigit() or len(last) > 3):
        return []
    base = 0
    for octet in whole:
        base = base * 256 + int(octet)
    shift = 8 * (3 - len(whole))  # bits after the octet being typed
    if not last:
        values = [(0, 255)]
    elif last.startswith("0"):
        values = [(0, 0)] if last == "0" else []
    else:
        p = int(last)
        values = [(p, p), (p * 10, p * 10 + 9), (p * 100, p * 100 + 99)]
    ranges = []
    for lo, hi in values:
        hi = min(hi, 255)
        if lo <= hi:
            ranges.append((((base << 8) + lo) << shift, (((base << 8) + hi + 1) << shift) - 1))
    return ranges


def parse_mac(q: str) -> str:
    """A (partial) MAC in any common spelling, as stored ("00:1a:2b"), or "" when it is not one."""
    lowered = q.lower()
    parts = [p for p in lowered.replace("-", ":").replace(".", ":").split(":") if p]
    hexdigits = set("0123456789abcdef")
    cisco = "." in lowered and all(len(p) == 4 for p in parts)
    pairs = ":" in lowered.replace("-", ":") and all(len(p) <= 2 for p in parts)
    if not parts or not (cisco or pairs) or not all(set(p) <= hexdigits for p in parts):
        return ""
    digits = "".join(p.zfill(2) if pairs else p for p in parts)
    if len(digits) < 4 or len(digits) % 2:
        return ""
    return ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def host_results(user: User, q: str) -> QuerySet[Host]:
    """The hosts `q` finds, as the search shows them: their VRF, tags and owners along."""
    # As the host list and the API: the global table, then each VRF, in address order
    # (198.18.0.100 before .108). The order of the (VRF, family, key) index, so a broad
    # search ("10.", a /16, "a") reads the rows it shows, not every match then a sort
    # (150 ms at 110,000 hosts in address order across VRFs, 4 ms so).
    return (
        Host.objects.filter(host_match(q))
        .order_by("vrf_key", "family", "key")
        .select_related("subnet__vrf")
        .prefetch_related("tags")
        .annotate(**owners.columns(user))
    )


def search(user: User, q: str) -> list[SearchGroup]:
    """Results for `q` grouped by type, each group cut at SEARCH_LIMIT + 1 rows."""
    cut = SEARCH_LIMIT + 1
    network = as_network(q)
    encoded = urlencode({"q": q})
    groups = []
    if user.has_perm("ipam.view_subnet"):
        match = Q(pk__in=SubnetFilter({"q": q}).qs.values("pk")) | Q(tags__name=q)
        if network is not None and "/" in q:
            match |= Q(pk__in=Subnet.objects.within(network).values("pk"))
        subnets = Subnet.objects.filter(match).distinct().for_tree()[:cut]
        url = f"{reverse('ipam:subnet_list')}?{encoded}"
        groups.append(SearchGroup("Subnets", "subnet", list(subnets), url))
    hosts = host_results(user, q)
    url = f"{reverse('ipam:host_list')}?{encoded}"
    found = list(hosts[:cut])
    owners.attach(found, user)
    groups.append(SearchGroup("Hosts", "host", found, url))
    if user.has_perm("ipam.view_vlan"):
        vlans = VLANFilter({"q": q}, queryset=VLAN.objects.all()).qs[:cut]
        url = f"{reverse('ipam:vlan_list')}?{encoded}"
        groups.append(SearchGroup("VLANs", "vlan", list(vlans), url))
    if user.has_perm("ipam.view_vrf"):
        vrfs = VRFFilter({"q": q}, queryset=VRF.objects.all()).qs[:cut]
        url = f"{reverse('ipam:vrf_list')}?{encoded}"
        groups.append(SearchGroup("VRFs", "vrf", list(vrfs), url))
    if user.has_perm("ipam.view_tag"):
        tags = Tag.objects.filter(Q(name__icontains=q) | Q(description__icontains=q))[:cut]
        groups.append(SearchGroup("Tags", "tag", list(tags), reverse("ipam:tag_list")))
    return groups
