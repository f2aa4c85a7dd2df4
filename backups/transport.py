"""Fetching a configuration over SSH: the profile's read-only commands, one session per backup.

Built on the inventory's SSH wrapper (`inventory/ssh.py`: TCP and handshake probe,
host-key pin, Netmiko sessions with strict host-key checking). Plain values in,
a dataclass out, no ORM. Credential sets are tried in order; a device that stops
answering is retried up to `attempts` times with backoff, an authentication
failure moves on to the next set, and a changed host key stops everything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from inventory import ssh

logger = logging.getLogger(__name__)

READ_TIMEOUT_S = 120.0
RETRYABLE = {
    ssh.Diagnosis.TIMEOUT,
    ssh.Diagnosis.REFUSED,
    ssh.Diagnosis.ERROR,
    ssh.Diagnosis.NOT_SSH,
}


@dataclass
class Fetched:
    """What a backup session brought back, or why it did not."""

    diagnosis: str
    message: str
    outputs: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    working: str = ""
    host_key: str = ""
    prompt: str = ""
    attempts: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.diagnosis == ssh.Diagnosis.OK


def _session(
    device_type: str,
    address: str,
    creds: ssh.Credentials,
    host_key: str,
    port: int,
    commands: Sequence[str],
    extra: dict[str, str],
) -> Fetched:
    try:
        with ssh.session(device_type, address, creds, host_key, port) as conn:
            if creds.enable_secret and device_type != "linux":
                try:
                    conn.enable()
                except Exception as error:
                    detail = " ".join(str(error).split())[:200]
                    return Fetched(ssh.Diagnosis.ENABLE_REJECTED, detail)
            prompt = conn.find_prompt()
            # Without TextFSM parsing Netmiko answers text.
            outputs = [
                str(conn.send_command(c, read_timeout=READ_TIMEOUT_S, strip_prompt=True))
                for c in commands
            ]
            found: dict[str, str] = {}
            for name, command in extra.items():
                try:
                    found[name] = str(
                        conn.send_command(command, read_timeout=60, strip_prompt=True)
                    )
                except Exception:  # facts are optional; the config is what counts
                    logger.info("no %s output from %s", name, address)
            return Fetched(ssh.Diagnosis.OK, "", outputs, found, creds.name, host_key, prompt)
    except ValueError as error:  # an unreadable private key
        return Fetched(ssh.Diagnosis.BAD_KEY, str(error))
    except Exception as error:
        diagnosis, detail = ssh._classify(error)
        return Fetched(diagnosis, detail)


def fetch(
    device_type: str,
    address: str,
    credentials: Sequence[ssh.Credentials],
    pinned_key: str,
    commands: Sequence[str],
    extra: dict[str, str] | None = None,
    port: int = 22,
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """Run `commands` (and the optional `extra` ones, by name) on the device.

    Without a `pinned_key` the key seen now is used (and returned for pinning).
    """
    started = time.monotonic()
    result = Fetched(ssh.Diagnosis.ERROR, "not tried")
    for attempt in range(1, attempts + 1):
        result = _attempt(
            device_type, address, credentials, pinned_key, commands, extra or {}, port
        )
        result.attempts = attempt
        if result.ok or result.diagnosis not in RETRYABLE or attempt == attempts:
            break
        sleep(2.0 * 2 ** (attempt - 1))  # 2 s, then 4 s
    result.seconds = time.monotonic() - started
    if not result.ok and not result.message:
        result.message = ssh.Diagnosis.TEXT.get(result.diagnosis, "The backup failed.")
    elif not result.ok:
        words = ssh.Diagnosis.TEXT.get(result.diagnosis, "")
        result.message = f"{words} ({result.message})" if words else result.message
    return result


def _attempt(
    device_type: str,
    address: str,
    credentials: Sequence[ssh.Credentials],
    pinned_key: str,
    commands: Sequence[str],
    extra: dict[str, str],
    port: int,
) -> Fetched:
    seen = ssh.probe(address, port)
    if seen.diagnosis != ssh.Diagnosis.OK:
        return Fetched(seen.diagnosis, seen.detail)
    if pinned_key and " ".join(pinned_key.split()) != seen.host_key:
        return Fetched(ssh.Diagnosis.HOST_KEY_CHANGED, "", host_key=seen.host_key)
    if not credentials:
        return Fetched(ssh.Diagnosis.NO_CREDENTIALS, "")
    tried = []
    for creds in credentials:
        result = _session(device_type, address, creds, seen.host_key, port, commands, extra)
        if result.diagnosis not in (ssh.Diagnosis.AUTH_FAILED, ssh.Diagnosis.BAD_KEY):
            result.host_key = seen.host_key
            return result
        tried.append(creds.name)
    return Fetched(ssh.Diagnosis.AUTH_FAILED, f"tried {', '.join(tried)}", host_key=seen.host_key)
