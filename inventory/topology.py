"""The topology page: one card per network (a VLAN, or a plain LAN), its devices inside.

A device's networks come from its interfaces (the interface's VLAN, else its
address's subnet's VLAN, else that subnet as a plain LAN) and its management
address. Plain LANs come first, then VLANs by id. A device's LLDP/CDP links show in
each of its cards. Three queries, whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inventory.models import Device, Interface, InterfaceLink
from ipam.models import VLAN, Host, Subnet


@dataclass
class Member:
    """One device in one network card, with the interfaces it has there."""

    device: Device
    interfaces: list[Interface] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    status: str = "unknown"
    upstream: bool = False
    seen: list[str] = field(default_factory=list)
    elsewhere: list[Card] = field(default_factory=list)
    links: list[InterfaceLink] = field(default_factory=list)


@dataclass
class Card:
    """A network: a VLAN, or a plain LAN (a VLAN without id, or a subnet without a VLAN)."""

    key: str
    title: str
    subtitle: str
    vid: int | None
    colour: str = ""
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return f"net-{self.key}"

    @property
    def devices(self) -> list[Member]:
        return sorted(self.members.values(), key=lambda m: (not m.device.is_gateway, m.device.name))


def _card_for(vlan: VLAN | None, subnet: Subnet | None, cards: dict[str, Card]) -> Card | None:
    if vlan is not None:
        key = f"v{vlan.pk}"
        if key not in cards:
            title = f"VLAN {vlan.vid}" if vlan.vid is not None else "Plain LAN"
            cards[key] = Card(key, title, vlan.name, vlan.vid, vlan.colour)
        return cards[key]
    if subnet is not None:
        key = f"s{subnet.pk}"
        if key not in cards:
            cards[key] = Card(key, "Plain LAN", f"{subnet.network} {subnet.name}".strip(), None)
        return cards[key]
    return None


def _status(member: Member) -> str:
    """Unavailable (a service check fails), down, up or unknown, from discovery and checks."""
    if member.device.unavailable_reason:
        return "unavailable"
    if "down" in member.seen:
        return "down"
    return "up" if "up" in member.seen else "unknown"


def _host_status(host: Host | None) -> str:
    return host.status if host is not None and host.status in ("up", "down") else "unknown"


def build() -> list[Card]:
    """Every network card with its members, plain LANs first, then VLANs by id."""
    cards: dict[str, Card] = {}
    interfaces = Interface.objects.select_related("device", "vlan", "host__subnet__vlan").order_by(
        "device__name", "name"
    )
    for iface in interfaces:
        subnet = iface.host.subnet if iface.host else None
        vlan = iface.vlan or (subnet.vlan if subnet else None)
        card = _card_for(vlan, subnet, cards)
        if card is None:
            continue
        member = card.members.setdefault(iface.device_id, Member(iface.device))
        member.interfaces.append(iface)
        if iface.host:
            member.addresses.append(iface.host.address)
            member.seen.append(_host_status(iface.host))
        member.upstream = member.upstream or iface.is_upstream
    managed = Device.objects.filter(management_host__isnull=False).select_related(
        "management_host__subnet__vlan"
    )
    for device in managed:
        host = device.management_host
        assert host is not None
        card = _card_for(host.subnet.vlan, host.subnet, cards)
        if card is None:
            continue
        member = card.members.setdefault(device.pk, Member(device))
        if host.address not in member.addresses:
            member.addresses.insert(0, host.address)
            member.seen.append(_host_status(host))
    ordered = sorted(cards.values(), key=lambda c: (c.vid is not None, c.vid or 0, c.subtitle))
    # Cables (LLDP/CDP) are physical: each card shows all of a member's links.
    links: dict[int, list[InterfaceLink]] = {}
    for link in InterfaceLink.objects.select_related("interface", "remote_device").order_by(
        "interface__name", "remote_name"
    ):
        links.setdefault(link.interface.device_id, []).append(link)
    where: dict[int, list[Card]] = {}
    for card in ordered:
        for pk, member in card.members.items():
            member.status = _status(member)
            member.links = links.get(pk, [])
            where.setdefault(pk, []).append(card)
    for card in ordered:
        for pk, member in card.members.items():
            member.elsewhere = [c for c in where[pk] if c is not card]
    return ordered
