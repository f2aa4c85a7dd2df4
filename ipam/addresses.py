"""Addresses and networks: the one strict parser, and fixed-width sortable keys.

Every address and network boundary is stored as a 32-character lower-case hex
string of its integer value (IPv4 and IPv6 alike, the family kept beside it).
Fixed-width hex compares and sorts the same on SQLite and PostgreSQL, so range
queries ("every host between these two keys") are plain indexed comparisons.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from django.core.exceptions import ValidationError

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

KEY_WIDTH = 32
# Only whole decimal octets: "001a.2b3c" (a MAC) has no octet to fix, and hinting it looped.
_LEADING_ZERO = re.compile(r"(^|\.)0\d+(?=\.|$)")


def to_key(value: int) -> str:
    return format(value, "032x")


def from_key(key: str, family: int) -> IPAddress:
    value = int(key, 16)
    return IPv4Address(value) if family == 4 else IPv6Address(value)


def address_key(address: IPAddress) -> str:
    return to_key(int(address))


def _invalid(message: str) -> ValidationError:
    # The text goes in as a parameter: a message may hold a "%" (an IPv6 zone index),
    # and some consumers (django-filter) apply a ValidationError's params to its message.
    return ValidationError("%(problem)s", code="invalid", params={"problem": message})


def _text(value: object, what: str) -> str:
    """The text with surrounding whitespace dropped; whitespace inside is refused."""
    raw = (value if isinstance(value, str) else str(value)).strip()
    if any(ch.isspace() for ch in raw):
        raise _invalid(f"“{raw}” has spaces in it: write the {what} without spaces.")
    return raw


def parse_network(text: str, *, bare_address: bool = False) -> IPNetwork:
    """A network from user text, strictly: says exactly what to fix when it is wrong.

    The one parser for networks at every door (forms, API, CSV, commands, query
    strings, scan targets), so the same text gets the same words everywhere.
    Surrounding whitespace is dropped. With `bare_address`, an address without a
    prefix length means that one address (/32 or /128), as in scan targets.
    """
    raw = _text(text, "network")
    if not raw:
        raise _invalid("Enter a network such as 192.0.2.0/24 or 2001:db8::/48.")
    if "/" not in raw:
        if bare_address:
            address = parse_address(raw)
            return ipaddress.ip_network(address)
        raise _invalid(
            f"{raw} has no prefix length: write it as a network such as {raw}/24 "
            "(or /32 for a single IPv4 address, /128 for IPv6)."
        )
    addr_text, _, prefix_text = raw.partition("/")
    _refuse_zone(raw, addr_text)
    if ":" not in addr_text and _LEADING_ZERO.search(addr_text):
        fixed = f"{_strip_zeros(addr_text)}/{prefix_text}"
        raise _invalid(_leading_zero(raw, "an octet", fixed, parse_network))
    if len(prefix_text) > 1 and prefix_text.startswith("0") and prefix_text.isdigit():
        fixed = f"{addr_text}/{int(prefix_text)}"
        raise _invalid(_leading_zero(raw, "the prefix length", fixed, parse_network))
    try:
        address = ipaddress.ip_address(addr_text)
    except ValueError:
        raise _invalid(f"{addr_text} is not an IPv4 or IPv6 address.") from None
    max_len = 32 if address.version == 4 else 128
    if not prefix_text.isdigit() or not 0 <= int(prefix_text) <= max_len:
        raise _invalid(
            f"{raw} is not a network: the prefix length must be 0–{max_len} "
            f"for IPv{address.version}."
        )
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        prefix = int(prefix_text)
        hint = (
            f"enter the IPv4 network {address.ipv4_mapped}/{prefix - 96} instead"
            if prefix >= 96
            else "enter the IPv4 network with an IPv4 prefix instead"
        )
        raise _invalid(f"{raw} is an IPv4-mapped IPv6 network: {hint}.")
    try:
        return ipaddress.ip_network(raw, strict=True)
    except ValueError:
        network = ipaddress.ip_network(raw, strict=False)
        raise _invalid(
            f"{raw} has host bits set: the network is {network} (or use a longer prefix)."
        ) from None


def parse_address(text: str) -> IPAddress:
    """An address from user text, strictly; a /32 or /128 suffix is accepted.

    The one parser for addresses at every door; surrounding whitespace is dropped.
    """
    raw = _text(text, "address")
    if not raw:
        raise _invalid("Enter an address such as 192.0.2.10 or 2001:db8::10.")
    core, slash, prefix = raw.partition("/")
    _refuse_zone(raw, core)
    if slash and prefix != ("128" if ":" in core else "32"):
        raise _invalid(
            f"{raw} is a network, not an address: enter a single address such as {core}."
        )
    if ":" not in core and _LEADING_ZERO.search(core):
        raise _invalid(_leading_zero(raw, "an octet", _strip_zeros(core), parse_address))
    try:
        address = ipaddress.ip_address(core)
    except ValueError:
        raise _invalid(f"{raw} is not an IPv4 or IPv6 address.") from None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        raise _invalid(
            f"{raw} is an IPv4-mapped IPv6 address: enter {address.ipv4_mapped} instead."
        )
    return address


def _leading_zero(raw: str, where: str, fixed: str, parse: Callable[[str], object]) -> str:
    """The words for a leading zero: the fixed text, or what is wrong with it in turn.

    A hint must never be refused itself: "192.0.2.01/24" is not told to write
    192.0.2.1/24, which has host bits set, but is told that too.
    """
    try:
        parse(fixed)
    except ValidationError as error:
        return f"{raw} has a leading zero in {where}, and {' '.join(error.messages)}"
    return f"{raw} has a leading zero in {where}: write {fixed}."


def _refuse_zone(raw: str, address_text: str) -> None:
    if "%" in address_text:
        zone = address_text[address_text.index("%") :]
        raise _invalid(
            f"{raw} has a zone index ({zone}): leave it out, addresses are stored without one."
        )


def _strip_zeros(text: str) -> str:
    return ".".join(str(int(p)) if p.isdigit() else p for p in text.split("."))


def usable_bounds(network: IPNetwork) -> tuple[int, int]:
    """First and last assignable address as integers.

    IPv4: the network and broadcast addresses are not assignable, except in
    /31 point-to-point links (RFC 3021) and /32 single addresses.
    IPv6: the subnet-router anycast address (the network address) is kept
    back, except in /127 links (RFC 6164) and /128 single addresses.
    """
    first, last = int(network.network_address), int(network.broadcast_address)
    if network.version == 4:
        if network.prefixlen <= 30:
            return first + 1, last - 1
        return first, last
    if network.prefixlen <= 126:
        return first + 1, last
    return first, last


def usable_count(network: IPNetwork) -> int:
    first, last = usable_bounds(network)
    return max(0, last - first + 1)
