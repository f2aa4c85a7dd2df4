"""A network-namespace lab: a scanner namespace and a hosts namespace joined by one veth.

Safety first: the scanner namespace has no default route and only routes to the
benchmarking ranges 198.18.0.0/15 and 2001:2::/48, which lead to the hosts
namespace. ``Lab.verify_isolated()`` proves that (``ip route get 192.0.2.1`` and
``ip -6 route get 2001:db8::1`` must fail with "Network is unreachable") before
any test host is added and again before the lab is handed out. The veth is
created directly inside the two namespaces, so the root namespace never gets a
lab interface.

In the hosts namespace, each live address is a /32 (/128) on ``lo``; the rest of
each range is a ``blackhole`` route, so dead addresses are silent. Some hosts run
TCP listeners and a dnsmasq answers PTR queries.

Used by tests/lab/fixtures.py (session fixture ``lab``) and bench/sweep.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import ipaddress
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

CLONE_NEWNET = 0x40000000

SCANNER_V4 = "198.19.255.1"
HOSTS_V4 = "198.19.255.2"
LINK_V4_PREFIX = 30
# Inside 2001:2::/48 on purpose: the lab never uses an address outside the
# benchmarking ranges, not even on its own veth.
SCANNER_V6 = "2001:2:0:ffff::1"
HOSTS_V6 = "2001:2:0:ffff::2"
LINK_V6_PREFIX = 64

LAB_V4 = IPv4Network("198.18.0.0/15")
LAB_V6 = IPv6Network("2001:2::/48")
NET24 = IPv4Network("198.18.0.0/24")
NET16 = IPv4Network("198.18.0.0/16")
NET6 = IPv6Network("2001:2::/64")
# Every address of this /22 answers: replies arrive as fast as requests go out.
NET_FULL = IPv4Network("198.19.0.0/22")

# The /24's live hosts: a fixed, irregular pattern so off-by-one mistakes show.
ALIVE24_HOSTS = (1, 2, 3, 5, 8, 10, 11, 12, 13, 21, 34, 53, 55, 89, 100, 144, 200, 233, 253, 254)
DNS_SERVER = "198.18.0.53"
ALIVE6 = ("2001:2::1", "2001:2::a", "2001:2::53", "2001:2::1:0:0:1")
DEAD6 = ("2001:2::2", "2001:2::dead")
# TCP listeners: address -> ports. Port 22 sends an SSH banner so nmap -sV names it.
SERVICES: dict[str, tuple[int, ...]] = {
    "198.18.0.10": (22, 80),
    "198.18.0.11": (443, 8080),
    "198.18.0.12": (8000,),
    "2001:2::a": (22,),
}
HTTP_SERVER = ("198.18.0.12", 8000)  # python -m http.server, for service detection
# PTR records; 198.18.0.21's name has no address record, so it does not forward-confirm.
PTR_NAMES: dict[str, str] = {
    "198.18.0.1": "gw.lab.test",
    "198.18.0.10": "ssh.lab.test",
    "198.18.0.11": "web.lab.test",
    "198.18.0.12": "files.lab.test",
    "198.18.0.53": "ns.lab.test",
    "198.18.0.21": "stale.lab.test",
    "2001:2::a": "v6host.lab.test",
}
UNCONFIRMED_PTR = ("198.18.0.21",)

_LISTENER = textwrap.dedent(
    """
    import selectors, socket, sys
    banners = {22: b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\\r\\n"}
    sel = selectors.DefaultSelector()
    for spec in sys.argv[1:]:
        host, port = spec.rsplit(":", 1)
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ, int(port))
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            try:
                conn, _ = key.fileobj.accept()
            except OSError:
                continue
            try:
                if key.data in banners:
                    conn.sendall(banners[key.data])
            except OSError:
                pass
            conn.close()
    """
)


class LabUnavailable(RuntimeError):
    """The lab cannot be built here; the message says what is missing."""


class LabNotIsolated(RuntimeError):
    """The scanner namespace has a path off the machine: nothing may be sent."""


def missing_requirements() -> str | None:
    """Why the lab cannot run on this machine, or None when it can."""
    if sys.platform != "linux":
        return "the lab needs Linux network namespaces"
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, raw ICMP); run the lab tests as root"
    for tool, package in (("ip", "iproute2"), ("dnsmasq", "dnsmasq-base")):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (apt-get install {package})"
    probe = f"nk-probe-{os.getpid()}"
    result = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if result.returncode != 0:
        return f"`ip netns add` does not work here: {result.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def remove_stale_namespaces() -> list[str]:
    """Delete lab namespaces left by sessions that died (their PID is gone).

    A namespace that still has processes in it is left alone and reported: those
    processes are not ours to end.
    """
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    removed: list[str] = []
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.fullmatch(r"nk-(?:probe-)?(\d+)(?:-(?:scan|hosts))?", name)
        if not match or _pid_alive(int(match.group(1))):
            continue
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
        if pids.stdout.strip():
            print(f"lab: stale namespace {name} still has processes; not removed", file=sys.stderr)
            continue
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        removed.append(name)
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run(argv: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(list(argv), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {result.stderr.strip()}")
    return result


def _spread_alive(count: int, seed: int) -> list[str]:
    """``count`` live addresses spread over the /16 outside the /24, reproducibly."""
    rng = random.Random(seed)
    outside = range(int(NET16.network_address) + 256, int(NET16.broadcast_address))
    return sorted(
        {str(IPv4Address(n)) for n in rng.sample(outside, count)}, key=ipaddress.ip_address
    )


@dataclass
class Lab:
    """Two namespaces, their test hosts and the processes serving them."""

    tag: str = field(default_factory=lambda: str(os.getpid()))
    alive16_count: int = 336
    seed: int = 18
    scanner_ns: str = ""
    hosts_ns: str = ""
    dns_server: str = DNS_SERVER
    ptr: dict[str, str] = field(default_factory=lambda: dict(PTR_NAMES))
    unconfirmed_ptr: tuple[str, ...] = UNCONFIRMED_PTR
    open_ports: dict[str, tuple[int, ...]] = field(default_factory=dict)
    net24: IPv4Network = NET24
    net16: IPv4Network = NET16
    net6: IPv6Network = NET6
    net_full: IPv4Network = NET_FULL
    scan_if: str = ""
    hosts_if: str = ""
    _configured: set[str] = field(default_factory=set)
    _down: set[str] = field(default_factory=set)
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.scanner_ns = self.scanner_ns or f"nk-{self.tag}-scan"
        self.hosts_ns = self.hosts_ns or f"nk-{self.tag}-hosts"

    # ----- what the tests read -------------------------------------------------

    @property
    def alive(self) -> frozenset[str]:
        """Every address that answers right now (IPv4 and IPv6, canonical text)."""
        return frozenset(self._configured - self._down)

    def alive_in(self, network: IPv4Network | IPv6Network) -> frozenset[str]:
        """The live addresses inside ``network``."""
        return frozenset(a for a in self.alive if ipaddress.ip_address(a) in network)

    @property
    def dead(self) -> tuple[str, ...]:
        """Some addresses in the /24 and the IPv6 range that never answer."""
        dead24 = [str(a) for a in NET24.hosts() if str(a) not in self.alive][:10]
        return (*dead24, *DEAD6)

    # ----- building and tearing down ---------------------------------------------

    def start(self) -> Lab:
        """Build the namespaces, prove isolation, then add hosts and services."""
        problem = missing_requirements()
        if problem:
            raise LabUnavailable(problem)
        remove_stale_namespaces()
        try:
            self._build_link()
            self.verify_isolated()
            self._add_hosts()
            self._start_services()
            self.verify_isolated()
        except BaseException:
            self.close()
            raise
        return self

    def _ns(self, ns: str, *argv: str) -> subprocess.CompletedProcess[str]:
        return _run(["ip", "netns", "exec", ns, *argv])

    def _build_link(self) -> None:
        scan, hosts = self.scanner_ns, self.hosts_ns
        _run(["ip", "netns", "add", scan])
        _run(["ip", "netns", "add", hosts])
        for ns in (scan, hosts):
            # No forwarding, no DAD delays, and lo up (it starts DOWN).
            self._ns(ns, "sysctl", "-qw", "net.ipv4.ip_forward=0")
            self._ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=0")
            self._ns(ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
            self._ns(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0")
            _run(["ip", "-n", ns, "link", "set", "lo", "up"])
        # Created inside the namespaces: the root namespace never sees this veth.
        scan_if, hosts_if = f"nks{self.tag}"[:15], f"nkh{self.tag}"[:15]
        _run(
            [
                "ip",
                "link",
                "add",
                scan_if,
                "netns",
                scan,
                "type",
                "veth",
                "peer",
                "name",
                hosts_if,
                "netns",
                hosts,
            ]
        )
        self.scan_if, self.hosts_if = scan_if, hosts_if
        for ns, ifname, v4, v6 in (
            (scan, scan_if, SCANNER_V4, SCANNER_V6),
            (hosts, hosts_if, HOSTS_V4, HOSTS_V6),
        ):
            _run(["ip", "-n", ns, "addr", "add", f"{v4}/{LINK_V4_PREFIX}", "dev", ifname])
            _run(
                [
                    "ip",
                    "-n",
                    ns,
                    "-6",
                    "addr",
                    "add",
                    f"{v6}/{LINK_V6_PREFIX}",
                    "dev",
                    ifname,
                    "nodad",
                ]
            )
            _run(["ip", "-n", ns, "link", "set", ifname, "up"])

    def verify_isolated(self) -> None:
        """Refuse to go on unless the scanner namespace cannot reach anything off the machine."""
        default4 = _run(["ip", "-n", self.scanner_ns, "-4", "route", "show", "default"])
        default6 = _run(["ip", "-n", self.scanner_ns, "-6", "route", "show", "default"])
        if default4.stdout.strip() or default6.stdout.strip():
            raise LabNotIsolated(
                f"{self.scanner_ns} has a default route ({default4.stdout.strip()}"
                f" {default6.stdout.strip()}): refusing to send anything"
            )
        for family, probe in (("-4", "192.0.2.1"), ("-6", "2001:db8::1")):
            result = _run(["ip", "-n", self.scanner_ns, family, "route", "get", probe], check=False)
            if result.returncode == 0 or "Network is unreachable" not in result.stderr:
                raise LabNotIsolated(
                    f"`ip route get {probe}` in {self.scanner_ns} did not fail with"
                    f" 'Network is unreachable' (got {result.stdout.strip()!r}"
                    f" {result.stderr.strip()!r}): refusing to send anything"
                )
        forwarding = _run(
            ["ip", "netns", "exec", self.hosts_ns, "sysctl", "-n", "net.ipv4.ip_forward"]
        )
        if forwarding.stdout.strip() != "0":
            raise LabNotIsolated(f"{self.hosts_ns} forwards packets: refusing to go on")

    def _add_hosts(self) -> None:
        alive24 = [str(NET24.network_address + n) for n in ALIVE24_HOSTS]
        alive16 = _spread_alive(self.alive16_count, self.seed)
        addresses = sorted(
            {*alive24, *alive16, DNS_SERVER, *(h for h in SERVICES if ":" not in h)},
            key=ipaddress.ip_address,
        )
        full = [str(a) for a in NET_FULL.hosts()]
        addresses += full
        batch = [f"address add {a}/32 dev lo" for a in addresses]
        batch += [f"address add {a}/128 dev lo nodad" for a in ALIVE6]
        # Everything else in the lab ranges is silently dropped.
        batch += [f"route add blackhole {LAB_V4}", f"route add blackhole {LAB_V6}"]
        proc = subprocess.run(
            ["ip", "-n", self.hosts_ns, "-batch", "-"],
            input="\n".join(batch) + "\n",
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"adding the lab hosts failed: {proc.stderr.strip()}")
        self._configured = {*addresses, *ALIVE6}
        # The scanner reaches the lab ranges, and only them, through the hosts namespace.
        _run(["ip", "-n", self.scanner_ns, "route", "add", str(LAB_V4), "via", HOSTS_V4])
        _run(["ip", "-n", self.scanner_ns, "-6", "route", "add", str(LAB_V6), "via", HOSTS_V6])

    def _start_services(self) -> None:
        specs = [
            f"{host}:{port}"
            for host, ports in SERVICES.items()
            for port in ports
            if (host, port) != HTTP_SERVER
        ]
        listener = self.spawn_in(
            self.hosts_ns, [sys.executable, "-u", "-c", _LISTENER, *specs], stdout=subprocess.PIPE
        )
        assert listener.stdout is not None
        line = listener.stdout.readline()
        if b"ready" not in line:
            raise RuntimeError("the lab's TCP listeners did not start")
        http_host, http_port = HTTP_SERVER
        self.spawn_in(
            self.hosts_ns,
            [sys.executable, "-m", "http.server", str(http_port), "--bind", http_host],
            cwd="/var/empty" if os.path.isdir("/var/empty") else "/tmp",
        )
        self.open_ports = {host: tuple(sorted(ports)) for host, ports in SERVICES.items()}
        records = [
            f"--ptr-record={ipaddress.ip_address(a).reverse_pointer},{n}"
            for a, n in self.ptr.items()
        ]
        records += [
            f"--host-record={name},{address}"
            for address, name in self.ptr.items()
            if address not in self.unconfirmed_ptr
        ]
        self.spawn_in(
            self.hosts_ns,
            [
                "dnsmasq",
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--port=53",
                f"--listen-address={DNS_SERVER}",
                "--bind-interfaces",
                "--pid-file=",
                "--user=root",
                # Authoritative for the lab's zones, as a real resolver is: a name
                # without a record is NXDOMAIN, not REFUSED (there is no upstream).
                "--local=/18.198.in-addr.arpa/",
                "--local=/19.198.in-addr.arpa/",
                "--local=/2.0.0.0.1.0.0.2.ip6.arpa/",
                "--local=/lab.test/",
                *records,
            ],
        )
        self._wait_for_tcp([*SERVICES.items()])
        self._wait_for_dns()

    def _wait_for_tcp(self, services: list[tuple[str, tuple[int, ...]]]) -> None:
        deadline = time.monotonic() + 10
        for host, ports in services:
            for port in ports:
                code = f"import socket; socket.create_connection(('{host}', {port}), 1).close()"
                self._wait_until_runs(code, deadline, f"lab service {host}:{port} did not start")

    def _wait_for_dns(self) -> None:
        code = (
            "import dns.resolver, dns.reversename;"
            f"r = dns.resolver.Resolver(configure=False); r.nameservers = ['{DNS_SERVER}'];"
            "r.lifetime = 1;"
            "r.resolve(dns.reversename.from_address('198.18.0.10'), 'PTR')"
        )
        self._wait_until_runs(code, time.monotonic() + 10, "the lab's dnsmasq did not answer")

    def _wait_until_runs(self, code: str, deadline: float, failure: str) -> None:
        """Run Python `code` in the hosts namespace until it exits 0; past the deadline, fail."""
        while True:
            probe = subprocess.run(
                ["ip", "netns", "exec", self.hosts_ns, sys.executable, "-c", code],
                capture_output=True,
            )
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{failure}: {probe.stderr[-300:]!r}")
            time.sleep(0.1)

    def close(self) -> None:
        """Stop every process the lab started (by PID) and delete its namespaces."""
        with self._lock:
            processes, self._processes = self._processes, []
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            for stream in (process.stdout, process.stderr, process.stdin):
                if stream is not None:
                    stream.close()
        for ns in (self.scanner_ns, self.hosts_ns):
            _run(["ip", "netns", "del", ns], check=False)

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- using the lab -------------------------------------------------------

    def _argv(self, ns: str, argv: Sequence[str]) -> list[str]:
        if isinstance(argv, str):
            raise TypeError("pass argv as a list of strings, not one command string")
        return ["ip", "netns", "exec", ns, *argv]

    def exec(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float | None = 120,
        check: bool = False,
        background: bool = False,
        **kwargs: object,
    ) -> subprocess.CompletedProcess[str] | subprocess.Popen[bytes]:
        """Run ``argv`` in the scanner namespace with this process's environment.

        ``env`` entries are added to (not substituted for) os.environ, so a Django
        worker inherits DJANGO_SETTINGS_MODULE, DATABASE_URL and the like. With
        ``background=True`` the process is started, tracked and stopped at close()
        (for ``manage.py qcluster``); otherwise this waits and returns the result
        with text stdout/stderr.
        """
        if background:
            return self.spawn(argv, env=env, **kwargs)  # type: ignore[arg-type]
        return subprocess.run(
            self._argv(self.scanner_ns, argv),
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
            **kwargs,  # type: ignore[call-overload]
        )

    def spawn(
        self, argv: Sequence[str], *, env: Mapping[str, str] | None = None, **kwargs: object
    ) -> subprocess.Popen[bytes]:
        """Start a long-running process in the scanner namespace; close() stops it by PID."""
        return self.spawn_in(self.scanner_ns, argv, env=env, **kwargs)

    def spawn_in(
        self,
        ns: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        **kwargs: object,
    ) -> subprocess.Popen[bytes]:
        """Start a tracked process in namespace ``ns`` (the scanner's or the hosts')."""
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        process = subprocess.Popen(  # type: ignore[call-overload]
            self._argv(ns, argv), env={**os.environ, **(env or {})}, **kwargs
        )
        with self._lock:
            self._processes.append(process)
        return process  # type: ignore[no-any-return]

    def stop(self, process: subprocess.Popen[bytes], timeout: float = 10) -> int:
        """Stop one process started by spawn() (SIGTERM, then SIGKILL); return its exit code."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=timeout)
        with self._lock:
            if process in self._processes:
                self._processes.remove(process)
        return process.returncode

    def set_ping_group_range(self, low: int, high: int) -> None:
        """Set net.ipv4.ping_group_range in the scanner namespace ("1 0" switches it off)."""
        _run(
            [
                "ip",
                "netns",
                "exec",
                self.scanner_ns,
                "sysctl",
                "-qw",
                f"net.ipv4.ping_group_range={low} {high}",
            ]
        )

    @contextlib.contextmanager
    def enter(self) -> Iterator[None]:
        """Move the current thread into the scanner namespace, and back afterwards.

        A network namespace belongs to a thread, not the process: only code on this
        thread (and sockets it opens) runs in the lab. Threads started inside
        inherit the namespace; the asyncio default executor's threads do not.
        """
        libc = ctypes.CDLL(None, use_errno=True)
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.scanner_ns}", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the lab failed")
            try:
                yield
            finally:
                if libc.setns(own, CLONE_NEWNET) != 0:
                    # Staying in the lab silently would be worse than stopping here.
                    raise OSError(ctypes.get_errno(), "setns back out of the lab failed")
        finally:
            os.close(target)
            os.close(own)

    def set_down(self, address: str | IPv4Address | IPv6Address) -> None:
        """Make a live host stop answering (remove its address from the hosts' lo)."""
        text = str(ipaddress.ip_address(address))
        if text not in self._configured:
            raise ValueError(f"{text} is not one of the lab's hosts")
        length = 32 if ipaddress.ip_address(text).version == 4 else 128
        _run(["ip", "-n", self.hosts_ns, "address", "del", f"{text}/{length}", "dev", "lo"])
        self._down.add(text)

    def set_up(self, address: str | IPv4Address | IPv6Address) -> None:
        """Bring a host back (add its address to the hosts' lo again)."""
        text = str(ipaddress.ip_address(address))
        if text not in self._down:
            return
        version = ipaddress.ip_address(text).version
        extra = ["nodad"] if version == 6 else []
        length = 32 if version == 4 else 128
        _run(["ip", "-n", self.hosts_ns, "address", "add", f"{text}/{length}", "dev", "lo", *extra])
        self._down.discard(text)
