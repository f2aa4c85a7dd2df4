"""Inventory in the lab: connection-test diagnoses against real SSH servers, service checks.

SSH servers are fakenos devices (cisco_ios, arista_eos) started in the lab's
hosts namespace on lab addresses; the code under test runs in the scanner
namespace with the scan allowlist set to the lab's range, so the real outbound
check is exercised (nothing is patched).
"""

from __future__ import annotations

import http.server  # noqa: F401  (the servers below run it in the hosts namespace)
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest

from inventory import checks, connect, ssh
from inventory.addressing import host_for
from inventory.models import CheckStatus, Device, DeviceCredential, ServiceCheck
from tests.factories import make_credential_set, make_device, make_subnet
from tests.lab.netns import Lab

pytestmark = pytest.mark.django_db

FAKENOS = textwrap.dedent(
    """
    import sys, time
    from fakenos import FakeNOS
    platform, address, port, user, password, key = sys.argv[1:7]
    server = {"plugin": "ParamikoSshServer",
              "configuration": {"address": address, "timeout": 1, "ssh_key_file": key}}
    inventory = {"default": {"username": user, "password": password, "port": int(port),
                             "server": server, "shell": {"plugin": "CMDShell", "configuration": {}},
                             "nos": {"plugin": platform, "configuration": {}}},
                 "hosts": {"dev": {"port": int(port), "platform": platform}}}
    net = FakeNOS(inventory=inventory)
    net.start()
    print("ready", flush=True)
    while True:
        time.sleep(60)
    """
)
CISCO, ARISTA, SILENT, UNREACHABLE = "198.18.0.233", "198.18.0.144", "198.18.0.4", "198.18.0.77"


def _key(path: Path) -> str:
    paramiko.RSAKey.generate(2048).write_private_key_file(str(path))
    return str(path)


def _wait_for_port(lab: Lab, address: str, port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        probe = lab.exec(
            [
                sys.executable,
                "-c",
                f"import socket; socket.create_connection(('{address}', {port}), 1)",
            ]
        )
        if probe.returncode == 0:  # type: ignore[union-attr]
            return
        time.sleep(0.3)
    raise RuntimeError(f"nothing listens on {address}:{port}")


def _fakenos(lab: Lab, platform: str, address: str, key: str) -> subprocess.Popen[bytes]:
    process = lab.spawn_in(
        lab.hosts_ns,
        [sys.executable, "-u", "-c", FAKENOS, platform, address, "22", "admin", "right", key],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert b"ready" in process.stdout.readline()
    _wait_for_port(lab, address, 22)
    return process


@pytest.fixture(scope="module")
def devices(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("keys")
    cisco = _fakenos(lab, "cisco_ios", CISCO, _key(folder / "cisco"))
    arista = _fakenos(lab, "arista_eos", ARISTA, _key(folder / "arista"))
    lab._ns(lab.scanner_ns, "ip", "route", "add", "unreachable", f"{UNREACHABLE}/32")
    running = {"cisco": cisco, "arista": arista, "folder": folder}
    yield running
    # A test may have replaced a device (a new host key): stop what runs now.
    lab.stop(running["cisco"])
    lab.stop(running["arista"])
    lab._ns(lab.scanner_ns, "ip", "route", "del", "unreachable", f"{UNREACHABLE}/32")


@pytest.fixture
def scope(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/15"]
    make_subnet("198.18.0.0/24")


def _device(name: str, address: str, platform: str, *sets: Any) -> Device:
    device = make_device(name, platform=platform, management_host=host_for(address))
    for position, cred in enumerate(sets):
        DeviceCredential.objects.create(device=device, credential_set=cred, position=position)
    return device


def test_a_wrong_password_fails_for_that_set_and_the_second_set_works(
    lab: Lab, devices: dict[str, Any], scope: None
) -> None:
    wrong = make_credential_set("wrong", username="admin", password="nope")
    right = make_credential_set("right", username="admin", password="right")
    device = _device("core1", CISCO, "cisco_ios", wrong, right)
    with lab.enter():
        result = connect.check_connection(device)
    assert result.ok, result.message
    assert [(a.credential, a.diagnosis) for a in result.attempts] == [
        ("wrong", "auth_failed"),
        ("right", "ok"),
    ]
    assert result.prompt == "dev>"
    device.refresh_from_db()
    assert device.working_credential == right and device.ssh_host_key.startswith("ssh-rsa ")
    assert device.last_test_ok and device.last_prompt == result.prompt
    # The set that worked is tried first next time.
    with lab.enter():
        again = connect.check_connection(device)
    assert [a.credential for a in again.attempts] == ["right"]


def test_arista_eos_connects_and_every_set_failing_says_so(
    lab: Lab, devices: dict[str, Any], scope: None
) -> None:
    good = _device(
        "leaf1", ARISTA, "arista_eos", make_credential_set("ok", username="admin", password="right")
    )
    bad = _device(
        "leaf2", ARISTA, "arista_eos", make_credential_set("a", username="x", password="y")
    )
    Device.objects.filter(pk=bad.pk).update(management_host=None)
    with lab.enter():
        assert connect.check_connection(good).ok
    bad = Device.objects.get(pk=bad.pk)
    bad.management_host = good.management_host
    with lab.enter():
        failed = connect.check_connection(bad)
    assert failed.diagnosis == "auth_failed" and "tried a" in failed.message


@pytest.mark.parametrize(
    ("address", "port", "diagnosis"),
    [
        (CISCO, 2222, "refused"),
        (UNREACHABLE, 22, "no_route"),
        (SILENT, 22, "timeout"),
    ],
)
def test_network_failures_get_their_own_diagnosis(
    lab: Lab, devices: dict[str, Any], scope: None, address: str, port: int, diagnosis: str
) -> None:
    device = _device(f"d{port}", address, "cisco_ios", make_credential_set("s", password="x"))
    Device.objects.filter(pk=device.pk).update(ssh_port=port)
    device.refresh_from_db()
    started = time.monotonic()
    with lab.enter():
        result = connect.check_connection(device)
    assert result.diagnosis == diagnosis, result.message
    assert time.monotonic() - started < ssh.CONNECT_TIMEOUT + 5


def test_an_address_outside_the_allowlist_is_refused_before_any_packet(
    lab: Lab, settings: Any
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.19.0.0/24"]
    make_subnet("198.18.0.0/24")
    device = _device("outside", CISCO, "cisco_ios", make_credential_set("s", password="x"))
    with lab.enter():
        result = connect.check_connection(device)
    assert result.diagnosis == "out_of_scope"
    assert "add 198.18.0.233 (or a network that contains it)" in result.message


def test_a_changed_host_key_fails_until_an_editor_accepts_it(
    lab: Lab, devices: dict[str, Any], scope: None
) -> None:
    cred = make_credential_set("right", username="admin", password="right")
    device = _device("rebuilt", CISCO, "cisco_ios", cred)
    with lab.enter():
        assert connect.check_connection(device).ok
    # The device is rebuilt: same address, new host key.
    lab.stop(devices["cisco"])
    devices["cisco"] = _fakenos(lab, "cisco_ios", CISCO, _key(devices["folder"] / "new"))
    device.refresh_from_db()
    with lab.enter():
        changed = connect.check_connection(device)
    assert changed.diagnosis == "host_key_changed" and changed.attempts == []
    device.refresh_from_db()
    assert device.offered_host_key and device.offered_host_key != device.ssh_host_key
    device.accept_offered_host_key()
    with lab.enter():
        assert connect.check_connection(device).ok


# --- service checks ------------------------------------------------------------------

WEB = "198.18.0.11"  # the lab listens on 443 and 8080 there (plain TCP)


@pytest.fixture(scope="module")
def web(lab: Lab) -> Iterator[str]:
    """An HTTP server on 198.18.0.100:8081 in the hosts namespace."""
    process = lab.spawn_in(
        lab.hosts_ns,
        [sys.executable, "-m", "http.server", "8081", "--bind", "198.18.0.100"],
        cwd="/tmp",
    )
    _wait_for_port(lab, "198.18.0.100", 8081)
    yield "198.18.0.100"
    lab.stop(process)


def test_service_checks_follow_a_server_going_down_and_up(lab: Lab, web: str, scope: None) -> None:
    device = make_device("files")
    check = ServiceCheck.objects.create(
        name="files ui", url=f"http://{web}:8081/", device=device, timeout_s=2
    )
    tcp = ServiceCheck.objects.create(name="tls port", kind="tcp", target=f"{WEB}:443")
    with lab.enter():
        checks.run_cycle(only=[check.pk, tcp.pk])
    check.refresh_from_db()
    tcp.refresh_from_db()
    assert (check.status, tcp.status) == (CheckStatus.UP, CheckStatus.UP)
    lab.set_down(web)
    try:
        with lab.enter():
            checks.run_cycle(only=[check.pk])
        check.refresh_from_db()
        device.refresh_from_db()
        assert check.status == CheckStatus.DOWN
        assert device.unavailable_reason.startswith("files ui is down")
    finally:
        lab.set_up(web)
    with lab.enter():
        checks.run_cycle(only=[check.pk])
    device.refresh_from_db()
    assert device.unavailable_reason == ""
    assert [c.status for c in check.changes.order_by("at", "id")] == ["up", "down", "up"]


# --- the secret canary --------------------------------------------------------------

CANARY = "canary-8c1f-Zx93-never-in-clear"


def test_a_secret_appears_nowhere_but_encrypted(
    lab: Lab,
    devices: dict[str, Any],
    scope: None,
    settings: Any,
    admin_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Create sets with a known secret, test connections, rotate keys: then look everywhere."""
    import logging

    from cryptography.fernet import Fernet
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    caplog.set_level(logging.DEBUG)
    settings.NETKEEP_SECRET_KEYS = [Fernet.generate_key().decode()]
    wrong = make_credential_set("canary-wrong", username="admin", password=CANARY)
    right = make_credential_set(
        "canary-right", username="admin", password="right", enable_secret=CANARY
    )
    device = _device("canary-dev", CISCO, "cisco_ios", wrong, right)
    with lab.enter():
        connect.check_connection(device)
    # Through the page and the API too, so their audit entries and responses are covered.
    admin_client.post(
        f"/inventory/credentials/{wrong.pk}/edit/",
        {"name": "canary-wrong", "username": "admin2", "priority": "5", "password": CANARY},
    )
    api = APIClient()
    api.force_authenticate(_admin())
    created = api.post(
        "/api/inventory/credential-sets",
        {"name": "canary-api", "username": "u", "password": CANARY, "ssh_key_passphrase": CANARY},
        format="json",
    )
    assert created.status_code == 201
    settings.NETKEEP_SECRET_KEYS = [Fernet.generate_key().decode(), *settings.NETKEEP_SECRET_KEYS]
    call_command("rotate_secret_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    responses = [
        admin_client.get("/inventory/credentials/"),
        admin_client.get(f"/inventory/credentials/{wrong.pk}/edit/"),
        admin_client.get(f"/inventory/devices/{device.pk}/"),
        admin_client.get("/inventory/devices/export.csv"),
        admin_client.get(f"/admin/inventory/credentialset/{wrong.pk}/change/"),
        admin_client.get("/audit/"),
        api.get("/api/inventory/credential-sets"),
        api.get(f"/api/inventory/devices/{device.pk}"),
    ]
    for response in responses:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert CANARY.encode() not in body, response.request["PATH_INFO"]
    assert CANARY not in caplog.text
    dump = "\n".join(connection.connection.iterdump())
    assert CANARY not in dump
    assert dump.count("fernet:") >= 4  # the secrets are there, encrypted


def _admin() -> Any:
    from accounts.models import User

    return User.objects.get(username="alice")


# --- Debian's OpenSSH as a linux device ---------------------------------------------

LINUX = "198.18.0.253"


@pytest.fixture(scope="module")
def openssh(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """sshd on 198.18.0.253 in the hosts namespace, with its own /run (a private tmpfs)."""
    folder = tmp_path_factory.mktemp("sshd")
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "host")], check=True
    )
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "client")], check=True
    )
    (folder / "authorized_keys").write_text((folder / "client.pub").read_text())
    config = folder / "sshd_config"
    config.write_text(
        f"ListenAddress {LINUX}\nPort 22\nHostKey {folder / 'host'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPidFile none\n"
    )
    script = (
        f"mount -t tmpfs tmpfs /run && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f {config}"
    )
    process = lab.spawn_in(lab.hosts_ns, ["unshare", "-m", "sh", "-c", script])
    _wait_for_port(lab, LINUX, 22)
    yield {"key": (folder / "client").read_text()}
    lab.stop(process)


def test_debian_openssh_is_a_linux_device_reached_with_an_ssh_key(
    lab: Lab, openssh: dict[str, str], scope: None
) -> None:
    password_only = make_credential_set("pw", username="root", password="nope")
    keyed = make_credential_set("key", username="root", password="", ssh_private_key=openssh["key"])
    device = _device("bastion", LINUX, "linux", password_only, keyed)
    with lab.enter():
        result = connect.check_connection(device)
    assert result.ok, result.message
    assert [(a.credential, a.diagnosis) for a in result.attempts] == [
        ("pw", "auth_failed"),
        ("key", "ok"),
    ]
    assert result.prompt.endswith("#") and result.host_key.startswith("ssh-ed25519 ")
