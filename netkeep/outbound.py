"""Outbound scope: connection tests, service checks and backups ask here before any packet.

A name is resolved first and every address it resolves to is checked; the
caller then connects to the checked address, never to the name again (so a
second DNS answer cannot point it elsewhere). Loopback, link-local, multicast
and cloud metadata addresses are refused whatever the allowlist says. The
allowlist itself belongs to discovery, which registers its check here at
start-up: netkeep imports no app, and with no check registered nothing is allowed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address
from typing import Any

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


def _no_answer(name: str, why: str = "") -> Unresolvable:
    detail = f" ({why})" if why else ""
    return Unresolvable(f"{name} does not resolve{detail}: check the name or use an address")


def _servers() -> list[str]:
    from django.conf import settings

    return list(getattr(settings, "NETKEEP_DNS_SERVERS", []))


def _resolver(servers: list[str], timeout: float, asynchronous: bool = False) -> Any:
    import dns.asyncresolver
    import dns.resolver

    kind = dns.asyncresolver.Resolver if asynchronous else dns.resolver.Resolver
    resolver = kind(configure=False)
    resolver.nameservers = servers
    resolver.lifetime = timeout
    return resolver


def _records(name: str, servers: list[str], answers: list[Any]) -> list[Address]:
    """The addresses in the A and AAAA answers (or the exceptions raised instead of them)."""
    import dns.exception
    import dns.resolver

    found: list[Address] = []
    why = "no A or AAAA record"
    for answer in answers:
        if isinstance(answer, dns.resolver.NXDOMAIN):
            raise _no_answer(name, f"no such name at {', '.join(servers)}")
        if isinstance(answer, dns.exception.Timeout):
            why = f"no answer from {', '.join(servers)}"
        elif isinstance(answer, dns.exception.DNSException):
            continue
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found += [ipaddress.ip_address(r.address) for r in answer]
    if not found:
        raise _no_answer(name, why)
    return found


def _literal(name: str) -> tuple[str, list[Address]]:
    text = name.strip().strip("[]")
    try:
        return text, [ipaddress.ip_address(text)]
    except ValueError:
        return text, []


def _from_infos(infos: list[Any], name: str) -> list[Address]:
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise _no_answer(name)
    return found


def resolve(name: str, port: int = 0, timeout: float = 5.0) -> list[Address]:
    """Every address a name (or literal address) stands for; Unresolvable when it has none.

    Names go to NETKEEP_DNS_SERVERS when set, otherwise to the system resolver.
    """
    text, literal = _literal(name)
    if literal:
        return literal
    servers = _servers()
    if servers:
        resolver = _resolver(servers, timeout)
        answers: list[Any] = []
        for record in ("A", "AAAA"):
            try:
                answers.append(resolver.resolve(text, record))
            except Exception as error:  # sorted out by _records()
                answers.append(error)
        return _records(text, servers, answers)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        infos = socket.getaddrinfo(text, port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise _no_answer(text, str(error)) from None
    finally:
        socket.setdefaulttimeout(previous)
    return _from_infos(infos, text)


async def resolve_async(name: str, timeout: float = 5.0) -> list[Address]:
    """resolve() for an event loop (the service-check engine resolves names concurrently)."""
    text, literal = _literal(name)
    if literal:
        return literal
    servers = _servers()
    if servers:
        resolver = _resolver(servers, timeout, asynchronous=True)
        answers = await asyncio.gather(
            *(resolver.resolve(text, record) for record in ("A", "AAAA")), return_exceptions=True
        )
        return _records(text, servers, list(answers))
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(text, None, proto=socket.IPPROTO_TCP), timeout
        )
    except (OSError, TimeoutError, UnicodeError) as error:
        raise _no_answer(text, str(error) or "timeout") from None
    return _from_infos(infos, text)


def check_target(name: str, port: int = 0) -> Address:
    """Resolve a name and check every address; returns the first, to connect to."""
    addresses = resolve(name, port)
    for address in addresses:
        check_address(address)
    return addresses[0]
