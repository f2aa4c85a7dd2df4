"""The one SSH wrapper (Netmiko over paramiko): plain values in, dataclasses out, no ORM.

Connection tests, platform detection and backups all connect through `connect()`:

1. A plain TCP connect tells a refused port, no route and a timeout apart.
2. A paramiko handshake without authentication reads the server's host key and
   tells "no common algorithms" (a legacy device) apart. A key that differs from
   the pin stops here: no credential is ever sent to a device whose key changed.
3. Netmiko then logs in with each credential set in turn, with strict host-key
   checking against a one-line known_hosts file holding the pinned (or, on first
   use, the just-seen) key, so the key cannot change between steps 2 and 3.

Secrets travel only in `Credentials` objects and are never put in messages.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict, Unpack

import paramiko

if TYPE_CHECKING:
    from netmiko import BaseConnection, SSHDetect

CONNECT_TIMEOUT = 8.0
AUTH_TIMEOUT = 10.0
READ_TIMEOUT = 15.0


class Diagnosis:
    """What went wrong, in words a person can act on; the code is stored and filtered on."""

    OK = "ok"
    NO_DNS = "no_dns"
    OUT_OF_SCOPE = "out_of_scope"
    NO_ROUTE = "no_route"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    NOT_SSH = "not_ssh"
    NO_COMMON_ALGORITHMS = "no_common_algorithms"
    HOST_KEY_CHANGED = "host_key_changed"
    AUTH_FAILED = "auth_failed"
    ENABLE_REJECTED = "enable_rejected"
    NO_CREDENTIALS = "no_credentials"
    BAD_KEY = "bad_key"
    ERROR = "error"

    TEXT = {
        OK: "Connected.",
        NO_DNS: "The name does not resolve: check it, or use an address.",
        OUT_OF_SCOPE: "The address is outside the scan allowlist.",
        NO_ROUTE: "No route to the address: check the address, cabling and routing.",
        REFUSED: "Connection refused: nothing listens on the SSH port (is SSH enabled? "
        "right port?).",
        TIMEOUT: "No answer (timeout): a firewall may drop the packets, or the device is down.",
        NOT_SSH: "Something answers on the port, but it does not speak SSH.",
        NO_COMMON_ALGORITHMS: "No common SSH algorithms (a legacy device): it offers only key "
        "exchanges, host keys or ciphers that Netkeep does not support. Upgrade its SSH server "
        "or enable a modern algorithm on it (an RSA, ECDSA or Ed25519 host key; curve25519 or "
        "ecdh key exchange; aes-ctr or aes-gcm ciphers).",
        HOST_KEY_CHANGED: "The SSH host key changed: check the device, then accept the new key "
        "on the device page. Nothing was sent to it.",
        AUTH_FAILED: "Authentication failed with every credential set.",
        ENABLE_REJECTED: "Logged in, but the enable password was rejected: correct the enable "
        "secret of the credential set.",
        NO_CREDENTIALS: "No credential set to try: add one to the device, its site or a tag.",
        BAD_KEY: "The SSH private key of a credential set cannot be read (wrong passphrase?).",
        ERROR: "The connection failed.",
    }


@dataclass
class Credentials:
    """One credential set's values for one connection; never logged or stored by this module."""

    name: str
    username: str
    password: str = ""
    enable_secret: str = ""
    private_key: str = ""
    passphrase: str = ""

    def __repr__(self) -> str:
        return f"Credentials(name={self.name!r}, username={self.username!r}, secrets=hidden)"


@dataclass
class Attempt:
    """How one credential set fared."""

    credential: str
    diagnosis: str
    detail: str = ""


@dataclass
class Result:
    """The outcome of a connection: a diagnosis code, its words, and what was seen."""

    diagnosis: str
    message: str
    address: str = ""
    host_key: str = ""
    prompt: str = ""
    working: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.diagnosis == Diagnosis.OK


class _Seen(TypedDict, total=False):
    """What a connection attempt saw, for its Result."""

    host_key: str
    prompt: str
    working: str
    attempts: list[Attempt]


@dataclass
class Probe:
    """What the handshake saw before any credential was sent."""

    diagnosis: str
    detail: str = ""
    host_key: str = ""


def _tcp(address: str, port: int, timeout: float) -> Probe | socket.socket:
    try:
        return socket.create_connection((address, port), timeout=timeout)
    except ConnectionRefusedError:
        return Probe(Diagnosis.REFUSED)
    except TimeoutError:
        return Probe(Diagnosis.TIMEOUT)
    except OSError as error:
        if error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
            return Probe(Diagnosis.NO_ROUTE, error.strerror or "")
        if error.errno == errno.ECONNREFUSED:
            return Probe(Diagnosis.REFUSED)
        return Probe(Diagnosis.ERROR, f"{type(error).__name__}: {error.strerror or error}")


def probe(address: str, port: int = 22, timeout: float = CONNECT_TIMEOUT) -> Probe:
    """TCP connect and SSH handshake (no authentication): the server's host key or why not."""
    sock = _tcp(address, port, timeout)
    if isinstance(sock, Probe):
        return sock
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
        key = transport.get_remote_server_key()
        return Probe(Diagnosis.OK, host_key=f"{key.get_name()} {key.get_base64()}")
    except paramiko.ssh_exception.IncompatiblePeer as error:
        return Probe(Diagnosis.NO_COMMON_ALGORITHMS, str(error))
    except paramiko.SSHException as error:
        text = str(error)
        if "banner" in text.lower():
            return Probe(Diagnosis.NOT_SSH, text)
        if "incompatible" in text.lower() or "no acceptable" in text.lower():
            return Probe(Diagnosis.NO_COMMON_ALGORITHMS, text)
        return Probe(Diagnosis.ERROR, text)
    except (EOFError, OSError) as error:
        return Probe(Diagnosis.NOT_SSH, f"{type(error).__name__}: {error}")
    finally:
        transport.close()
        sock.close()


def load_private_key(text: str, passphrase: str = "") -> paramiko.PKey:
    """A paramiko key from OpenSSH/PEM text; ValueError (no secret in it) when unreadable."""
    errors = []
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text), password=passphrase or None)
        except (paramiko.SSHException, ValueError, TypeError) as error:
            errors.append(type(error).__name__)
    raise ValueError("the SSH private key cannot be read: wrong passphrase or not a key")


@contextmanager
def _known_hosts(address: str, port: int, key: str) -> Iterator[str]:
    """A one-line known_hosts file for this address (paramiko's "[addr]:port" form)."""
    name = address if port == 22 else f"[{address}]:{port}"
    handle, path = tempfile.mkstemp(prefix="netkeep-known-", suffix=".txt")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(f"{name} {key}\n")
        yield path
    finally:
        os.unlink(path)


def _classify(error: BaseException) -> tuple[str, str]:
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

    text = " ".join(str(error).split())
    if isinstance(error, NetmikoAuthenticationException):
        return Diagnosis.AUTH_FAILED, "username, password or key refused"
    lowered = text.lower()
    if "not found in known_hosts" in lowered or "host key" in lowered:
        return Diagnosis.HOST_KEY_CHANGED, "the host key changed during the connection"
    if isinstance(error, NetmikoTimeoutException):
        return Diagnosis.TIMEOUT, text[:300]
    return Diagnosis.ERROR, f"{type(error).__name__}: {text[:300]}"


def _session_args(
    device_type: str, address: str, port: int, creds: Credentials, known_hosts: str
) -> dict[str, object]:
    args: dict[str, object] = {
        "device_type": device_type,
        "host": address,
        "port": port,
        "username": creds.username,
        "password": creds.password or None,
        "secret": creds.enable_secret,
        "allow_agent": False,
        "use_keys": False,
        "ssh_strict": True,
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": known_hosts,
        "conn_timeout": CONNECT_TIMEOUT,
        "auth_timeout": AUTH_TIMEOUT,
        "banner_timeout": CONNECT_TIMEOUT,
        "read_timeout_override": READ_TIMEOUT,
        "fast_cli": True,
    }
    if creds.private_key:
        # Paramiko uses `pkey` as given; Netmiko's use_keys would look for a key *file*.
        args["pkey"] = load_private_key(creds.private_key, creds.passphrase)
    return args


@contextmanager
def session(
    device_type: str,
    address: str,
    creds: Credentials,
    host_key: str,
    port: int = 22,
) -> Iterator[BaseConnection]:
    """An open Netmiko session with strict host-key checking against `host_key` (for backups)."""
    from netmiko import ConnectHandler

    with _known_hosts(address, port, host_key) as path:
        conn = ConnectHandler(**_session_args(device_type, address, port, creds, path))
        try:
            yield conn
        finally:
            conn.disconnect()


def connect(
    device_type: str,
    address: str,
    credentials: list[Credentials],
    pinned_key: str = "",
    port: int = 22,
    *,
    command: str = "",
) -> Result:
    """Try each credential set in order; the first that logs in (and enters enable) wins.

    `address` must be an address already checked against the allowlist. With no
    `pinned_key` the key seen now is trusted (the caller pins `result.host_key`).
    """
    started = time.monotonic()

    def done(diagnosis: str, detail: str = "", **kw: Unpack[_Seen]) -> Result:
        message = Diagnosis.TEXT[diagnosis] + (f" ({detail})" if detail else "")
        return Result(diagnosis, message, address=address, seconds=time.monotonic() - started, **kw)

    seen = probe(address, port)
    if seen.diagnosis != Diagnosis.OK:
        return done(seen.diagnosis, seen.detail)
    if pinned_key and " ".join(pinned_key.split()) != seen.host_key:
        return done(Diagnosis.HOST_KEY_CHANGED, host_key=seen.host_key)
    if not credentials:
        return done(Diagnosis.NO_CREDENTIALS, host_key=seen.host_key)
    attempts: list[Attempt] = []
    prompt = ""
    for creds in credentials:
        outcome = _login(device_type, address, port, creds, seen.host_key)
        attempts.append(outcome.attempt)
        if outcome.attempt.diagnosis == Diagnosis.OK:
            return done(
                Diagnosis.OK,
                f"as {creds.username} with set {creds.name}",
                host_key=seen.host_key,
                prompt=outcome.prompt,
                working=creds.name,
                attempts=attempts,
            )
        if outcome.attempt.diagnosis == Diagnosis.HOST_KEY_CHANGED:
            return done(
                outcome.attempt.diagnosis,
                f"set {creds.name}",
                host_key=seen.host_key,
                prompt=outcome.prompt,
                attempts=attempts,
            )
        if outcome.attempt.diagnosis == Diagnosis.ENABLE_REJECTED:
            prompt = prompt or outcome.prompt
            continue  # a later set may hold the right enable secret
        if outcome.attempt.diagnosis not in (Diagnosis.AUTH_FAILED, Diagnosis.BAD_KEY):
            # The device stopped answering: more sets would only wait for the same timeout.
            return done(
                outcome.attempt.diagnosis,
                outcome.attempt.detail,
                host_key=seen.host_key,
                attempts=attempts,
            )
    refused = [a.credential for a in attempts if a.diagnosis == Diagnosis.ENABLE_REJECTED]
    if refused:
        # Some set logged in: the enable secret, not the login, is what to fix.
        return done(
            Diagnosis.ENABLE_REJECTED,
            f"set {', '.join(refused)}",
            host_key=seen.host_key,
            prompt=prompt,
            attempts=attempts,
        )
    tried = ", ".join(a.credential for a in attempts)
    return done(Diagnosis.AUTH_FAILED, f"tried {tried}", host_key=seen.host_key, attempts=attempts)


@dataclass
class _Login:
    attempt: Attempt
    prompt: str = ""


def _login(device_type: str, address: str, port: int, creds: Credentials, key: str) -> _Login:
    from netmiko import ConnectHandler

    with _known_hosts(address, port, key) as path:
        try:
            args = _session_args(device_type, address, port, creds, path)
        except ValueError as error:
            return _Login(Attempt(creds.name, Diagnosis.BAD_KEY, str(error)))
        try:
            conn = ConnectHandler(**args)
        except Exception as error:
            diagnosis, detail = _classify(error)
            return _Login(Attempt(creds.name, diagnosis, detail))
        try:
            prompt = conn.find_prompt()
            if creds.enable_secret and device_type != "linux":
                try:
                    conn.enable()
                    prompt = conn.find_prompt()
                except Exception as error:
                    detail = " ".join(str(error).split())[:200]
                    return _Login(Attempt(creds.name, Diagnosis.ENABLE_REJECTED, detail), prompt)
            return _Login(Attempt(creds.name, Diagnosis.OK), prompt)
        except Exception as error:
            diagnosis, detail = _classify(error)
            return _Login(Attempt(creds.name, diagnosis, detail))
        finally:
            with contextlib.suppress(Exception):  # the session is over either way
                conn.disconnect()


# SSHDetect waits this long for more output after a command goes quiet (Netmiko: 6 s).
# The patterns it looks for are in the first lines of `show version` and the like.
DETECT_QUIET_S = 2.0


def _detector(args: dict[str, object]) -> SSHDetect:
    """Netmiko's SSHDetect, reading each command's output with a shorter quiet time."""
    from netmiko import SSHDetect

    class Detector(SSHDetect):
        def _send_command(self, cmd: str = "") -> str:
            self.connection.write_channel(cmd + "\n")
            time.sleep(0.5)
            output = self.connection.read_channel_timing(last_read=DETECT_QUIET_S)
            return str(self.connection.strip_backspaces(output))

    return Detector(**args)


def detect_platform(
    address: str,
    creds: Credentials,
    host_key: str,
    port: int = 22,
    *,
    candidates: frozenset[str] | set[str] = frozenset(),
) -> str:
    """Netmiko's SSHDetect guess among `candidates` (Netmiko device types); "" when it cannot tell.

    SSHDetect's own patterns and priorities decide, but only for the platforms the
    caller supports, and it stops after the first command some candidate
    recognises: Netmiko's `autodetect()` sends every command of every platform it
    knows (about two minutes against a Cisco IOS device) unless a 99 % match ends it.
    The commands are the read-only ones Netmiko's table lists (`show version`,
    `display version`, `uname -a`, ...), sent in its order.
    """
    from netmiko.ssh_autodetect import SSH_MAPPER_BASE

    table = [(kind, spec) for kind, spec in SSH_MAPPER_BASE if not candidates or kind in candidates]
    commands = list(dict.fromkeys(str(spec["cmd"]) for _, spec in table))
    with _known_hosts(address, port, host_key) as path:
        args = _session_args("autodetect", address, port, creds, path)
        args.pop("read_timeout_override", None)
        args.pop("fast_cli", None)
        guesser = _detector(args)
        try:
            for command in commands:
                scores: dict[str, int] = {}
                for kind, spec in table:
                    if spec["cmd"] != command:
                        continue
                    options = {k: v for k, v in spec.items() if k != "dispatch"}
                    scores[kind] = getattr(guesser, str(spec["dispatch"]))(**options)
                best = max(scores.items(), key=lambda item: item[1], default=("", 0))
                if best[1]:
                    return best[0]
            return ""
        finally:
            guesser.connection.disconnect()
