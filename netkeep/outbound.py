"""Outbound scope: connection tests, service checks and backups ask here before any packet.

A name is resolved first and every address it resolves to is checked; the
caller then connects to the checked address, never to the name again (so a
second DNS answer cannot point it elsewhere). Loopback, link-local, multicast
and cloud metadata addresses are refused whatever the allowlist says. The
allowlist itself belongs to discovery, which registers its check here at
start-up: netkeep imports no app, and with no check registered nothing is allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address

Address = IPv4Address | IPv6Address


class OutOfScope(ValueError):
    """A destination Netkeep may not contact, with the reason and what to do."""


class Unresolvable(OutOfScope):
    """A name that does not resolve."""


_METADATA = {
    IPv4Address("169.254.169.254"): "a cloud metadata address",
    IPv4Address("100.100.100.200"): "a cloud metadata address",
    IPv6Address("fd00:ec2::254"): "a cloud metadata address",
}
_checks: list[Callable[[Address], None]] = []


def register(check: Callable[[Address], None]) -> None:
    """Add an allowlist check: it raises ValueError (with what to do) for a refused address."""
    if check not in _checks:
        _checks.append(check)


def refusal(address: Address) -> str:
    """Why this address may not be contacted, or "" when it may."""
    if address in _METADATA:
        return f"{address} is {_METADATA[address]}: it is never contacted"
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    for test, words in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "the unspecified address"),
    ):
        if getattr(address, test):
            return f"{address} is {words}: it is never contacted"
    if not _checks:
        return f"{address} may not be contacted: no scan allowlist is installed"
    for check in _checks:
        try:
            check(address)
        except ValueError as error:
            empty = "empty" in str(error)
            return (
                f"{address} is outside the scan allowlist{' (it is empty)' if empty else ''}: "
                f"add {address} (or a network that contains it) under Discovery › Scan scope "
                "or in SCAN_ALLOWED_NETWORKS."
            )
    return ""


def check_address(address: Address) -> Address:
    """The address, or OutOfScope saying why it may not be contacted."""
    why = refusal(address)
    if why:
        raise OutOfScope(why)
    return address


def resolve(name: str, port: int = 0, timeout: float = 5.0) -> list[Address]:
    """Every address a name (or literal address) stands for; Unresolvable when it has none."""
    text = name.strip().strip("[]")
    try:
        return [ipaddress.ip_address(text)]
    except ValueError:
        pass
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        infos = socket.getaddrinfo(text, port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise Unresolvable(
            f"{text} does not resolve ({error}): check the name or use an address"
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise Unresolvable(f"{text} does not resolve: check the name or use an address")
    return found


def check_target(name: str, port: int = 0) -> Address:
    """Resolve a name and check every address; returns the first, to connect to."""
    addresses = resolve(name, port)
    for address in addresses:
        check_address(address)
    return addresses[0]
