"""DNS behind one module: PTR lookups (many at once) and forward confirmation.

dnspython's async resolver runs up to ``concurrency`` queries together, so a few
hundred PTRs take a fraction of a second. One address's failure (NXDOMAIN, no
answer, timeout, a broken server) gives None for that address and never raises;
``resolve_ptr_outcomes`` also says which of those it was (a resolver that never
answered is not the same as a network without PTR records).
Answers are kept in a small module-level cache bounded in size and by the
record's TTL. Plain values in, plain values out, no ORM.

Pass ``nameservers`` (a subnet's resolver) to ask exactly those servers with no
system configuration; without it the system resolver settings are used.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
import time
from collections import OrderedDict
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver
import dns.reversename

CACHE_SIZE = 10_000
MAX_TTL_S = 3600  # never trust a cached name longer than an hour
NEGATIVE_TTL_S = 60  # how long "no PTR" is remembered

# How one lookup ended. ANSWER and NXDOMAIN are answers (NXDOMAIN, or a name
# without a PTR record, says "no name here"); the others mean nobody answered.
ANSWER = "answer"
NXDOMAIN = "nxdomain"
TIMEOUT = "timeout"
REFUSED = "refused"
UNREACHABLE = "unreachable"
ERROR = "error"
OUTCOMES = (ANSWER, NXDOMAIN, TIMEOUT, REFUSED, UNREACHABLE, ERROR)
ANSWERED = (ANSWER, NXDOMAIN)


@dataclass(frozen=True)
class PtrResult:
    """The PTR name of one address (or None) and how its lookup ended (one of OUTCOMES)."""

    name: str | None
    outcome: str

    @property
    def answered(self) -> bool:
        return self.outcome in ANSWERED


def _failure(error: BaseException) -> str:
    """TIMEOUT, REFUSED, UNREACHABLE or ERROR for an exception from a lookup."""
    if isinstance(error, dns.exception.Timeout):
        return TIMEOUT
    if isinstance(error, OSError):
        return UNREACHABLE
    if isinstance(error, dns.resolver.NoNameservers):
        # Each server's error: an exception (I/O) or the rcode's text (an answer we
        # could not use). An unreachable server shows as OSError (no route, port
        # unreachable); REFUSED is the server saying no.
        problems = [entry[3] for entry in error.kwargs.get("errors") or [] if len(entry) > 3]
        if problems and all(isinstance(p, OSError) for p in problems):
            return UNREACHABLE
        if any(str(p) == "REFUSED" for p in problems):
            return REFUSED
        if any(isinstance(p, dns.exception.Timeout) for p in problems):
            return TIMEOUT
    return ERROR


_T = TypeVar("_T")
_cache: OrderedDict[tuple[tuple[str, ...] | None, str], tuple[float, str | None]] = OrderedDict()
_cache_lock = threading.Lock()


def _now() -> float:
    """The cache's clock (a seam for tests; asyncio keeps using the real one)."""
    return time.monotonic()


def clear_cache() -> None:
    """Forget every cached answer (tests, or after changing a subnet's resolver)."""
    with _cache_lock:
        _cache.clear()


def _cache_get(key: tuple[tuple[str, ...] | None, str]) -> tuple[bool, str | None]:
    with _cache_lock:
        entry = _cache.get(key)
        if entry is None:
            return False, None
        expires, value = entry
        if expires < _now():
            del _cache[key]
            return False, None
        _cache.move_to_end(key)
        return True, value


def _cache_put(key: tuple[tuple[str, ...] | None, str], value: str | None, ttl: float) -> None:
    with _cache_lock:
        _cache[key] = (_now() + ttl, value)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _servers_key(nameservers: Sequence[str] | None) -> tuple[str, ...] | None:
    if nameservers is None:
        return None
    if isinstance(nameservers, str):
        raise TypeError("nameservers must be a list of addresses, not one string")
    servers: list[str] = []
    for server in nameservers:
        try:
            servers.append(str(ipaddress.ip_address(server)))
        except ValueError:
            raise ValueError(
                f"{server!r} is not a DNS server address: give IP addresses such as 192.0.2.53"
            ) from None
    if not servers:
        raise ValueError("give at least one DNS server, or None for the system resolver")
    return tuple(servers)


def _resolver(servers: tuple[str, ...] | None, timeout: float) -> dns.asyncresolver.Resolver:
    if servers is None:
        resolver = dns.asyncresolver.Resolver()
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = list(servers)
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


def _name_text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True)


async def resolve_ptr_outcomes(
    addresses: Sequence[str],
    *,
    nameservers: Sequence[str] | None = None,
    timeout: float = 2.0,
    concurrency: int = 256,
) -> dict[str, PtrResult]:
    """The PTR name of each address and how its lookup ended.

    Keys are the addresses as given; an address that is not an IP address is an
    ERROR. ``timeout`` bounds each lookup, ``concurrency`` how many run at once.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    servers = _servers_key(nameservers)
    resolver = _resolver(servers, timeout)
    limit = asyncio.Semaphore(concurrency)
    results: dict[str, PtrResult] = {}

    async def one(given: str) -> None:
        try:
            address = str(ipaddress.ip_address(given))
        except ValueError:
            results[given] = PtrResult(None, ERROR)
            return
        key = (servers, address)
        hit, cached = _cache_get(key)
        if hit:
            results[given] = PtrResult(cached, ANSWER if cached else NXDOMAIN)
            return
        async with limit:
            try:
                answer = await resolver.resolve(dns.reversename.from_address(address), "PTR")
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                _cache_put(key, None, NEGATIVE_TTL_S)
                results[given] = PtrResult(None, NXDOMAIN)
                return
            except (dns.exception.DNSException, OSError) as error:
                # Timeouts and broken servers are not cached: the next pass retries.
                results[given] = PtrResult(None, _failure(error))
                return
        names = sorted(_name_text(rdata.target) for rdata in answer)
        name = names[0] if names else None
        ttl = answer.rrset.ttl if answer.rrset is not None else NEGATIVE_TTL_S
        _cache_put(key, name, max(1, min(ttl, MAX_TTL_S)))
        results[given] = PtrResult(name, ANSWER if name else NXDOMAIN)

    await asyncio.gather(*(one(a) for a in dict.fromkeys(addresses)))
    return {a: results[a] for a in addresses}


async def resolve_ptrs(
    addresses: Sequence[str],
    *,
    nameservers: Sequence[str] | None = None,
    timeout: float = 2.0,
    concurrency: int = 256,
) -> dict[str, str | None]:
    """The PTR name of each address (None when there is none or the lookup failed)."""
    outcomes = await resolve_ptr_outcomes(
        addresses, nameservers=nameservers, timeout=timeout, concurrency=concurrency
    )
    return {a: result.name for a, result in outcomes.items()}


def _run_sync(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine from sync code, even when this thread already runs an event loop.

    The helper thread is started from this thread, so it inherits this thread's
    network namespace (which matters in the lab).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    values: list[_T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            values.append(asyncio.run(coroutine))
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=target, name="netkeep-dns")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return values[0]


def ptr_lookup(
    addresses: Sequence[str],
    *,
    nameservers: Sequence[str] | None = None,
    timeout: float = 2.0,
    concurrency: int = 256,
) -> dict[str, str | None]:
    """Synchronous resolve_ptrs(), for tasks and commands."""
    return _run_sync(
        resolve_ptrs(addresses, nameservers=nameservers, timeout=timeout, concurrency=concurrency)
    )


def ptr_outcomes(
    addresses: Sequence[str],
    *,
    nameservers: Sequence[str] | None = None,
    timeout: float = 2.0,
    concurrency: int = 256,
) -> dict[str, PtrResult]:
    """Synchronous resolve_ptr_outcomes(), for the DNS pass."""
    return _run_sync(
        resolve_ptr_outcomes(
            addresses, nameservers=nameservers, timeout=timeout, concurrency=concurrency
        )
    )


async def aforward_confirms(
    name: str,
    address: str,
    *,
    nameservers: Sequence[str] | None = None,
    timeout: float = 2.0,
) -> bool:
    """True when ``name`` resolves (A or AAAA) to ``address``; False otherwise or on error."""
    try:
        wanted = ipaddress.ip_address(address)
        qname = dns.name.from_text(name)
    except (ValueError, dns.exception.DNSException):
        return False
    resolver = _resolver(_servers_key(nameservers), timeout)
    try:
        answer = await resolver.resolve(qname, "A" if wanted.version == 4 else "AAAA")
    except (dns.exception.DNSException, OSError):
        return False
    return any(ipaddress.ip_address(rdata.address) == wanted for rdata in answer)


def forward_confirms(
    name: str,
    address: str,
    *,
    nameservers: Sequence[str] | None = None,
    timeout: float = 2.0,
) -> bool:
    """Synchronous aforward_confirms(): does the PTR name point back to the address?"""
    return _run_sync(aforward_confirms(name, address, nameservers=nameservers, timeout=timeout))
