"""The service-check engine: HTTP(S) and TCP probes, many at once, on one event loop.

Plain values in, dataclasses out, no ORM. One asyncio loop runs every due
check of a cycle with at most `concurrency` in flight (a semaphore), sharing
one httpx client per TLS-verification setting, so a thousand checks take
about as long as the slowest few rather than the sum of all of them.

Every destination goes through `netkeep.outbound` first: the name is resolved
(once per cycle), each address checked against the scan allowlist, and the
connection made to the checked address; HTTPS keeps the name for SNI and
certificate verification.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx

from netkeep import outbound
from netkeep.outbound import Address

UP, DEGRADED, DOWN = "up", "degraded", "down"
# httpx logs every request at INFO: a thousand lines per cycle say nothing the results do not.
logging.getLogger("httpx").setLevel(logging.WARNING)
BODY_LIMIT = 256 * 1024


@dataclass(frozen=True)
class Spec:
    """One check to run."""

    id: int
    kind: str  # "http" or "tcp"
    url: str = ""
    target: str = ""
    expected_status: int = 200
    expected_text: str = ""
    verify_tls: bool = True
    timeout_s: float = 5.0
    degraded_ms: float = 2000.0
    cert_warn_days: int = 14


@dataclass
class Outcome:
    """What one check found."""

    id: int
    status: str
    latency_ms: float | None = None
    message: str = ""
    cert_expires: datetime | None = None


def parse_target(text: str) -> tuple[str, int]:
    """ "host:port" or "[v6]:port" into (host, port); ValueError saying what to write."""
    raw = (text or "").strip()
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = raw.rpartition(":")
    if not host or not port_text:
        raise ValueError(
            f"“{raw}” is not host:port: write it like 198.18.0.5:443 or [2001:2::5]:22."
        )
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"“{port_text}” is not a port: use a number from 1 to 65535.")
    if ":" in host and not raw.startswith("["):
        raise ValueError(f"Put an IPv6 address in brackets: [{host}]:{port_text}.")
    return host, int(port_text)


def _host_of(spec: Spec) -> str:
    if spec.kind == "tcp":
        try:
            return parse_target(spec.target)[0]
        except ValueError:
            return ""
    return urlsplit(spec.url).hostname or ""


async def _lookup(name: str) -> list[Address] | str:
    """Every address of a name (or the literal address), or why it does not resolve."""
    try:
        return await outbound.resolve_async(name)
    except outbound.Unresolvable as error:
        return str(error)


def resolve_all(specs: Sequence[Spec]) -> dict[str, tuple[str, str]]:
    """Each distinct name once: {name: (address to connect to, "") or ("", why not)}.

    Names resolve concurrently; the allowlist (which reads the database) is then
    asked outside the event loop, once per address.
    """
    names = sorted({_host_of(s) for s in specs} - {""})

    async def lookups() -> list[list[Address] | str]:
        return list(await asyncio.gather(*(_lookup(n) for n in names)))

    answers = asyncio.run(lookups()) if names else []
    resolved: dict[str, tuple[str, str]] = {}
    for name, answer in zip(names, answers, strict=True):
        if isinstance(answer, str):
            resolved[name] = ("", answer)
            continue
        why = next((w for w in (outbound.refusal(a) for a in answer) if w), "")
        resolved[name] = ("", why) if why else (str(answer[0]), "")
    return resolved


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _judge(spec: Spec, latency: float, problems: list[str]) -> str:
    if problems:
        return DEGRADED
    return DEGRADED if latency > spec.degraded_ms else UP


def _cert_expiry(response: httpx.Response) -> datetime | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    if not der:
        return None
    from cryptography import x509

    return x509.load_der_x509_certificate(der).not_valid_after_utc


async def check_http(
    client: httpx.AsyncClient, spec: Spec, resolved: dict[str, tuple[str, str]]
) -> Outcome:
    parts = urlsplit(spec.url)
    name = parts.hostname or ""
    address, why = resolved.get(name, ("", f"“{spec.url}” has no host name"))
    if why:
        return Outcome(spec.id, DOWN, message=why)
    literal = f"[{address}]" if ":" in address else address
    netloc = literal + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rpartition("@")[2]
    started = time.perf_counter()
    try:
        async with client.stream(
            "GET",
            url,
            headers={"Host": host_header},
            extensions={"sni_hostname": name},
            timeout=spec.timeout_s,
        ) as response:
            expires = _cert_expiry(response) if parts.scheme == "https" else None
            body = b""
            if spec.expected_text:
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= BODY_LIMIT or spec.expected_text.encode() in body:
                        break
    except httpx.TimeoutException:
        return Outcome(spec.id, DOWN, message=f"no answer within {spec.timeout_s:g} s")
    except httpx.ConnectError as error:
        return Outcome(spec.id, DOWN, message=_connect_words(error))
    except httpx.HTTPError as error:
        return Outcome(spec.id, DOWN, message=f"{type(error).__name__}: {error}"[:300])
    latency = _elapsed_ms(started)
    if response.status_code != spec.expected_status:
        words = f"HTTP {response.status_code}, expected {spec.expected_status}"
        return Outcome(spec.id, DOWN, latency, words, expires)
    if spec.expected_text and spec.expected_text.encode() not in body:
        return Outcome(
            spec.id, DOWN, latency, f"“{spec.expected_text}” is not on the page", expires
        )
    problems = []
    if expires is not None:
        days = (expires - datetime.now(UTC)).total_seconds() / 86400
        if days < spec.cert_warn_days:
            problems.append(
                f"the TLS certificate expires in {max(days, 0):.0f} days ({expires:%Y-%m-%d})"
                if days > 0
                else f"the TLS certificate expired on {expires:%Y-%m-%d}"
            )
    status = _judge(spec, latency, problems)
    message = "; ".join(problems) or (
        f"slow: {latency:.0f} ms" if status == DEGRADED else f"HTTP {response.status_code}"
    )
    return Outcome(spec.id, status, latency, message, expires)


def _connect_words(error: Exception) -> str:
    text = str(error)
    lowered = text.lower()
    if "certificate" in lowered or isinstance(error.__cause__, ssl.SSLError):
        return f"TLS verification failed ({text[:200]}): fix the certificate or untick verification"
    if "refused" in lowered:
        return "connection refused"
    if "unreachable" in lowered or "no route" in lowered:
        return "no route to the address"
    return text[:300] or type(error).__name__


async def check_tcp(spec: Spec, resolved: dict[str, tuple[str, str]]) -> Outcome:
    try:
        name, port = parse_target(spec.target)
    except ValueError as error:
        return Outcome(spec.id, DOWN, message=str(error))
    address, why = resolved.get(name, ("", f"{name} was not resolved"))
    if why:
        return Outcome(spec.id, DOWN, message=why)
    started = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(address, port), spec.timeout_s)
    except TimeoutError:
        return Outcome(spec.id, DOWN, message=f"no answer within {spec.timeout_s:g} s")
    except ConnectionRefusedError:
        return Outcome(spec.id, DOWN, message="connection refused")
    except OSError as error:
        return Outcome(spec.id, DOWN, message=error.strerror or str(error))
    latency = _elapsed_ms(started)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    status = _judge(spec, latency, [])
    return Outcome(spec.id, status, latency, f"port {port} open")


async def run_checks(
    specs: Sequence[Spec], resolved: dict[str, tuple[str, str]], concurrency: int = 200
) -> list[Outcome]:
    """Run every check once, at most `concurrency` at a time; results in the specs' order."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)
    async with (
        httpx.AsyncClient(verify=True, limits=limits, follow_redirects=False) as strict,
        httpx.AsyncClient(verify=False, limits=limits, follow_redirects=False) as lax,  # noqa: S501 - per check, off only when a user untick verification
    ):

        async def one(spec: Spec) -> Outcome:
            async with gate:
                try:
                    if spec.kind == "tcp":
                        return await check_tcp(spec, resolved)
                    return await check_http(strict if spec.verify_tls else lax, spec, resolved)
                except Exception as error:
                    return Outcome(spec.id, DOWN, message=f"{type(error).__name__}: {error}"[:300])

        return list(await asyncio.gather(*(one(s) for s in specs)))


def run(specs: Sequence[Spec], concurrency: int = 200) -> list[Outcome]:
    """Synchronous entry point: resolve and check scope, then one event loop for every check."""
    resolved = resolve_all(specs)
    return asyncio.run(run_checks(specs, resolved, concurrency))
