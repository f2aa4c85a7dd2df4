"""Connection tests and platform detection of a device: what the jobs in inventory/jobs.py run.

The worker is given the device's id and loads the credential sets itself, so no
secret is ever a task argument. The I/O runs with no transaction open; results
are written in short updates afterwards.
"""

from __future__ import annotations

import ipaddress

from django.utils import timezone

from inventory import ssh
from inventory.models import CredentialSet, Device, Platform
from netkeep import outbound


def scope_refusal(device: Device) -> str:
    """Why a connection to this device would be refused, known without any network I/O.

    A device reached by name is checked when the connection resolves it (a request
    never resolves names).
    """
    if device.ssh_host:
        return ""
    host = device.management_host
    if host is None:
        return "This device has no management address: add one on the edit page."
    why = outbound.refusal(ipaddress.ip_address(host.address))
    if why and host.subnet_id:
        why += f" Its IPAM subnet is {host.subnet.network}."
    return why


def _credentials(sets: list[CredentialSet]) -> list[ssh.Credentials]:
    return [
        ssh.Credentials(
            name=c.name,
            username=c.username,
            password=c.password,
            enable_secret=c.enable_secret,
            private_key=c.ssh_private_key,
            passphrase=c.ssh_key_passphrase,
        )
        for c in sets
    ]


def _address(device: Device) -> tuple[str, ssh.Result | None]:
    """The checked address to connect to, or the result that says why there is none."""
    if device.ssh_host:
        target = device.ssh_host
    elif device.management_host is not None:
        target = device.management_host.address
    else:
        return "", ssh.Result(ssh.Diagnosis.ERROR, scope_refusal(device))
    try:
        address = outbound.check_target(target, device.ssh_port)
    except outbound.Unresolvable as error:
        return "", ssh.Result(ssh.Diagnosis.NO_DNS, str(error))
    except outbound.OutOfScope as error:
        return "", ssh.Result(ssh.Diagnosis.OUT_OF_SCOPE, scope_refusal(device) or str(error))
    return str(address), None


def check_connection(device: Device) -> ssh.Result:
    """Connect with each credential set in order and record what happened on the device."""
    address, refused = _address(device)
    sets = device.credential_order()
    result = refused or ssh.connect(
        device.device_type or "generic",
        address,
        _credentials(sets),
        pinned_key=device.ssh_host_key,
        port=device.ssh_port,
    )
    record(device, result, sets)
    return result


def record(device: Device, result: ssh.Result, sets: list[CredentialSet]) -> None:
    """Write a test's outcome on the device: pin a first key, remember the working set."""
    if result.host_key:
        state = device.check_host_key(result.host_key)
        if state == "changed" and result.ok:
            # Cannot happen (the wrapper stops first); never trust a changed key silently.
            result.diagnosis = ssh.Diagnosis.HOST_KEY_CHANGED
    fields: dict[str, object] = {
        "last_test_at": timezone.now(),
        "last_test_ok": result.ok,
        "last_test_message": result.message[:500],
        "last_test_diagnosis": result.diagnosis,
        "last_prompt": result.prompt[:200],
    }
    if result.ok:
        fields["working_credential"] = next((c for c in sets if c.name == result.working), None)
    Device.objects.filter(pk=device.pk).update(**fields)


def summary(result: ssh.Result) -> dict[str, object]:
    return {
        "diagnosis": result.diagnosis,
        "message": result.message,
        "prompt": result.prompt,
        "working": result.working,
        "attempts": [
            {"set": a.credential, "diagnosis": a.diagnosis, "detail": a.detail}
            for a in result.attempts
        ],
        "seconds": round(result.seconds, 2),
    }


def detect(device: Device) -> tuple[str, ssh.Result]:
    """SSHDetect's guess with the first set that logs in; ("", why) when there is none."""
    address, refused = _address(device)
    if refused is not None:
        return "", refused
    sets = device.credential_order()
    result = ssh.connect(
        "generic", address, _credentials(sets), device.ssh_host_key, device.ssh_port
    )
    record(device, result, sets)
    if not result.ok:
        return "", result
    creds = next(c for c in _credentials(sets) if c.name == result.working)
    guess = ssh.detect_platform(
        address, creds, result.host_key, device.ssh_port, candidates=set(Platform.values)
    )
    if guess not in Platform.values:
        guess = ""
    Device.objects.filter(pk=device.pk).update(suggested_platform=guess)
    return guess, result
