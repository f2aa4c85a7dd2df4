"""Inventory in the lab: connection-test diagnoses and platform detection against real SSH
servers, service checks.

SSH servers are fakenos devices (cisco_ios with an enable secret, arista_eos, a
Junos-like NOS of our own; tests/lab/sshlab.py) and Debian's OpenSSH (a linux
device, and a legacy-only server), started in the lab's hosts namespace on lab
addresses. The code under test runs in the scanner namespace with the scan
allowlist set to the lab's range, so the real outbound check is exercised
(nothing is patched).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from inventory import checks, connect, ssh
from inventory import jobs as inventory_jobs
from inventory.addressing import host_for
from inventory.models import CheckStatus, Device, DeviceCredential, Platform, ServiceCheck
from tests.factories import make_credential_set, make_device, make_subnet
from tests.lab.netns import Lab
from tests.lab.sshlab import FakeDevice, wait_for_port

pytestmark = pytest.mark.django_db

CISCO, ARISTA, JUNOS = "198.18.0.233", "198.18.0.144", "198.18.0.200"
SILENT, UNREACHABLE = "198.18.0.4", "198.18.0.77"
USER, PASSWORD, ENABLE = "netops", "lab-password-1", "lab-enable-1"
# Real IOS and EOS answer `show version` at the `>` prompt (fakenos only at `#`),
# and this is what SSHDetect reads to tell them apart.
IOS_VERSION = (
    "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8, "
    "RELEASE SOFTWARE (fc1)\nTechnical Support: http://www.cisco.com/techsupport\n"
    "core1 uptime is 1 week, 2 days"
)
EOS_VERSION = "Arista DCS-7050SX3-48YC8\nHardware version: 11.01\nSoftware image version: 4.31.2F"


@pytest.fixture(scope="module")
def devices(lab: Lab) -> Iterator[dict[str, FakeDevice]]:
    running = {
        "cisco": FakeDevice(
            lab,
            "core1",
            CISCO,
            "cisco_ios",
            outputs={"show version": IOS_VERSION},
            enable_secret=ENABLE,
        ),
        "arista": FakeDevice(
            lab, "leaf1", ARISTA, "arista_eos", outputs={"show version": EOS_VERSION}
        ),
        "junos": FakeDevice(lab, "vsrx1", JUNOS, "juniper_junos"),
    }
    lab._ns(lab.scanner_ns, "ip", "route", "add", "unreachable", f"{UNREACHABLE}/32")
    try:
        with ThreadPoolExecutor(len(running)) as pool:  # each start takes a second or two
            list(pool.map(FakeDevice.start, running.values()))
        yield running
    finally:
        # close() stops the process running now, also one a test restarted with a new key.
        for device in running.values():
            device.close()
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
    lab: Lab, devices: dict[str, FakeDevice], scope: None
) -> None:
    wrong = make_credential_set("wrong", username=USER, password="nope")
    right = make_credential_set("right", username=USER, password=PASSWORD)
    device = _device("core1", CISCO, "cisco_ios", wrong, right)
    with lab.enter():
        result = connect.check_connection(device)
    assert result.ok, result.message
    assert [(a.credential, a.diagnosis) for a in result.attempts] == [
        ("wrong", "auth_failed"),
        ("right", "ok"),
    ]
    assert result.prompt == "core1>"
    device.refresh_from_db()
    assert device.working_credential == right and device.ssh_host_key.startswith("ssh-rsa ")
    assert device.last_test_ok and device.last_prompt == result.prompt
    # The set that worked is tried first next time.
    with lab.enter():
        again = connect.check_connection(device)
    assert [a.credential for a in again.attempts] == ["right"]


def test_arista_eos_connects_and_every_set_failing_says_so(
    lab: Lab, devices: dict[str, FakeDevice], scope: None
) -> None:
    good = _device(
        "leaf1", ARISTA, "arista_eos", make_credential_set("ok", username=USER, password=PASSWORD)
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
    lab: Lab, devices: dict[str, FakeDevice], scope: None, address: str, port: int, diagnosis: str
) -> None:
    device = _device(f"d{port}", address, "cisco_ios", make_credential_set("s", password="x"))
    Device.objects.filter(pk=device.pk).update(ssh_port=port)
    device.refresh_from_db()
    started = time.monotonic()
    with lab.enter():
        result = connect.check_connection(device)
    assert result.diagnosis == diagnosis, result.message
    assert time.monotonic() - started < ssh.CONNECT_TIMEOUT + 5


def test_a_name_that_does_not_resolve_is_its_own_diagnosis(
    lab: Lab, devices: dict[str, FakeDevice], scope: None, settings: Any
) -> None:
    """Names go to the lab's dnsmasq (NETKEEP_DNS_SERVERS), never to the system resolver."""
    settings.NETKEEP_DNS_SERVERS = [lab.dns_server]
    device = _device("by-name", CISCO, "cisco_ios", make_credential_set("s", password=PASSWORD))
    Device.objects.filter(pk=device.pk).update(ssh_host="nosuch.lab.test")
    device.refresh_from_db()
    with lab.enter():
        unknown = connect.check_connection(device)
    assert unknown.diagnosis == "no_dns" and unknown.attempts == []
    assert unknown.message == (
        f"nosuch.lab.test does not resolve (no such name at {lab.dns_server}): "
        "check the name or use an address"
    )
    # A name the server knows is resolved and its address used: nothing listens on 22 there.
    Device.objects.filter(pk=device.pk).update(ssh_host="gw.lab.test")
    device.refresh_from_db()
    with lab.enter():
        known = connect.check_connection(device)
    assert (known.diagnosis, known.address) == ("refused", "198.18.0.1"), known.message
    # Service checks resolve names the same way.
    check = ServiceCheck.objects.create(
        name="by name", url="http://nosuch.lab.test:8081/", timeout_s=2
    )
    with lab.enter():
        checks.run_cycle(only=[check.pk])
    check.refresh_from_db()
    assert check.status == CheckStatus.DOWN and "nosuch.lab.test does not resolve" in check.message


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
    lab: Lab, devices: dict[str, FakeDevice], scope: None
) -> None:
    cred = make_credential_set("right", username=USER, password=PASSWORD)
    device = _device("rebuilt", CISCO, "cisco_ios", cred)
    with lab.enter():
        assert connect.check_connection(device).ok
    # The device is rebuilt: same address, new host key.
    devices["cisco"].restart(new_key=True)
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
    wait_for_port(lab, "198.18.0.100", 8081)
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
    from rest_framework.test import APIClient

    caplog.set_level(logging.DEBUG)
    settings.NETKEEP_SECRET_KEYS = [Fernet.generate_key().decode()]
    wrong = make_credential_set("canary-wrong", username=USER, password=CANARY)
    right = make_credential_set(
        "canary-right", username=USER, password=PASSWORD, enable_secret=CANARY
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
    dump = _dump_every_table()
    assert CANARY not in dump
    assert dump.count("fernet:") >= 4  # the secrets are there, encrypted


def _dump_every_table() -> str:
    """Every row of every table as text, on SQLite and PostgreSQL alike."""
    from django.db import connection

    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            lines += [repr(row) for row in cursor.fetchall()]
    return "\n".join(lines)


def _admin() -> Any:
    from accounts.models import User

    return User.objects.get(username="alice")


# --- Debian's OpenSSH: a linux device, and a legacy-only server -----------------------

LINUX, LEGACY = "198.18.0.253", "198.18.0.89"


def _sshd(lab: Lab, folder: Path, address: str, host_key: str, extra: str = "") -> Any:
    """sshd on `address` in the hosts namespace, with its own /run (a private tmpfs)."""
    config = folder / f"sshd_config_{address}"
    config.write_text(
        f"ListenAddress {address}\nPort 22\nHostKey {host_key}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        f"StrictModes no\nPidFile none\n{extra}"
    )
    # root's home is an empty folder: none of this machine's shell start-up files (a pyenv
    # init in .bashrc can outlast Netmiko's prompt wait on a busy machine), no history
    # written to the real /root.
    home = folder / f"home_{address}"
    home.mkdir(exist_ok=True)
    script = (
        f"mount -t tmpfs tmpfs /run && mkdir -p /run/sshd && mount --bind {home} /root"
        f" && exec /usr/sbin/sshd -D -e -f {config}"
    )
    process = lab.spawn_in(lab.hosts_ns, ["unshare", "-m", "sh", "-c", script])
    wait_for_port(lab, address, 22)
    return process


def _keygen(path: Path, kind: str = "ed25519") -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def openssh(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A linux device on LINUX, and on LEGACY an sshd that offers only a DSA host key."""
    folder = tmp_path_factory.mktemp("sshd")
    client = _keygen(folder / "client")
    (folder / "authorized_keys").write_text(client.with_suffix(".pub").read_text())
    linux = _sshd(lab, folder, LINUX, str(_keygen(folder / "host")))
    # ssh-dss: OpenSSH 9.2 still serves it when asked to; paramiko dropped DSA in 4.0.
    legacy = _sshd(
        lab,
        folder,
        LEGACY,
        str(_keygen(folder / "host_dsa", "dsa")),
        "HostKeyAlgorithms ssh-dss\n",
    )
    try:
        yield {"key": client.read_text()}
    finally:
        lab.stop(linux)
        lab.stop(legacy)


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


def test_a_legacy_only_server_says_no_common_algorithms_before_any_login(
    lab: Lab, openssh: dict[str, str], scope: None
) -> None:
    device = _device("old-switch", LEGACY, "cisco_ios", make_credential_set("s", password="x"))
    with lab.enter():
        result = connect.check_connection(device)
    assert result.diagnosis == "no_common_algorithms", result.message
    assert result.attempts == [] and "no acceptable host key" in result.message
    assert "Upgrade its SSH server or enable a modern algorithm" in result.message
    device.refresh_from_db()
    assert device.last_test_diagnosis == "no_common_algorithms" and device.ssh_host_key == ""


# --- a Junos-like device, the enable secret ------------------------------------------


def test_a_junos_like_device_connects(
    lab: Lab, devices: dict[str, FakeDevice], scope: None
) -> None:
    device = _device("vsrx1", JUNOS, "juniper_junos", make_credential_set("j", password=PASSWORD))
    with lab.enter():
        result = connect.check_connection(device)
    assert result.ok, result.message
    assert result.prompt == "netops@vsrx1>" and result.working == "j"


def test_a_rejected_enable_secret_is_its_own_diagnosis_and_a_later_set_can_fix_it(
    lab: Lab, devices: dict[str, FakeDevice], scope: None
) -> None:
    stale = make_credential_set("stale", password=PASSWORD, enable_secret="old-enable")
    device = _device("core-enable", CISCO, "cisco_ios", stale)
    with lab.enter():
        refused = connect.check_connection(device)
    assert refused.diagnosis == "enable_rejected", refused.message
    assert "correct the enable secret" in refused.message and "set stale" in refused.message
    assert refused.prompt == "core1>"  # logged in, still unprivileged
    current = make_credential_set("current", password=PASSWORD, enable_secret=ENABLE)
    DeviceCredential.objects.create(device=device, credential_set=current, position=1)
    with lab.enter():
        fixed = connect.check_connection(device)
    assert fixed.ok and fixed.prompt == "core1#", fixed.message
    assert [(a.credential, a.diagnosis) for a in fixed.attempts] == [
        ("stale", "enable_rejected"),
        ("current", "ok"),
    ]


# --- platform detection -----------------------------------------------------------------


def test_platform_detection_runs_as_a_job_and_an_editor_confirms_the_guess(
    lab: Lab, devices: dict[str, FakeDevice], scope: None, editor_client: Client
) -> None:
    device = _device("unknown-box", CISCO, "", make_credential_set("d", password=PASSWORD))
    run = inventory_jobs.start(inventory_jobs.DETECT, device, None)
    with lab.enter():
        assert inventory_jobs.run_platform_detection(run.pk) == "succeeded"
    run.refresh_from_db()
    device.refresh_from_db()
    assert run.counts["guess"] == "cisco_ios" and run.counts["working"] == "d"
    assert (device.platform, device.suggested_platform) == ("", "cisco_ios")
    page = editor_client.get(device.get_absolute_url()).content.decode()
    assert "Platform detection says this is <strong>Cisco IOS</strong>" in page
    response = editor_client.post(
        reverse("inventory:device_platform", args=[device.pk]), {"action": "accept"}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.platform, device.suggested_platform) == ("cisco_ios", "")


def test_sshdetect_tells_arista_junos_and_linux_apart(
    lab: Lab, devices: dict[str, FakeDevice], openssh: dict[str, str]
) -> None:
    """The SSH layer below the job, for the other platforms (in parallel: each takes seconds)."""
    login = ssh.Credentials("d", USER, PASSWORD)
    targets = {
        "arista_eos": (ARISTA, login),
        "juniper_junos": (JUNOS, login),
        "linux": (LINUX, ssh.Credentials("k", "root", private_key=openssh["key"])),
    }

    def guess(target: tuple[str, ssh.Credentials]) -> str:
        address, creds = target
        with lab.enter():
            key = ssh.probe(address).host_key
            return ssh.detect_platform(address, creds, key, candidates=set(Platform.values))

    with ThreadPoolExecutor(len(targets)) as pool:
        found = dict(zip(targets, pool.map(guess, targets.values()), strict=True))
    assert found == {platform: platform for platform in targets}
