"""What other apps observed about addresses, handed to whoever keeps track of differences.

Backups read routers' ARP tables; discovery's reconciliation decides what a MAC
that differs from the documented one means. ipam imports neither: observers call
`mac_seen()`, and discovery registers its handler here at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from ipam.models import Host

MacHandler: TypeAlias = "Callable[[Host, str, str], object]"
_handlers: list[MacHandler] = []


def on_mac_seen(handler: MacHandler) -> None:
    """Register `handler(host, documented_mac, seen_mac)`, called when they differ."""
    if handler not in _handlers:
        _handlers.append(handler)


def mac_seen(host: Host, mac: str) -> str:
    """A source saw `mac` at `host`: fill an empty MAC, report a different one.

    Returns "set", "same" or "differs".
    """
    from ipam.models import normalise_mac

    mac = normalise_mac(mac)  # stored as the MAC search and index expect it
    if not host.mac:
        type(host).objects.filter(pk=host.pk).update(mac=mac)
        host.mac = mac
        return "set"
    if host.mac == mac:
        return "same"
    for handler in _handlers:
        handler(host, host.mac, mac)
    return "differs"
