"""What Netkeep may scan: parse targets strictly and check them against the allowlist.

Pure functions with no ORM access, so the UI, the API, the commands and the
tasks all refuse the same targets with the same words. Parsing is
ipam.addresses' (one parser for every door), wrapped to raise ScopeError.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from django.core.exceptions import ValidationError

from ipam import addresses

Network = addresses.IPNetwork
Address = addresses.IPAddress

# Where an administrator widens the scope, in the words of the page's own tab
# (pages link these words: see discovery/templatetags/discovery_ui.py).
ALLOWLIST_PAGE = "Discovery → Allowlist"
EMPTY_ALLOWLIST_HINT = (
    "the allowlist is empty, and nothing is scanned until it has a network:"
    f" an administrator adds one under {ALLOWLIST_PAGE} or in SCAN_ALLOWED_NETWORKS"
)

# Ranges that are never scanned, whatever the allowlist says. Checked by overlap,
# so a larger network that merely contains one of them is refused as well.
_FORBIDDEN: tuple[tuple[Network, str], ...] = (
    (IPv4Network("0.0.0.0/8"), "is the unspecified ('this network') range 0.0.0.0/8"),
    (IPv4Network("127.0.0.0/8"), "is loopback (127.0.0.0/8)"),
    (IPv4Network("169.254.0.0/16"), "is link-local (169.254.0.0/16)"),
    (IPv4Network("224.0.0.0/4"), "is multicast (224.0.0.0/4)"),
    (IPv4Network("240.0.0.0/4"), "is reserved or broadcast (240.0.0.0/4)"),
    (IPv6Network("::/128"), "is the unspecified address ::"),
    (IPv6Network("::1/128"), "is loopback (::1)"),
    (IPv6Network("fe80::/10"), "is link-local (fe80::/10)"),
    (IPv6Network("ff00::/8"), "is multicast (ff00::/8)"),
    (IPv6Network("::ffff:0:0/96"), "is an IPv4-mapped range (::ffff:0:0/96): scan the IPv4 form"),
)
_LOOPBACK = (IPv4Network("127.0.0.0/8"), IPv6Network("::1/128"))


class ScopeError(ValueError):
    """A target that may not be scanned, with a message that says why and what to do."""


def parse_network(text: str) -> Network:
    """A scan target: "198.18.0.0/24", or a bare address meaning that one host.

    ipam.addresses parses it, so a target gets the same words as the same text
    in a subnet form or a CSV file; they arrive here as a ScopeError.
    """
    try:
        return addresses.parse_network(text, bare_address=True)
    except ValidationError as error:
        raise ScopeError(" ".join(error.messages)) from None


def parse_address(text: str) -> Address:
    """A single address to scan or ask (a /32 or /128 suffix is accepted), as a ScopeError."""
    try:
        return addresses.parse_address(text)
    except ValidationError as error:
        raise ScopeError(" ".join(error.messages)) from None


def parse_allowlist(values: Iterable[str]) -> list[Network]:
    """Parse the SCAN_ALLOWED_NETWORKS setting (or the settings page's list)."""
    return [parse_network(value) for value in values]


def _as_network(target: Network | Address) -> Network:
    if isinstance(target, IPv4Address | IPv6Address):
        return ipaddress.ip_network(target)
    if isinstance(target, IPv4Network | IPv6Network):
        return target
    raise TypeError(
        f"scan targets must be ipaddress objects, not {type(target).__name__}: "
        "parse text with parse_network() first"
    )


def _subnet_of(network: Network, other: Network) -> bool:
    """Whether `network` lies inside `other` (never, across families)."""
    if isinstance(network, IPv4Network) and isinstance(other, IPv4Network):
        return network.subnet_of(other)
    if isinstance(network, IPv6Network) and isinstance(other, IPv6Network):
        return network.subnet_of(other)
    return False


def check_scope(
    target: Network | Address,
    allowed: Sequence[Network],
    *,
    max_ipv4_prefix: int = 16,
    max_ipv6_sweep_prefix: int = 120,
    loopback_ok: bool = False,
) -> None:
    """Raise ScopeError unless ``target`` may be swept or scanned.

    ``max_ipv4_prefix`` is the largest IPv4 network accepted (a /16 by default);
    ``max_ipv6_sweep_prefix`` the largest IPv6 one, so an IPv6 /64 is never swept.
    ``loopback_ok`` exists for tests that ping 127.0.0.1 and nothing else.
    """
    network = _as_network(target)
    for forbidden, why in _FORBIDDEN:
        if loopback_ok and forbidden in _LOOPBACK:
            continue
        if network.version == forbidden.version and network.overlaps(forbidden):
            raise ScopeError(f"{network} {why}: it is never scanned")
    if network.version == 4 and network.prefixlen < max_ipv4_prefix:
        raise ScopeError(
            f"{network} is larger than the largest IPv4 range allowed (/{max_ipv4_prefix}):"
            f" split it into /{max_ipv4_prefix} networks or smaller"
        )
    if network.version == 6 and network.prefixlen < max_ipv6_sweep_prefix:
        raise ScopeError(
            f"{network} is too large to sweep: IPv6 ranges up to /{max_ipv6_sweep_prefix}"
            " are swept (an IPv6 /64 never is); check known IPv6 hosts instead"
        )
    if loopback_ok and any(_subnet_of(network, lo) for lo in _LOOPBACK):
        return
    if not allowed:
        raise ScopeError(f"{network} may not be scanned: {EMPTY_ALLOWLIST_HINT}")
    for permitted in allowed:
        if _subnet_of(network, permitted):
            return
    listed = ", ".join(str(n) for n in allowed)
    raise ScopeError(
        f"{network} is outside the networks allowed for scanning ({listed}):"
        f" an administrator can add it under {ALLOWLIST_PAGE} or in SCAN_ALLOWED_NETWORKS"
    )


def sweep_addresses(network: Network) -> Iterator[Address]:
    """The addresses a sweep of ``network`` pings: its hosts, without network/broadcast."""
    if network.prefixlen == network.max_prefixlen:
        yield network.network_address
        return
    yield from network.hosts()
