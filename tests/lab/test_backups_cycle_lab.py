"""The whole backup cycle, per platform, through a real django-q2 worker in the lab.

Every platform of the lab does the same cycle against a real SSH server:
fakenos speaking Cisco IOS and Arista EOS, fakenos running our Junos-like NOS
(tests/lab/fakenos_junos.yaml), and Debian's OpenSSH as a linux device.

1. Only a wrong password: the run fails as a refused login, nothing is stored.
2. A second credential set that works: the first backup, with that set, and the
   host key pinned; a secret in the config is never stored, shown or sent.
3. An unchanged re-run: no new version, only `last_checked` moves.
4. The device's configuration changes: a new version whose diff is exactly the
   change, a config_changed event, and a webhook delivery carrying the change.
5. Truncated output: a failed run, never a new version (linux: the session cut
   mid-output, the device then down for the retries).
6. A changed host key: a failed run before any login, nothing stored.
7. A worker killed mid-backup: the run fails, nothing is stored, and the next
   backup (by a new worker) works.

One worker, one webhook receiver, one shared database and the four devices
serve the whole module, so each platform costs only its own backups.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from backups import fetch, profiles
from backups.models import ConfigVersion
from backups.versions import compare, text_of
from bench import synthetic_configs
from inventory.models import Device, DeviceCredential
from netkeep import jobs
from netkeep.jobs import Run, RunStatus
from netkeep.models import Event, EventKind, Webhook, WebhookDelivery
from tests.factories import make_credential_set, make_host, make_subnet
from tests.lab.netns import Lab
from tests.lab.sshlab import TARPIT, FakeDevice, OpenSSHDevice, wait_for_port
from tests.lab.test_pipeline import ALLOWED, Receiver, Worker, swapped_database, wait_for

pytestmark = [pytest.mark.lab]

PASSWORD = "lab-password-1"
SUBNET = "198.19.1.0/24"  # all live in the lab; no other test listens there


@dataclass(frozen=True)
class Platform:
    """A lab device's platform: its address, its configuration, a change and a cut output."""

    name: str
    address: str
    change: str  # the one line the change adds
    config: Callable[[str], dict[str, str]]  # change line ("" for none) -> outputs
    truncated: Callable[[], dict[str, str]]


CANARY = "Kanary9xCYCLE"  # a secret in every network device's config; never stored or sent


def ios_like(seed: int) -> Callable[[str], dict[str, str]]:
    def outputs(extra: str) -> dict[str, str]:
        lines = synthetic_configs.config(seed)
        lines.insert(3, f"snmp-server community {CANARY} RO")
        if extra:
            lines.insert(-1, extra)
        return {"show running-config": "\n".join(lines) + "\n"}

    return outputs


def cut(outputs: dict[str, str]) -> dict[str, str]:
    """The first 60 % of each output, as a session that dropped would leave it."""
    return {k: v[: len(v) * 6 // 10] for k, v in outputs.items()}


JUNOS_COMMAND = "show configuration | display omit | no-more"


def junos(extra: str) -> dict[str, str]:
    routes = ["        route 0.0.0.0/0 next-hop 10.0.0.1;"] + ([extra] if extra else [])
    text = "\n".join(
        [
            "## Last commit: 2026-11-28 11:00:00 UTC by netops",
            "version 23.2R1.13;",
            "system {",
            "    host-name vsrx-lab;",
            "    root-authentication {",
            f'        encrypted-password "$6${CANARY}"; ## SECRET-DATA',
            "    }",
            "}",
            "interfaces {",
            *(
                f"    ge-0/0/{i} {{\n        unit 0 {{\n            family inet {{\n"
                f"                address 10.{i}.0.1/24;\n            }}\n        }}\n    }}"
                for i in range(8)
            ),
            "}",
            "routing-options {",
            "    static {",
            *routes,
            "    }",
            "}",
        ]
    )
    return {JUNOS_COMMAND: text + "\n"}


def linux(extra: str) -> dict[str, str]:
    hosts = "127.0.0.1 localhost\n10.0.0.5 bastion-lab.example.net bastion-lab\n"
    return {
        "/etc/hostname": "bastion-lab\n",
        "/etc/hosts": hosts + (extra + "\n" if extra else ""),
        "/etc/resolv.conf": "nameserver 10.0.0.53\nsearch example.net\n",
    }


PLATFORMS = {
    p.name: p
    for p in (
        Platform(
            "cisco_ios",
            "198.19.1.21",
            "ip route 203.0.113.0 255.255.255.0 10.0.0.9",
            ios_like(8),
            lambda: cut(ios_like(8)("")),
        ),
        Platform(
            "arista_eos",
            "198.19.1.22",
            "ip route 203.0.113.0/24 10.0.0.9",
            ios_like(9),
            lambda: cut(ios_like(9)("")),
        ),
        Platform(
            "juniper_junos",
            "198.19.1.23",
            "        route 203.0.113.0/24 next-hop 10.0.0.9;",
            junos,
            lambda: cut(junos("")),
        ),
        # Linux reads whole files: its "truncated output" is a session cut mid-output.
        Platform("linux", "198.19.1.24", "10.0.0.9 backup-target", linux, dict),
    )
}


@dataclass
class Env:
    """What the module shares: the lab, the worker's database, the worker, the devices."""

    lab: Lab
    database_url: str
    worker: Worker
    receiver: Receiver
    devices: dict[str, FakeDevice | OpenSSHDevice]

    def new_worker(self) -> None:
        self.worker.stop()
        self.worker = Worker(self.lab, self.database_url)


def emulator(lab: Lab, platform: Platform) -> FakeDevice | OpenSSHDevice:
    outputs = platform.config("")
    if platform.name == "linux":
        return OpenSSHDevice(lab, "bastion-lab", platform.address, outputs=outputs)
    return FakeDevice(lab, f"lab-{platform.name}", platform.address, platform.name, outputs=outputs)


@pytest.fixture(scope="module")
def env(
    lab: Lab, django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[Env]:
    devices = {name: emulator(lab, p) for name, p in PLATFORMS.items()}
    folder: Path = tmp_path_factory.mktemp("cycle")
    with (
        django_db_blocker.unblock(),
        override_settings(SCAN_ALLOWED_NETWORKS=ALLOWED.split(",")),
        swapped_database(folder) as url,
    ):
        receiver = Receiver(lab)
        worker = Worker(lab, url)
        shared = Env(lab, url, worker, receiver, devices)
        try:
            with ThreadPoolExecutor(len(devices)) as pool:  # each start takes a second or two
                list(pool.map(lambda d: d.start(), devices.values()))
            make_subnet(SUBNET)
            Webhook.objects.create(
                name="lab", url=receiver.url, kinds=[EventKind.CONFIG_CHANGED], secret="s3"
            )
            yield shared
        finally:
            print(f"--- worker log ---\n{shared.worker.tail()}")
            if shared.worker.process.poll() is None:
                shared.worker.kill()  # nothing left to finish; a polite stop takes 15 s
            shared.worker.stop()
            receiver.close()
            for device in devices.values():
                device.close()
            if connections["default"].vendor == "postgresql":
                # The test database outlives the module: leave it as empty as found.
                call_command("flush", interactive=False, verbosity=0)


def finished(run: Run, timeout: float = 120) -> Run:
    def done() -> Run | None:
        current = Run.objects.get(pk=run.pk)
        return current if current.status not in (RunStatus.QUEUED, RunStatus.RUNNING) else None

    return wait_for(done, timeout, f"backup run {run.pk} to finish")


def backup(env: Env, device: Device) -> Run:
    return finished(fetch.start(device))


def versions(device: Device) -> int:
    return ConfigVersion.objects.filter(device=device).count()


def add_credentials(device: Device, platform: Platform, emulator: Any) -> None:
    """The set that works, second after the wrong one."""
    if platform.name == "linux":
        good = make_credential_set(
            f"key-{platform.name}",
            username="root",
            password="",
            ssh_private_key=emulator.client_key,
        )
    else:
        good = make_credential_set(f"good-{platform.name}", username="netops", password=PASSWORD)
    DeviceCredential.objects.create(device=device, credential_set=good, position=1)


@pytest.mark.parametrize("name", list(PLATFORMS))
def test_the_backup_cycle(env: Env, name: str) -> None:
    platform, emulator = PLATFORMS[name], env.devices[name]
    host = make_host(platform.address)
    device = Device.objects.create(name=f"cycle-{name}", platform=name, management_host=host)
    user = "root" if name == "linux" else "netops"
    wrong = make_credential_set(f"wrong-{name}", username=user, password="not-the-password")
    DeviceCredential.objects.create(device=device, credential_set=wrong, position=0)

    # 1. Only a wrong password: refused, nothing stored.
    refused = backup(env, device)
    assert refused.status == RunStatus.FAILED and refused.error_class == "auth_failed", (
        refused.error_class,
        refused.error_message,
    )
    assert f"wrong-{name}" in refused.error_message and versions(device) == 0

    # 2. A second set that works: the first backup, made with it.
    add_credentials(device, platform, emulator)
    first = backup(env, device)
    assert first.status == RunStatus.SUCCEEDED, (first.error_message, env.worker.tail())
    assert first.counts["first"] and first.counts["credential"] != f"wrong-{name}"
    profile = profiles.get(name)
    reads_facts = any((profile.version_command, profile.arp_command, profile.neighbours_command))
    assert first.counts["facts_read"] is reads_facts
    device.refresh_from_db()
    assert device.ssh_host_key == emulator.host_key
    assert device.last_prompt and device.last_prompt[-1] in "#>$%", device.last_prompt

    # 3. Unchanged: no new version, only last_checked moves.
    checked = ConfigVersion.objects.get(device=device).last_checked
    again = backup(env, device)
    assert again.status == RunStatus.SUCCEEDED and not again.counts["changed"]
    assert again.counts["facts_read"] is False  # read a moment ago, and the config is the same
    assert versions(device) == 1
    assert ConfigVersion.objects.get(device=device).last_checked > checked

    # 4. A change: a new version, exactly the change, an event and a webhook delivery.
    emulator.restart(outputs=platform.config(platform.change))
    changed = backup(env, device)
    assert changed.status == RunStatus.SUCCEEDED and changed.counts["changed"]
    assert changed.counts["facts_read"] is reads_facts  # a change reads them again
    old, new = ConfigVersion.objects.filter(device=device).order_by("seq")
    result = compare(old, new)
    assert (result.added, result.removed) == (1, 0)
    assert result.blocks[0].new == (platform.change.rstrip(),)
    event = Event.objects.get(kind=EventKind.CONFIG_CHANGED, object_id=str(device.pk))
    assert event.details["added"] == 1

    def delivered() -> dict[str, Any] | None:
        for _, body in env.receiver.requests:
            payload = json.loads(body)
            if device.name in json.dumps(payload):
                return payload
        return None

    payload = wait_for(delivered, 60, f"the config_changed webhook for {device.name}")
    assert f"+ {platform.change.rstrip()}" in json.dumps(payload)
    if name != "linux":
        assert CANARY in platform.config("")[next(iter(platform.config("")))]
        assert CANARY not in text_of(new) and CANARY not in result.unified()
    assert not any(CANARY in body.decode() for _, body in env.receiver.requests)
    wait_for(
        lambda: WebhookDelivery.objects.filter(event=event, delivered=True).exists(),
        30,
        "the delivery to be recorded",
    )

    # 5. Truncated output: a failed run, no version.
    if isinstance(emulator, OpenSSHDevice):
        emulator.restart(hang=True)
        run = fetch.start(device)
        # `cat` prints the first files, then waits on the last: cut the session there.
        # The device then stays down, so the retries end quickly (a dropped session
        # is only noticed at the read timeout).
        wait_for(lambda: emulator.cut_sessions(mid_output=True), 60, "the session to cut")
        emulator.stop()
        cut_run = finished(run)
        assert cut_run.counts["attempts"] == 3
    else:
        emulator.restart(outputs=platform.truncated())
        cut_run = backup(env, device)
    assert cut_run.status == RunStatus.FAILED, cut_run.counts
    if name != "linux":
        assert cut_run.error_class == "IncompleteOutput"
        assert "truncated" in cut_run.error_message
    assert versions(device) == 2

    # 6. A changed host key: a failed run before any login, nothing stored.
    emulator.restart(outputs=platform.config(platform.change), new_key=True)
    stopped = backup(env, device)
    assert stopped.status == RunStatus.FAILED and stopped.error_class == "host_key_changed"
    assert versions(device) == 2
    device.refresh_from_db()  # the new key is offered to an editor, the pinned one stays
    assert device.offered_host_key == emulator.host_key != device.ssh_host_key
    # An administrator checks the device and accepts its new key.
    Device.objects.filter(pk=device.pk).update(ssh_host_key=emulator.host_key)

    # 7. A worker killed mid-backup: the run fails, nothing stored, the next backup works.
    emulator.stop()
    tarpit = env.lab.spawn_in(
        env.lab.hosts_ns,
        [sys.executable, "-u", "-c", TARPIT, platform.address],
        stdout=subprocess.PIPE,
    )
    try:
        assert tarpit.stdout is not None and b"ready" in tarpit.stdout.readline()
        wait_for_port(env.lab, platform.address, 22)
        run = fetch.start(device)
        # The tarpit says "held" once the worker's SSH connection is in.
        assert b"held" in tarpit.stdout.readline()
        wait_for(
            lambda: Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists(),
            60,
            "the backup to be running",
        )
        env.worker.kill()
    finally:
        env.lab.stop(tarpit)
    wait_for(
        lambda: jobs.reap_stale_runs(older_than=timedelta(seconds=2), pk=run.pk),
        30,
        "the lost run to be reaped",
    )
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "nothing was recorded" in run.error_message
    assert versions(device) == 2
    emulator.start()
    env.new_worker()
    after = backup(env, device)
    assert after.status == RunStatus.SUCCEEDED, (after.error_message, after.counts)
    assert not after.counts["changed"] and versions(device) == 2
