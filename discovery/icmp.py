"""ICMP echo sweeps fast enough for a /16: one socket per family, paced sends, one receive loop.

icmplib's ``multiping`` opens a socket and schedules a task per address, which
costs about 0.3 ms of CPU per address (20 s for a /16) and silently misses
replies at high concurrency. This engine keeps icmplib's socket classes (they
know how to open raw and datagram ICMP sockets and what their errors mean) and
replaces the rest with one loop that:

- precomputes every echo request (identifier, sequence and checksum) up front;
- sends them through a token bucket at ``rate_pps`` from a single socket per
  address family;
- drains replies between send batches and matches each one to its address by
  source address + sequence number (+ identifier in privileged mode, where the
  raw socket also sees other programs' replies);
- measures each reply the way ping does: from its own request's send time
  (taken just before that packet's ``sendto``, on the wall clock the kernel
  stamps replies with, so no clock conversion can shift every host alike;
  the payload carries the attempt
  number, so a late reply to the first request is not timed from the retry) to
  the kernel's receive timestamp (``SO_TIMESTAMPNS``), not to the moment the
  loop gets round to reading it — replies that arrive during a send batch
  would otherwise read up to a batch's duration too slow, falling with address
  order;
- retries only addresses that have not answered, each once its own timeout
  has passed, and stops at ``last send + timeout`` (or as soon as every address
  has answered).

Plain values in, dataclasses out, no ORM: callers check the scope first
(``discovery.scope.check_scope``) and record the results themselves.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import ipaddress
import os
import random
import select
import socket
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address
from socket import inet_ntoa
from typing import Any, Literal

from icmplib import ICMPv4Socket, ICMPv6Socket
from icmplib.exceptions import ICMPLibError, SocketPermissionError

ICMP_ECHO_REQUEST = 8
ICMP_ECHO_REPLY = 0
ICMPV6_ECHO_REQUEST = 128
ICMPV6_ECHO_REPLY = 129

# Every request carries this marker plus a per-sweep nonce; a reply must echo both,
# so replies to other programs (or to an earlier sweep) are never counted.
_MAGIC = b"netkeep!"
_SOCKET_BUFFER = 4 * 1024 * 1024
_SOL_RAW = 255
_ICMP_FILTER = 1
_ICMP6_FILTER = 1
_PROGRESS_EVERY_S = 0.1
_SEND_BATCH = 256
# Linux: the kernel stamps each received packet (CLOCK_REALTIME, struct timespec);
# Python does not name the constants.
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_TIMESPEC = struct.Struct("@ll")
_ANCILLARY = socket.CMSG_SPACE(_TIMESPEC.size)

CAPABILITY_HINT = (
    "run as root, grant CAP_NET_RAW (for example AmbientCapabilities=CAP_NET_RAW in the"
    " systemd unit), or set net.ipv4.ping_group_range to include the worker's group"
)


@dataclass(frozen=True)
class PingResult:
    """The answer for one address: alive or not, and the round-trip time when alive."""

    address: str
    alive: bool
    rtt_ms: float | None


@dataclass(frozen=True)
class PingCapability:
    """Which kind of ICMP socket this process may open, and why."""

    mode: Literal["privileged", "unprivileged", "unavailable"]
    reason: str

    @property
    def available(self) -> bool:
        """True when some kind of ICMP socket can be opened."""
        return self.mode != "unavailable"


class PingUnavailable(RuntimeError):
    """Neither raw nor datagram ICMP sockets may be opened by this process."""


def _ping_group_range() -> str:
    try:
        with open("/proc/sys/net/ipv4/ping_group_range", encoding="ascii") as handle:
            return " ".join(handle.read().split())
    except OSError:
        return "unknown"


def detect_capability() -> PingCapability:
    """Try a raw ICMP socket, then a datagram one, and say which works.

    Detection is per network namespace and per process credentials: the worker
    should call it where it sweeps, and log the reason when it is unavailable.
    """
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
    except OSError as raw_error:
        raw_problem = raw_error.strerror or str(raw_error)
    else:
        return PingCapability(
            "privileged", "raw ICMP sockets are allowed (root or CAP_NET_RAW): privileged mode"
        )
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    except OSError as dgram_error:
        dgram_problem = dgram_error.strerror or str(dgram_error)
    else:
        return PingCapability(
            "unprivileged",
            "raw ICMP sockets are not allowed, but datagram ICMP sockets are"
            f" (net.ipv4.ping_group_range is {_ping_group_range()}): unprivileged mode",
        )
    return PingCapability(
        "unavailable",
        f"ICMP is unavailable to uid {os.geteuid()} gid {os.getegid()}: raw sockets failed"
        f" ({raw_problem}) and datagram sockets failed ({dgram_problem}; net.ipv4."
        f"ping_group_range is {_ping_group_range()}): {CAPABILITY_HINT}",
    )


def _fold(total: int) -> int:
    total = (total & 0xFFFF) + (total >> 16)
    return (total & 0xFFFF) + (total >> 16)


def _words(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    return sum(struct.unpack(f"!{len(data) // 2}H", data))


def echo_request(icmp_type: int, identifier: int, sequence: int, payload: bytes) -> bytes:
    """One ICMP echo request with a correct checksum (RFC 792 / RFC 4443 layout)."""
    total = _fold((icmp_type << 8) + identifier + sequence + _words(payload))
    return struct.pack("!BBHHH", icmp_type, 0, ~total & 0xFFFF, identifier, sequence) + payload


class _Channel:
    """One ICMP socket (one address family) and how to read its replies."""

    __slots__ = ("header_from_packet", "holder", "privileged", "reply_type", "sock", "version")

    def __init__(self, version: int, privileged: bool) -> None:
        self.version = version
        self.privileged = privileged
        self.reply_type = ICMP_ECHO_REPLY if version == 4 else ICMPV6_ECHO_REPLY
        # Only raw IPv4 sockets hand us the IP header; ICMPv6 and datagram sockets start
        # at the ICMP header.
        self.header_from_packet = version == 4 and privileged
        holder_class = ICMPv4Socket if version == 4 else ICMPv6Socket
        # Keep icmplib's object alive: it closes the socket when collected.
        self.holder: Any = holder_class(privileged=privileged)
        self.sock: socket.socket = self.holder.sock
        self.sock.setblocking(False)
        self._tune()

    def _tune(self) -> None:
        sock = self.sock
        for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
            if option is None:
                continue
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, _SOCKET_BUFFER)
                break
            except OSError:
                continue
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SOCKET_BUFFER)
        # Without receive timestamps (not Linux), replies are timed when read.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        if not self.privileged:
            return
        # A raw socket sees every ICMP message in the namespace; let the kernel drop
        # everything but echo replies before they reach Python.
        try:
            if self.version == 4:
                blocked = ~(1 << ICMP_ECHO_REPLY) & 0xFFFFFFFF
                sock.setsockopt(_SOL_RAW, _ICMP_FILTER, struct.pack("I", blocked))
            else:
                words = [0xFFFFFFFF] * 8
                words[ICMPV6_ECHO_REPLY >> 5] &= ~(1 << (ICMPV6_ECHO_REPLY & 31)) & 0xFFFFFFFF
                sock.setsockopt(socket.IPPROTO_ICMPV6, _ICMP6_FILTER, struct.pack("8I", *words))
        except OSError:
            pass

    def close(self) -> None:
        self.holder.close()


def _open_channel(version: int, privileged: bool | None) -> _Channel:
    """Open the socket for one family: the requested mode, or the best one available."""
    modes = [True, False] if privileged is None else [privileged]
    problems: list[str] = []
    for mode in modes:
        try:
            return _Channel(version, mode)
        except SocketPermissionError:
            problems.append("raw sockets are not permitted" if mode else "datagram sockets")
        except (ICMPLibError, OSError) as error:
            problems.append(str(error))
    if privileged is True:
        raise PingUnavailable(
            f"privileged ping was requested but raw ICMPv{version} sockets are not permitted:"
            f" {CAPABILITY_HINT}"
        )
    if privileged is False:
        raise PingUnavailable(
            f"unprivileged ping was requested but datagram ICMPv{version} sockets are not"
            f" permitted (net.ipv4.ping_group_range is {_ping_group_range()}): set it to"
            " include this process's group, or use privileged mode"
        )
    raise PingUnavailable(detect_capability().reason)


def sweep(
    addresses: Iterable[IPv4Address | IPv6Address],
    *,
    rate_pps: int = 20000,
    timeout: float = 1.0,
    retries: int = 1,
    privileged: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[PingResult]:
    """Ping every address once (plus ``retries`` for the silent ones); one result each.

    Results come back in input order, one per input address (a repeated address
    is pinged once and reported at each of its positions). ``privileged=None``
    uses a raw socket when allowed and falls back to a datagram socket;
    ``PingUnavailable`` says what to change when neither works. ``progress`` is
    called with (addresses done, total) at most every 0.1 s and once at the end;
    an address is done once it answered or got its last attempt, and counts a
    share for each attempt sent, so the retry phase moves the bar too.
    """
    if rate_pps <= 0:
        raise ValueError(
            f"rate_pps must be a positive number of packets per second, not {rate_pps}"
        )
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    # A /16 sweep creates a few hundred thousand small objects; the cyclic garbage
    # collector would walk them all repeatedly for nothing (none form cycles).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _sweep(list(addresses), rate_pps, timeout, retries, privileged, progress)
    finally:
        if collecting:
            gc.enable()


def _sweep(
    addresses: list[IPv4Address | IPv6Address],
    rate_pps: int,
    timeout: float,
    retries: int,
    privileged: bool | None,
    progress: Callable[[int, int], None] | None,
) -> list[PingResult]:
    ordered = [_canonical(address) for address in addresses]
    unique = dict.fromkeys(ordered)
    if not unique:
        return []
    # IPv4 first, then IPv6, so that each family's sends stay contiguous.
    targets = [t for t in unique if t[1] == 4] + [t for t in unique if t[1] == 6]
    channels: dict[int, _Channel] = {}
    try:
        for version in sorted({version for _, version in targets}):
            channels[version] = _open_channel(version, privileged)
        rtts = _run(targets, channels, rate_pps, timeout, retries, progress)
    finally:
        for channel in channels.values():
            channel.close()
    results = [
        PingResult(name, True, round(rtt * 1000.0, 3))
        if rtt >= 0
        else PingResult(name, False, None)
        for (name, _), rtt in zip(targets, rtts, strict=True)
    ]
    if targets == ordered:  # the usual case: no repeats, one family
        return results
    by_address = dict(zip(targets, results, strict=True))
    return [by_address[target] for target in ordered]


def _canonical(address: IPv4Address | IPv6Address | str) -> tuple[str, int]:
    """(canonical text, IP version) of an address, cheaply.

    ``str(IPv4Address)`` costs a few microseconds, which adds up to a noticeable
    share of a /16 sweep; ``inet_ntoa`` of the integer's bytes gives the same text.
    (``_ip`` is the integer behind every IPv4Address; stable since Python 3.3.)
    """
    kind = type(address)
    if kind is IPv4Address:
        return inet_ntoa(address._ip.to_bytes(4, "big")), 4  # type: ignore[union-attr]
    if kind is IPv6Address:
        return str(address), 6
    parsed = ipaddress.ip_address(address)
    return str(parsed), parsed.version


def ping_hosts(
    addresses: Iterable[IPv4Address | IPv6Address],
    *,
    rate_pps: int = 20000,
    timeout: float = 1.0,
    retries: int = 2,
    privileged: bool | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[PingResult]:
    """The known-hosts check: a sweep of just these addresses, with one more retry.

    A known host that misses one packet should not flap to "down", hence the
    extra retry by default; the engine is the same.
    """
    return sweep(
        addresses,
        rate_pps=rate_pps,
        timeout=timeout,
        retries=retries,
        privileged=privileged,
        progress=progress,
    )


def _run(
    targets: list[tuple[str, int]],
    channels: dict[int, _Channel],
    rate_pps: int,
    timeout: float,
    retries: int,
    progress: Callable[[int, int], None] | None,
) -> list[float]:
    """The sweep loop over (address text, IP version) pairs.

    Returns the RTT in seconds per target, -1.0 for no reply. Per-address state
    lives in flat lists indexed by position, so the hot loop allocates nothing
    per address.
    """
    total = len(targets)
    attempts = retries + 1
    # The payload's last byte is the attempt number (0 first, 1 for the first
    # retry, ...), so each reply is timed from its own request.
    nonce = os.urandom(7)
    payloads = [_MAGIC + nonce + bytes([attempt]) for attempt in range(min(attempts, 256))]
    payload = payloads[0]
    payload_len = len(payload)
    marker = payload[:-1]
    marker_len = len(marker)
    # Privileged sockets choose their identifier; a /16 needs more than 65,536
    # sequence numbers, so address i uses identifier base + i // 65536 and
    # sequence i % 65536. Datagram sockets get the identifier from the kernel and
    # are matched by source address + sequence instead.
    ident_base = random.randrange(0x10000)
    idents = [(ident_base + k) & 0xFFFF for k in range(total // 0x10000 + 1)]

    index_of = {name: i for i, (name, _) in enumerate(targets)}
    packets: list[bytes] = []
    sums: list[int] = []
    destinations: list[tuple[str, int]] = []
    sockets: list[socket.socket] = []
    payload_words = _words(payload)
    pack = struct.Struct(f"!BBHHH{payload_len}s").pack  # header and payload in one bytes
    for i, (name, version) in enumerate(targets):
        icmp_type = ICMP_ECHO_REQUEST if version == 4 else ICMPV6_ECHO_REQUEST
        ident = idents[i >> 16]
        sequence = i & 0xFFFF
        # The checksum of everything but the sequence number is the same for all
        # packets of a sweep; folding in the sequence is two additions (RFC 1071).
        # The attempt byte is the low byte of the payload's last word, so a
        # retry's checksum adds the attempt number to the same sum.
        total_sum = (icmp_type << 8) + ident + sequence + payload_words
        checksum = (total_sum & 0xFFFF) + (total_sum >> 16)
        checksum = ~((checksum & 0xFFFF) + (checksum >> 16)) & 0xFFFF
        packets.append(pack(icmp_type, 0, checksum, ident, sequence, payload))
        sums.append(total_sum)
        destinations.append((name, 0))
        sockets.append(channels[version].sock)

    def retry_packet(index: int, attempt: int) -> bytes:
        """The request for a later attempt: the same packet with its attempt byte."""
        version = targets[index][1]
        icmp_type = ICMP_ECHO_REQUEST if version == 4 else ICMPV6_ECHO_REQUEST
        total_sum = sums[index] + attempt
        checksum = (total_sum & 0xFFFF) + (total_sum >> 16)
        checksum = ~((checksum & 0xFFFF) + (checksum >> 16)) & 0xFFFF
        ident, sequence = idents[index >> 16], index & 0xFFFF
        return pack(icmp_type, 0, checksum, ident, sequence, payloads[attempt])

    rtts = [-1.0] * total
    # Send times per attempt on the kernel's receive-timestamp clock (CLOCK_REALTIME),
    # in seconds since `epoch`, so a round trip is one subtraction on one clock.
    # (Converting perf_counter to wall time by an offset read once would add the
    # gap between the two reads to every host: another thread holding the GIL
    # there made every host of a sweep show the same tens of milliseconds.)
    sent_at = [[0.0] * total for _ in payloads]
    wall_ns = time.time_ns
    epoch = wall_ns() // 1_000_000_000 - 1
    epoch_ns = epoch * 1_000_000_000
    # Progress in steps: each address is len(payloads) steps, one per attempt
    # sent; an address that answers (or cannot be reached) completes its steps.
    sends = [0] * total
    steps_done = 0
    steps_each = len(payloads)
    answered = 0
    channel_list = list(channels.values())
    read_socks = [channel.sock for channel in channel_list]
    timespec = _TIMESPEC.unpack_from
    timespec_size = _TIMESPEC.size

    def drain() -> int:
        """Read every queued reply from every socket; return how many were new."""
        nonlocal steps_done
        found = 0
        for channel in channel_list:
            sock = channel.sock
            reply_type = channel.reply_type
            check_ident = channel.privileged
            with_ip_header = channel.header_from_packet
            while True:
                try:
                    data, ancillary, _, source = sock.recvmsg(2048, _ANCILLARY)
                except (BlockingIOError, InterruptedError):
                    break
                arrived = 0.0
                for level, kind, cdata in ancillary:
                    if (
                        level == socket.SOL_SOCKET
                        and kind == _SO_TIMESTAMPNS
                        and len(cdata) >= timespec_size
                    ):
                        seconds, nanoseconds = timespec(cdata)
                        arrived = (seconds - epoch) + nanoseconds * 1e-9
                if not arrived:
                    arrived = (wall_ns() - epoch_ns) * 1e-9
                offset = (data[0] & 0x0F) << 2 if with_ip_header else 0
                if len(data) < offset + 8 + payload_len or data[offset] != reply_type:
                    continue
                index = index_of.get(source[0])
                if index is None:
                    # Kernels and Python may spell an IPv6 address differently.
                    try:
                        index = index_of.get(str(ipaddress.ip_address(source[0].split("%")[0])))
                    except ValueError:
                        index = None
                    if index is None:
                        continue
                ident, sequence = struct.unpack_from("!HH", data, offset + 4)
                if sequence != index & 0xFFFF or (check_ident and ident != idents[index >> 16]):
                    continue
                if data[offset + 8 : offset + 8 + marker_len] != marker:
                    continue
                attempt = data[offset + 8 + marker_len]
                if attempt >= len(sent_at) or not sent_at[attempt][index]:
                    continue
                if rtts[index] < 0:
                    rtts[index] = max(0.0, arrived - sent_at[attempt][index])
                    found += 1
                    steps_done += steps_each - sends[index]
        return found

    clock = time.perf_counter
    # Token bucket. The loop sleeps until 2.5 ms worth of packets may go, so select()
    # wakes a few hundred times a second rather than once per packet. The bucket
    # holds 100 ms worth, so a late wake-up on a busy machine is caught up instead of
    # lost. At most 10 ms worth, and never more than _SEND_BATCH packets, go out
    # between two reads of the replies, so a network full of live hosts cannot
    # overflow the receive buffer (small for unprivileged processes: rmem_max).
    capacity = float(max(1, rate_pps // 10))
    burst = max(1, min(rate_pps // 100, _SEND_BATCH))
    batch = max(1, rate_pps // 400)
    tokens = float(burst)
    last_fill = clock()
    last_send = last_fill
    last_progress = last_fill
    retry_queue: deque[tuple[float, int, int]] = deque()  # (due, index, attempt)
    next_fresh = 0
    reported = -1

    while True:
        now = clock()
        tokens = min(capacity, tokens + (now - last_fill) * rate_pps)
        last_fill = now
        budget = min(int(tokens), burst)
        sent = 0
        blocked = False
        while sent < budget:
            if retry_queue and retry_queue[0][0] <= now:
                _, index, attempt = retry_queue.popleft()
                if rtts[index] >= 0:
                    continue
                fresh = False
                packet = retry_packet(index, attempt)
            elif next_fresh < total:
                index = next_fresh
                next_fresh += 1
                attempt = 0
                fresh = True
                packet = packets[index]
            else:
                break
            # Stamped before sendto: on a fast link the reply can arrive (and be
            # stamped by the kernel) before sendto returns.
            stamp = clock()
            sent_wall = (wall_ns() - epoch_ns) * 1e-9
            try:
                sockets[index].sendto(packet, destinations[index])
            except (BlockingIOError, InterruptedError):
                blocked = True
            except OSError as error:
                if error.errno == errno.ENOBUFS:
                    blocked = True
                else:
                    # No route or forbidden by a firewall: this address cannot be
                    # reached from here; it stays "no reply" and is not retried.
                    steps_done += steps_each - sends[index]
                    sends[index] = steps_each
                    continue
            if blocked:
                # The send buffer is full: put the address back and wait a moment.
                if fresh:
                    next_fresh -= 1
                else:
                    retry_queue.appendleft((now, index, attempt))
                break
            sent_at[attempt][index] = sent_wall
            sends[index] = attempt + 1
            steps_done += 1
            last_send = stamp
            sent += 1
            if attempt + 1 < len(payloads):
                retry_queue.append((stamp + timeout, index, attempt + 1))
        tokens -= sent

        answered += drain()
        now = clock()
        if progress is not None and now - last_progress >= _PROGRESS_EVERY_S:
            done = steps_done // steps_each
            if done != reported:
                progress(done, total)
                reported = done
                last_progress = now
        if answered >= total:
            break

        # Work out how long we may sleep in select() before the next thing to do.
        pending_retry = False
        while retry_queue and rtts[retry_queue[0][1]] >= 0:
            retry_queue.popleft()
        if retry_queue:
            pending_retry = True
        if next_fresh < total or pending_retry:
            wake = now + (batch - tokens) / rate_pps if tokens < batch else now
            if next_fresh >= total:
                wake = max(wake, retry_queue[0][0])
            if blocked:
                wake = max(wake, now + 0.001)
            wait = wake - now
            if wait <= 0:
                continue
        else:
            wait = last_send + timeout - now
            if wait <= 0:
                break
        readable, _, _ = select.select(read_socks, [], [], wait)
        if readable:
            answered += drain()
            if answered >= total:
                break

    if progress is not None:
        progress(total, total)
    return rtts
