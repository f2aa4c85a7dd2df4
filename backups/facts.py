"""Facts from show commands: serial, model and OS version; ARP entries; LLDP/CDP neighbours.

Parsed with the maintained TextFSM templates of ntc-templates (installed with
Netmiko) where one exists for the platform and command; a platform without a
template yields no facts rather than a guess. Plain text in, dataclasses out.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceFacts:
    """What `show version` says about the device; empty strings where it does not say."""

    serial: str = ""
    model: str = ""
    os_version: str = ""


@dataclass(frozen=True)
class ArpEntry:
    """An address and the MAC address the device has for it (lower case, colon-separated)."""

    address: str
    mac: str
    interface: str = ""


@dataclass(frozen=True)
class Neighbour:
    """A device seen on a local interface through LLDP or CDP."""

    local_interface: str
    name: str
    remote_interface: str
    address: str = ""


@lru_cache(maxsize=128)
def _template(platform: str, command: str) -> str | None:
    """The text of ntc-templates' template named for this platform and command, if any.

    ntc-templates names a template `<platform>_<command words>.textfsm`. Reading it
    directly skips its index (a thousand regular expressions compiled per worker
    process, seconds of CPU: more than a whole backup takes).
    """
    import ntc_templates

    folder = (
        os.environ.get("NTC_TEMPLATES_DIR") or Path(ntc_templates.__file__).parent / "templates"
    )
    path = Path(folder) / f"{platform}_{'_'.join(command.split())}.textfsm"
    return path.read_text() if path.is_file() else None


def _parse(platform: str, command: str | None, output: str) -> list[dict[str, object]]:
    if not command or not output.strip():
        return []
    try:
        template = _template(platform, command)
        if template is not None:
            import textfsm

            fsm = textfsm.TextFSM(io.StringIO(template))
            header = [name.lower() for name in fsm.header]
            return [dict(zip(header, row, strict=True)) for row in fsm.ParseText(output)]
        # Another name for the command (an abbreviation, a pipe): ask the index.
        from ntc_templates.parse import parse_output

        rows = parse_output(platform=platform, command=command, data=output)
    except Exception as exc:  # no template for this platform/command, or output it cannot read
        logger.info("no facts from %s %r: %s", platform, command, exc)
        return []
    return [row for row in rows if isinstance(row, dict)]


def _first(row: dict[str, object], *keys: str) -> str:
    for key in keys:
        value = row.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value).strip()[:100]
    return ""


def version(platform: str, command: str | None, output: str) -> DeviceFacts:
    rows = _parse(platform, command, output)
    if not rows:
        return DeviceFacts()
    row = rows[0]
    return DeviceFacts(
        serial=_first(row, "serial", "serial_number", "serialnum"),
        model=_first(row, "hardware", "model", "platform", "chassis"),
        os_version=_first(row, "version", "image", "os", "software_version", "junos_version"),
    )


def normalise_mac(value: str) -> str | None:
    digits = "".join(c for c in value.lower() if c in "0123456789abcdef")
    if len(digits) != 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def arp(platform: str, command: str | None, output: str) -> list[ArpEntry]:
    entries = []
    for row in _parse(platform, command, output):
        address = _first(row, "ip_address", "address")
        mac = normalise_mac(_first(row, "mac_address", "mac"))
        try:
            ipaddress.ip_address(address)
        except ValueError:
            continue
        if mac:
            entries.append(ArpEntry(address, mac, _first(row, "interface", "port")))
    return entries


def neighbours(platform: str, command: str | None, output: str) -> list[Neighbour]:
    found = []
    for row in _parse(platform, command, output):
        name = _first(row, "neighbor_name", "neighbor", "destination_host", "system_name")
        local = _first(row, "local_interface", "local_port")
        if name and local:
            found.append(
                Neighbour(
                    local_interface=local,
                    name=name,
                    remote_interface=_first(
                        row, "neighbor_interface", "neighbor_port_id", "port_id"
                    ),
                    address=_first(row, "mgmt_address", "management_ip", "mgmt_ip"),
                )
            )
    return found
