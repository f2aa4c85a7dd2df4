"""The sweep engine, without a network: fake sockets, loopback and socket permissions.

The fake channel answers like a kernel would, through a real AF_UNIX datagram
socketpair so the engine's select() loop runs unchanged. The lab tests
(tests/lab/test_icmp_lab.py) run the same engine against real hosts.
"""

from __future__ import annotations

import socket
import struct
import time
from collections import Counter, deque
from ipaddress import IPv4Address, ip_address

import pytest
from icmplib.sockets import ICMPSocket

from discovery import icmp
from discovery.icmp import PingResult, PingUnavailable, detect_capability, echo_request, sweep


def reply_from(
    request: bytes,
    *,
    ident: int | None = None,
    seq: int | None = None,
    payload: bytes | None = None,
    ip_header: bool = True,
) -> bytes:
    """The echo reply a host would send to ``request`` (optionally damaged)."""
    _, _, _, req_ident, req_seq = struct.unpack("!BBHHH", request[:8])
    body = request[8:] if payload is None else payload
    icmp_part = (
        struct.pack(
            "!BBHHH",
            0,
            0,
            0,
            req_ident if ident is None else ident,
            req_seq if seq is None else seq,
        )
        + body
    )
    return (b"\x45" + b"\x00" * 19 + icmp_part) if ip_header else icmp_part


class FakeHosts:
    """Plays the network: decides per address and attempt whether and how to answer."""

    def __init__(self, privileged: bool) -> None:
        self.privileged = privileged
        self.sent: Counter[str] = Counter()
        self.answer_on_attempt: dict[str, int] = {}
        self.damage: dict[str, dict[str, object]] = {}
        self.ours, self.theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sources: deque[tuple[str, float | None]] = deque()
        # Kernel receive timestamps: address -> seconds after the answered send.
        self.stamp_after: dict[str, float] = {}
        # Addresses that answer their first request only once the retry has gone out.
        self.late: set[str] = set()
        self.first_packet: dict[str, tuple[bytes, float]] = {}
        self.send_times: list[float] = []

    # The socket API the engine uses.
    def sendto(self, packet: bytes, destination: tuple[str, int]) -> int:
        # A host drops an echo request with a bad checksum; so does this fake.
        zeroed = packet[:2] + b"\x00\x00" + packet[4:]
        if struct.unpack("!H", packet[2:4])[0] != ICMPSocket._checksum(None, zeroed):  # type: ignore[arg-type]
            return len(packet)
        address = destination[0]
        now = time.time()
        self.send_times.append(time.monotonic())
        self.sent[address] += 1
        self.first_packet.setdefault(address, (packet, now))
        if address in self.late and self.sent[address] == 2:
            packet, now = self.first_packet[address]
        elif self.answer_on_attempt.get(address) != self.sent[address]:
            return len(packet)
        damage = dict(self.damage.get(address, {}))
        if not self.privileged:
            # A datagram socket's kernel replaces the identifier with its own.
            damage.setdefault("ident", 0xBEEF)
        self.theirs.send(reply_from(packet, ip_header=self.privileged, **damage))  # type: ignore[arg-type]
        after = self.stamp_after.get(address)
        self.sources.append((address, None if after is None else now + after))
        return len(packet)

    def recvmsg(
        self, size: int, ancillary_size: int = 0
    ) -> tuple[bytes, list[tuple[int, int, bytes]], int, tuple[str, int]]:
        data = self.ours.recv(size)  # raises BlockingIOError when empty
        address, stamp = self.sources.popleft()
        ancillary = []
        if stamp is not None:
            seconds = int(stamp)
            timespec = struct.pack("@ll", seconds, round((stamp - seconds) * 1e9))
            ancillary.append((socket.SOL_SOCKET, 35, timespec))
        return data, ancillary, 0, (address, 0)

    def fileno(self) -> int:
        return self.ours.fileno()

    def close(self) -> None:
        self.ours.close()
        self.theirs.close()


class FakeChannel:
    def __init__(self, hosts: FakeHosts) -> None:
        self.sock = hosts
        self.version = 4
        self.privileged = hosts.privileged
        self.reply_type = icmp.ICMP_ECHO_REPLY
        self.header_from_packet = hosts.privileged
        hosts.ours.setblocking(False)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(params=[True, False], ids=["privileged", "unprivileged"])
def fake(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeHosts:
    hosts = FakeHosts(privileged=request.param)
    monkeypatch.setattr(icmp, "_open_channel", lambda version, privileged: FakeChannel(hosts))
    return hosts


def addresses(*last_octets: int) -> list[IPv4Address]:
    return [IPv4Address(f"198.18.0.{n}") for n in last_octets]


def test_it_reports_exactly_the_hosts_that_answered(fake: FakeHosts) -> None:
    fake.answer_on_attempt = {"198.18.0.1": 1, "198.18.0.3": 1}
    results = sweep(addresses(1, 2, 3, 4), timeout=0.1, retries=0)
    assert [r.address for r in results if r.alive] == ["198.18.0.1", "198.18.0.3"]
    assert all(r.rtt_ms is not None and r.rtt_ms >= 0 for r in results if r.alive)
    assert all(r.rtt_ms is None for r in results if not r.alive)


def test_it_retries_only_addresses_that_have_not_answered(fake: FakeHosts) -> None:
    fake.answer_on_attempt = {"198.18.0.1": 1, "198.18.0.2": 2}
    results = sweep(addresses(1, 2, 3), timeout=0.1, retries=2)
    assert [r.alive for r in results] == [True, True, False]
    assert fake.sent == {"198.18.0.1": 1, "198.18.0.2": 2, "198.18.0.3": 3}


def test_a_host_answering_only_a_retry_is_down_without_retries(fake: FakeHosts) -> None:
    fake.answer_on_attempt = {"198.18.0.2": 2}
    assert [r.alive for r in sweep(addresses(2), timeout=0.1, retries=0)] == [False]


def test_replies_with_the_wrong_sequence_or_payload_are_ignored(fake: FakeHosts) -> None:
    fake.answer_on_attempt = {"198.18.0.1": 1, "198.18.0.2": 1, "198.18.0.3": 1}
    fake.damage = {"198.18.0.2": {"seq": 999}, "198.18.0.3": {"payload": b"netkeep!" + b"x" * 8}}
    results = sweep(addresses(1, 2, 3), timeout=0.1, retries=0)
    assert [r.alive for r in results] == [True, False, False]


def test_privileged_mode_ignores_replies_to_another_identifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hosts = FakeHosts(privileged=True)
    monkeypatch.setattr(icmp, "_open_channel", lambda version, privileged: FakeChannel(hosts))
    hosts.answer_on_attempt = {"198.18.0.1": 1, "198.18.0.2": 1}
    hosts.damage = {"198.18.0.2": {"ident": 1}}
    monkeypatch.setattr(icmp.random, "randrange", lambda n: 4242)
    results = sweep(addresses(1, 2), timeout=0.1, retries=0)
    assert [r.alive for r in results] == [True, False]


def test_it_stops_at_the_last_send_plus_timeout(fake: FakeHosts) -> None:
    started = time.monotonic()
    sweep(addresses(*range(1, 101)), timeout=0.2, retries=1)
    elapsed = time.monotonic() - started
    # Two rounds of 0.2 s plus sending; never the sum of per-address timeouts.
    assert 0.35 < elapsed < 1.0


def test_it_returns_early_when_every_address_has_answered(fake: FakeHosts) -> None:
    fake.answer_on_attempt = {str(a): 1 for a in addresses(1, 2, 3)}
    started = time.monotonic()
    sweep(addresses(1, 2, 3), timeout=5.0, retries=3)
    assert time.monotonic() - started < 1.0


def test_results_follow_input_order_and_repeat_duplicates(fake: FakeHosts) -> None:
    fake.answer_on_attempt = {"198.18.0.9": 1}
    results = sweep(addresses(9, 1, 9), timeout=0.1, retries=0)
    assert [r.address for r in results] == ["198.18.0.9", "198.18.0.1", "198.18.0.9"]
    assert [r.alive for r in results] == [True, False, True]
    assert fake.sent["198.18.0.9"] == 1


def test_the_rate_cap_paces_the_sends(fake: FakeHosts) -> None:
    started = time.monotonic()
    sweep(addresses(*range(1, 201)), rate_pps=1000, timeout=0.05, retries=0)
    # 200 packets at 1000/s cannot go out in much less than 0.2 s.
    assert time.monotonic() - started > 0.17


def test_progress_is_reported_up_to_the_total(fake: FakeHosts) -> None:
    calls: list[tuple[int, int]] = []
    sweep(
        addresses(*range(1, 51)),
        timeout=0.05,
        retries=0,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1] == (50, 50)
    assert all(done <= total for done, total in calls)


def test_progress_counts_the_retry_phase(fake: FakeHosts) -> None:
    calls: list[tuple[float, int]] = []
    fake.answer_on_attempt = {"198.18.0.1": 1}
    sweep(
        addresses(*range(1, 201)),
        rate_pps=1000,
        timeout=0.3,
        retries=2,
        progress=lambda d, t: calls.append((time.monotonic(), d)),
    )
    assert sum(fake.sent.values()) == 1 + 199 * 3
    first_retry, last_send = fake.send_times[200], fake.send_times[-1]
    # Every address went out once before the first retry: a third of the work.
    before_retries = [done for at, done in calls if at < first_retry]
    assert before_retries and max(before_retries) <= 200 // 3 + 1
    assert all(done < 200 for at, done in calls if at < last_send)
    assert calls[-1][1] == 200


def test_each_reply_is_timed_by_its_kernel_receive_timestamp(fake: FakeHosts) -> None:
    fake.answer_on_attempt = {str(a): 1 for a in addresses(*range(1, 201))}
    fake.stamp_after = {str(a): 0.0004 for a in addresses(*range(1, 201))}
    results = sweep(addresses(*range(1, 201)), timeout=0.5, retries=0)
    # However late the loop reads a reply, it is timed from send to kernel arrival.
    assert all(r.alive for r in results)
    rtts = sorted(r.rtt_ms or 0.0 for r in results)
    # (The fake stamps its send a moment after the engine does: a busy machine
    # can put tens of microseconds between the two.)
    assert rtts[100] == pytest.approx(0.4, abs=0.02)
    assert rtts[10] == pytest.approx(0.4, abs=0.05) and rtts[189] == pytest.approx(0.4, abs=0.05)


class PausedClock:
    """The time module as a busy process's thread sees it: held off for a while once.

    Another thread holding the GIL can stop the sweep between two clock reads for
    tens of milliseconds; here the first perf_counter() read comes 45 ms late.
    """

    def __init__(self) -> None:
        self.paused = False

    def perf_counter(self) -> float:
        if not self.paused:
            self.paused = True
            time.sleep(0.045)
        return time.perf_counter()

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


def test_each_host_keeps_its_own_round_trip_when_the_thread_is_held_off(
    fake: FakeHosts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(icmp, "time", PausedClock())
    own = {"198.18.0.1": 0.0002, "198.18.0.2": 0.0009, "198.18.0.3": 0.0015}
    fake.answer_on_attempt = dict.fromkeys(own, 1)
    fake.stamp_after = dict(own)
    results = sweep(addresses(1, 2, 3), timeout=0.5, retries=0)
    # Not one figure for the whole sweep (the pause), but each host's own round trip.
    assert [r.rtt_ms for r in results] == [
        pytest.approx(own[r.address] * 1000, abs=0.2) for r in results
    ]


def test_a_late_reply_to_the_first_request_is_timed_from_that_request(fake: FakeHosts) -> None:
    fake.late = {"198.18.0.7"}
    fake.stamp_after = {"198.18.0.7": 0.25}  # the first request's reply arrives 0.25 s after it
    [result] = sweep(addresses(7), timeout=0.2, retries=1)
    assert result.alive
    assert result.rtt_ms == pytest.approx(250, abs=1)


def test_an_empty_sweep_sends_nothing(fake: FakeHosts) -> None:
    assert sweep([]) == []
    assert not fake.sent


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"rate_pps": 0}, "rate_pps"), ({"timeout": 0}, "timeout"), ({"retries": -1}, "retries")],
)
def test_nonsense_settings_are_refused(kwargs: dict[str, float], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        sweep(addresses(1), **kwargs)  # type: ignore[arg-type]


def test_echo_requests_carry_a_valid_checksum() -> None:
    for ident, seq, payload in [
        (0, 0, b""),
        (0xFFFF, 0xFFFF, b"netkeep!odd"),
        (4242, 7, b"x" * 16),
    ]:
        packet = echo_request(8, ident, seq, payload)
        zeroed = packet[:2] + b"\x00\x00" + packet[4:]
        # icmplib's own checksum routine is the reference.
        assert struct.unpack("!H", packet[2:4])[0] == ICMPSocket._checksum(None, zeroed)  # type: ignore[arg-type]
        assert struct.unpack("!HH", packet[4:8]) == (ident, seq)


def test_detection_says_what_to_do_when_no_icmp_socket_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(icmp.socket, "socket", refuse)
    capability = detect_capability()
    assert capability.mode == "unavailable"
    assert not capability.available
    for words in ("run as root", "CAP_NET_RAW", "ping_group_range"):
        assert words in capability.reason
    with pytest.raises(PingUnavailable, match="CAP_NET_RAW"):
        sweep([ip_address("127.0.0.1")])


def test_detection_falls_back_to_datagram_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    real_socket = socket.socket

    class NoRaw:
        def __init__(self, family: int, kind: int, proto: int = 0) -> None:
            if kind == socket.SOCK_RAW:
                raise PermissionError(1, "Operation not permitted")
            self.inner = real_socket(socket.AF_INET, socket.SOCK_DGRAM)

        def close(self) -> None:
            self.inner.close()

    monkeypatch.setattr(icmp.socket, "socket", NoRaw)
    capability = detect_capability()
    assert capability.mode == "unprivileged"
    assert "ping_group_range" in capability.reason


def raw_icmp_allowed() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not raw_icmp_allowed(), reason="raw ICMP sockets need root or CAP_NET_RAW")
def test_it_pings_loopback_for_real() -> None:
    # 127.0.0.1 and ::1 are the only addresses tests ping outside the lab.
    results = sweep([ip_address("127.0.0.1"), ip_address("::1")], timeout=1.0)
    assert [r.address for r in results] == ["127.0.0.1", "::1"]
    assert all(isinstance(r, PingResult) and r.alive for r in results)
    assert all(r.rtt_ms is not None and r.rtt_ms < 100 for r in results)
