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
# Sees the commands' outputs, answers whether the extra commands should run as well.
Wanted = Callable[[list[str]], bool]
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
    extra_read: bool = False  # whether the extra commands ran (a session may skip them)

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
    extra_wanted: Wanted | None,
) -> Fetched:
    try:
        with ssh.session(device_type, address, creds, host_key, port) as conn:
            if creds.enable_secret and device_type != "linux":
                try:
                    conn.enable()
                except Exception as error:
                    detail = " ".join(str(error).split())[:200]
                    return Fetched(ssh.Diagnosis.ENABLE_REJECTED, detail)
            # Without TextFSM parsing Netmiko answers text. The prompt is read off the
            # first output's last line (as Netmiko would strip it): no round trip of its own.
            outputs, prompts = [], []
            for command in commands:
                text = str(
                    conn.send_command(command, read_timeout=READ_TIMEOUT_S, strip_prompt=False)
                )
                output, seen = split_prompt(text, conn.base_prompt)
                outputs.append(output)
                prompts.append(seen)
            prompt = next((p for p in prompts if p), "") or conn.find_prompt()
            found: dict[str, str] = {}
            wanted = bool(extra) and (extra_wanted is None or extra_wanted(outputs))
            for name, command in extra.items() if wanted else ():
                try:
                    found[name] = str(
                        conn.send_command(command, read_timeout=60, strip_prompt=True)
                    )
                except Exception:  # facts are optional; the config is what counts
                    logger.info("no %s output from %s", name, address)
            return Fetched(
                ssh.Diagnosis.OK,
                "",
                outputs,
                found,
                creds.name,
                host_key,
                prompt,
                extra_read=wanted,
            )
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
    extra_wanted: Wanted | None = None,
) -> Fetched:
    """Run `commands` (and the optional `extra` ones, by name) on the device.

    `extra_wanted`, when given, sees the commands' outputs in the open session and
    decides whether the extra commands run too. Without a `pinned_key` the key seen
    now is used (and returned for pinning).
    """
    started = time.monotonic()
    result = Fetched(ssh.Diagnosis.ERROR, "not tried")
    for attempt in range(1, attempts + 1):
        result = _attempt(
            device_type, address, credentials, pinned_key, commands, extra or {}, extra_wanted, port
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


def split_prompt(text: str, base_prompt: str) -> tuple[str, str]:
    """An output and the prompt on its last line, as Netmiko's `strip_prompt` tells them apart."""
    head, _, last = text.rpartition("\n")
    if base_prompt and base_prompt in last:
        return head, last.strip()
    return text, ""


def _attempt(
    device_type: str,
    address: str,
    credentials: Sequence[ssh.Credentials],
    pinned_key: str,
    commands: Sequence[str],
    extra: dict[str, str],
    extra_wanted: Wanted | None,
    port: int,
) -> Fetched:
    # A pinned key is checked by the session itself before any credential is sent
    # (strict checking against a one-line known_hosts); only a first contact probes.
    key = " ".join(pinned_key.split())
    if not key:
        seen = ssh.probe(address, port)
        if seen.diagnosis != ssh.Diagnosis.OK:
            return Fetched(seen.diagnosis, seen.detail)
        key = seen.host_key
    if not credentials:
        return Fetched(ssh.Diagnosis.NO_CREDENTIALS, "")
    tried = []
    for creds in credentials:
        result = _session(device_type, address, creds, key, port, commands, extra, extra_wanted)
        if result.diagnosis in (ssh.Diagnosis.AUTH_FAILED, ssh.Diagnosis.BAD_KEY):
            tried.append(creds.name)
            continue
        if not result.ok and pinned_key:
            return _diagnosed(result, address, port, key)
        result.host_key = key
        return result
    return Fetched(ssh.Diagnosis.AUTH_FAILED, f"tried {', '.join(tried)}", host_key=key)


def _diagnosed(failed: Fetched, address: str, port: int, key: str) -> Fetched:
    """Why a session against a pinned key failed: a new host key, no answer, or what it said."""
    seen = ssh.probe(address, port)
    if seen.diagnosis != ssh.Diagnosis.OK:
        return Fetched(seen.diagnosis, seen.detail)
    if seen.host_key != key:
        return Fetched(ssh.Diagnosis.HOST_KEY_CHANGED, "", host_key=seen.host_key)
    failed.host_key = key
    return failed
