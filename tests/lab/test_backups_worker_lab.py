"""The whole backup cycle through a real django-q2 worker against a fakenos device in the lab.

First backup, an unchanged re-run, a change (new version, exact diff, a signed
webhook delivery with the diff summary), and a worker killed mid-backup (the run
fails, nothing is stored, the next backup works).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from backups import fetch
from backups.models import ConfigVersion
from backups.versions import compare
from bench import synthetic_configs
from inventory.models import Device, DeviceCredential
from netkeep import jobs
from netkeep.jobs import Run, RunStatus
from netkeep.models import EventKind, Webhook
from tests.factories import make_credential_set, make_host, make_subnet
from tests.lab import test_pipeline as pipeline
from tests.lab.netns import Lab
from tests.lab.sshlab import FakeDevice, wait_for_port
from tests.lab.test_pipeline import Receiver, Worker, wait_for

pytestmark = [pytest.mark.lab, pytest.mark.django_db(transaction=True)]

# The pipeline's fixtures: a database the worker shares, the worker, a webhook receiver.
shared_db = pipeline.shared_db
worker = pipeline.worker
receiver = pipeline.receiver

ADDRESS = "198.18.0.8"
PASSWORD = "lab-password-1"
NEW_ROUTE = "ip route 203.0.113.0 255.255.255.0 10.0.0.9"
# Accepts TCP connections and never says anything: a device that hangs mid-login.
TARPIT = textwrap.dedent(
    """
    import signal, socket, sys
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], 22)); s.listen(8); held = []
    print("ready", flush=True)
    while True:
        held.append(s.accept()[0])
    """
)


def config(extra: str = "") -> str:
    lines = synthetic_configs.config(8)
    if extra:
        lines.insert(-1, extra)
    return "\n".join(lines) + "\n"


@pytest.fixture
def emulator(lab: Lab) -> Iterator[FakeDevice]:
    device = FakeDevice(
        lab,
        "lab-ios-8",
        ADDRESS,
        "cisco_ios",
        password=PASSWORD,
        outputs={"show running-config": config()},
    ).start()
    yield device
    device.close()


def finished(run: Run, timeout: float = 120) -> Run:
    def done() -> Run | None:
        current = Run.objects.get(pk=run.pk)
        return current if current.status not in (RunStatus.QUEUED, RunStatus.RUNNING) else None

    return wait_for(done, timeout, f"backup run {run.pk} to finish")


def make_device() -> Device:
    host = make_host(ADDRESS, subnet=make_subnet("198.18.0.0/24"))
    device = Device.objects.create(name="lab-ios-8", platform="cisco_ios", management_host=host)
    creds = make_credential_set("lab", username="netops", password=PASSWORD)
    DeviceCredential.objects.create(device=device, credential_set=creds, position=0)
    return device


def test_first_unchanged_and_changed_backups_through_a_worker_with_a_webhook(
    lab: Lab, worker: Worker, receiver: Receiver, emulator: FakeDevice
) -> None:
    Webhook.objects.create(
        name="lab", url=receiver.url, kinds=[EventKind.CONFIG_CHANGED], secret="lab-secret"
    )
    device = make_device()
    first = finished(fetch.start(device))
    assert first.status == RunStatus.SUCCEEDED, (first.error_message, worker.tail())
    assert first.counts["first"]
    again = finished(fetch.start(device))
    assert again.status == RunStatus.SUCCEEDED and not again.counts["changed"]
    assert ConfigVersion.objects.filter(device=device).count() == 1

    emulator.restart(outputs={"show running-config": config(NEW_ROUTE)})
    changed = finished(fetch.start(device))
    assert changed.status == RunStatus.SUCCEEDED and changed.counts["changed"]
    old, new = ConfigVersion.objects.filter(device=device).order_by("seq")
    result = compare(old, new)
    assert (result.added, result.removed) == (1, 0) and result.blocks[0].new == (NEW_ROUTE,)
    wait_for(lambda: receiver.requests, 60, "the config_changed webhook")
    payload = json.loads(receiver.requests[0][1])
    assert payload["kind"] == EventKind.CONFIG_CHANGED
    assert f"+ {NEW_ROUTE}" in json.dumps(payload)


def test_a_worker_killed_mid_backup_stores_nothing_and_the_next_backup_works(
    lab: Lab, worker: Worker, shared_db: str, emulator: FakeDevice
) -> None:
    device = make_device()
    emulator.stop()
    tarpit = lab.spawn_in(
        lab.hosts_ns, [sys.executable, "-u", "-c", TARPIT, ADDRESS], stdout=subprocess.PIPE
    )
    assert tarpit.stdout is not None and b"ready" in tarpit.stdout.readline()
    wait_for_port(lab, ADDRESS, 22)
    run = fetch.start(device)
    wait_for(
        lambda: Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).exists(),
        60,
        "the backup to start",
    )
    time.sleep(1)
    worker.kill()
    lab.stop(tarpit)
    time.sleep(2.5)
    assert jobs.reap_stale_runs(older_than=timedelta(seconds=2)) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "nothing was recorded" in run.error_message
    assert not ConfigVersion.objects.exists()

    emulator.start()
    again = Worker(lab, shared_db)
    try:
        second = finished(fetch.start(device))
        assert second.status == RunStatus.SUCCEEDED, (second.error_message, again.tail())
        assert ConfigVersion.objects.filter(device=device).count() == 1
    finally:
        again.stop()
