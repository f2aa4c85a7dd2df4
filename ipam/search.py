"""The top-bar search: what the query is (address, network, MAC, text) and the results per type.

Each group is bounded (SEARCH_LIMIT rows and a link to the full list), and each
group is only searched for users who may see that type.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from ipam import owners
from ipam.addresses import IPNetwork, parse_address, parse_network
from ipam.filters import HostFilter, SubnetFilter, VLANFilter, VRFFilter
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
    hosts = Host.objects.filter(pk__in=HostFilter({"q": q}).qs.values("pk"))
    if network is not None:
        hosts = hosts | Host.objects.in_network(network)
    mac = parse_mac(q)
    if mac:
        hosts = hosts | Host.objects.filter(mac__contains=mac)
    hosts = hosts.select_related("subnet__vrf").prefetch_related("tags").distinct()
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
