"""Nmap behind one module: fixed server-side profiles, ipaddress targets, XML out.

No user text ever reaches the command line. A profile is built from a small
vocabulary of options (ports, service detection, timing, UDP, host timeout) and
turned into argv here; targets must be ``ipaddress`` objects and are rendered
with ``str()``, so nothing can start with "-" or carry a second word. The argv
is checked again right before it runs, so a hand-made ``ScanProfile`` with an
option outside the vocabulary is refused too. Plain values in, dataclasses
out, no ORM.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Literal

Target = IPv4Address | IPv6Address | IPv4Network | IPv6Network

DEFAULT_HOST_TIMEOUT_S = 300
MAX_EXPLICIT_PORTS = 1024
_PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
# Every option a profile may carry, as a whole-token pattern.
_ALLOWED_ARG = re.compile(
    r"^(?:-sT|-sU|-sV|-Pn|-T[0-5]|--top-ports|100|1000|-p|(?:T:|U:)?\d{1,5}(?:,(?:T:|U:)?\d{1,5})*)$"
)


class NmapError(RuntimeError):
    """Nmap could not run or did not finish."""


class NmapNotFound(NmapError):
    """The nmap binary is not installed or not on PATH."""


class NmapTimeout(NmapError):
    """Nmap ran past the time allowed for the whole scan."""


class NmapFailed(NmapError):
    """Nmap exited with an error or printed output that is not Nmap XML."""


class UnknownProfile(ValueError):
    """No scan profile has this name."""


@dataclass(frozen=True)
class ScanProfile:
    """A named, fixed set of Nmap options built from the allowed vocabulary."""

    name: str
    label: str
    args: tuple[str, ...]
    host_timeout_s: int = DEFAULT_HOST_TIMEOUT_S

    @classmethod
    def build(
        cls,
        name: str,
        *,
        ports: Literal["top100", "top1000"] | Sequence[int],
        service_detection: bool,
        timing: int,
        udp: bool = False,
        host_timeout_s: int = DEFAULT_HOST_TIMEOUT_S,
        label: str | None = None,
    ) -> ScanProfile:
        """Build a profile from choices an administrator made in a form.

        Raises ValueError with a message saying what to fix for anything outside
        the vocabulary.
        """
        if not isinstance(name, str) or not _PROFILE_NAME.match(name):
            raise ValueError(
                f"{name!r} is not a valid profile name: use 1–50 lower-case letters, digits,"
                " '-' or '_', starting with a letter or digit"
            )
        if isinstance(timing, bool) or not isinstance(timing, int) or not 0 <= timing <= 5:
            raise ValueError(f"timing must be a whole number from 0 to 5, not {timing!r}")
        if isinstance(host_timeout_s, bool) or not isinstance(host_timeout_s, int):
            raise ValueError(
                f"host_timeout_s must be a whole number of seconds, not {host_timeout_s!r}"
            )
        if not 1 <= host_timeout_s <= 86400:
            raise ValueError(f"host_timeout_s must be 1–86400 seconds, not {host_timeout_s}")
        args: list[str] = ["-sT"]
        if udp:
            args.append("-sU")
        if ports == "top100":
            args += ["--top-ports", "100"]
        elif ports == "top1000":
            args += ["--top-ports", "1000"]
        elif isinstance(ports, str):
            raise ValueError(
                f"ports must be 'top100', 'top1000' or a list of port numbers, not {ports!r}"
            )
        else:
            numbers = _check_ports(ports)
            spec = ",".join(str(p) for p in numbers)
            args += ["-p", f"T:{spec},U:{spec}" if udp else spec]
        if service_detection:
            args.append("-sV")
        args += [f"-T{timing}", "-Pn"]
        return cls(name=name, label=label or name, args=tuple(args), host_timeout_s=host_timeout_s)


def _check_ports(ports: Sequence[int]) -> list[int]:
    numbers: list[int] = []
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"{port!r} is not a port: ports are whole numbers from 1 to 65535")
        numbers.append(port)
    if not numbers:
        raise ValueError("give at least one port, or choose 'top100' or 'top1000'")
    if len(set(numbers)) > MAX_EXPLICIT_PORTS:
        raise ValueError(f"at most {MAX_EXPLICIT_PORTS} explicit ports; choose 'top1000' instead")
    return sorted(set(numbers))


BUILTIN_PROFILES: dict[str, ScanProfile] = {
    "quick": ScanProfile.build(
        "quick",
        label="Quick: top 100 TCP ports",
        ports="top100",
        service_detection=False,
        timing=4,
        host_timeout_s=120,
    ),
    "standard": ScanProfile.build(
        "standard",
        label="Standard: top 1000 TCP ports with service detection",
        ports="top1000",
        service_detection=True,
        timing=4,
        host_timeout_s=600,
    ),
}


def get_profile(name: str, extra: dict[str, ScanProfile] | None = None) -> ScanProfile:
    """The built-in (or ``extra``, admin-defined) profile called ``name``."""
    profiles = {**BUILTIN_PROFILES, **(extra or {})}
    if not isinstance(name, str) or name not in profiles:
        known = ", ".join(sorted(profiles))
        raise UnknownProfile(f"there is no scan profile called {name!r}: choose one of {known}")
    return profiles[name]


def build_argv(profile: ScanProfile, targets: Sequence[Target]) -> list[str]:
    """The exact argv for ``profile`` against ``targets``; raises before anything runs.

    Targets must be ``ipaddress`` objects (TypeError otherwise; a str is never
    accepted, even one that looks like an address), all of one IP version.
    """
    if not isinstance(profile, ScanProfile):
        raise TypeError(f"profile must be a ScanProfile, not {type(profile).__name__}")
    for arg in profile.args:
        if not isinstance(arg, str) or not _ALLOWED_ARG.match(arg):
            raise ValueError(
                f"profile {profile.name!r} carries an option that is not allowed: {arg!r}"
            )
    if isinstance(targets, str | bytes):
        raise TypeError("targets must be a sequence of ipaddress objects, not text")
    rendered: list[str] = []
    versions: set[int] = set()
    for target in targets:
        if not isinstance(target, IPv4Address | IPv6Address | IPv4Network | IPv6Network):
            raise TypeError(
                f"scan targets must be ipaddress objects, not {type(target).__name__} {target!r}:"
                " parse and scope-check text first"
            )
        text = str(target)
        # Impossible for ipaddress objects; kept as a last line of defence.
        if text.startswith("-") or any(ch.isspace() for ch in text):
            raise ValueError(f"refusing the target {text!r}")
        versions.add(target.version)
        rendered.append(text)
    if not rendered:
        raise ValueError("give at least one target to scan")
    if len(versions) > 1:
        raise ValueError("Nmap scans IPv4 and IPv6 targets in separate runs: split the targets")
    argv = ["nmap", *profile.args, "-n", "--host-timeout", f"{profile.host_timeout_s}s"]
    if versions == {6}:
        argv.append("-6")
    argv += ["-oX", "-", *rendered]
    return argv


@dataclass
class PortResult:
    """One port Nmap reported on one host ("" where Nmap said nothing)."""

    address: str
    port: int
    protocol: str
    state: str
    service: str = ""
    product: str = ""
    version: str = ""


@dataclass
class HostScan:
    """One host: its state ("up", "down") and the ports Nmap listed."""

    address: str
    state: str
    ports: list[PortResult] = field(default_factory=list)

    @property
    def open_ports(self) -> list[PortResult]:
        """Only the ports in state "open"."""
        return [p for p in self.ports if p.state == "open"]


@dataclass
class ScanResult:
    """What one Nmap run found, how long it took and the argv that ran.

    ``scanned`` is the port set Nmap covered, by protocol, from its own report
    (``<scaninfo services=...>``): a port outside it was not looked at.
    ``service_detection`` says whether ``-sV`` ran, i.e. whether service names,
    products and versions were probed rather than guessed from the port number.
    """

    hosts: list[HostScan]
    elapsed_s: float
    command: list[str]
    scanned: dict[str, frozenset[int]] = field(default_factory=dict)
    service_detection: bool = False


def parse_xml(text: str) -> ScanResult:
    """Parse Nmap's XML (``-oX``) into dataclasses; NmapFailed if it is not Nmap XML."""
    try:
        # Nmap's own output, produced by a process this module started (or a recording).
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError as error:
        raise NmapFailed(f"Nmap's output is not valid XML ({error})") from None
    if root.tag != "nmaprun":
        raise NmapFailed(f"Nmap's output is not an Nmap report (root element <{root.tag}>)")
    hosts: list[HostScan] = []
    for host in root.iter("host"):
        address = ""
        for addr in host.findall("address"):
            if addr.get("addrtype") in ("ipv4", "ipv6"):
                address = addr.get("addr", "")
                break
        status = host.find("status")
        scan = HostScan(
            address=address, state=status.get("state", "") if status is not None else ""
        )
        for port in host.findall("ports/port"):
            state = port.find("state")
            service = port.find("service")
            scan.ports.append(
                PortResult(
                    address=address,
                    port=int(port.get("portid", "0")),
                    protocol=port.get("protocol", ""),
                    state=state.get("state", "") if state is not None else "",
                    service=service.get("name", "") if service is not None else "",
                    product=service.get("product", "") if service is not None else "",
                    version=service.get("version", "") if service is not None else "",
                )
            )
        hosts.append(scan)
    finished = root.find("runstats/finished")
    elapsed = float(finished.get("elapsed", "0") or 0) if finished is not None else 0.0
    command = shlex.split(root.get("args", ""))
    scanned: dict[str, frozenset[int]] = {}
    for info in root.findall("scaninfo"):
        protocol = info.get("protocol", "")
        ports = parse_port_ranges(info.get("services", ""))
        scanned[protocol] = scanned.get(protocol, frozenset()) | ports
    return ScanResult(
        hosts=hosts,
        elapsed_s=elapsed,
        command=command,
        scanned=scanned,
        service_detection="-sV" in command,
    )


def parse_port_ranges(text: str) -> frozenset[int]:
    """Nmap's port list ("7,9,13,21-23") as a set; NmapFailed if it is not one."""
    ports: set[int] = set()
    for part in text.split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise NmapFailed(
                f"Nmap's report lists ports as {text[:80]!r}: not a port list"
            ) from None
        ports.update(range(first, last + 1))
    return frozenset(ports)


def nmap_path() -> str:
    """Where the nmap binary is; NmapNotFound with what to do when it is missing."""
    path = shutil.which("nmap")
    if path is None:
        raise NmapNotFound(
            "the nmap binary was not found on PATH: install Nmap (apt-get install nmap)"
            " on every machine that runs discovery workers"
        )
    return path


def run_scan(
    profile: ScanProfile, targets: Sequence[Target], *, timeout_s: float | None = None
) -> ScanResult:
    """Run ``profile`` against ``targets`` and parse the result.

    The argv is validated before Nmap is looked up or started. ``timeout_s``
    bounds the whole run (default: the profile's host timeout plus a minute);
    past it the process is killed and NmapTimeout is raised.
    """
    argv = build_argv(profile, targets)
    argv[0] = nmap_path()
    limit = timeout_s if timeout_s is not None else profile.host_timeout_s + 60
    started = time.monotonic()
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=limit, check=False, shell=False
        )
    except subprocess.TimeoutExpired:
        raise NmapTimeout(f"Nmap did not finish within {limit:g} s and was stopped") from None
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()[-500:]
        raise NmapFailed(f"Nmap exited with status {completed.returncode}: {detail}")
    result = parse_xml(completed.stdout)
    result.command = argv
    result.service_detection = "-sV" in profile.args
    result.elapsed_s = elapsed
    return result
