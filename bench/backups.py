"""Benchmark: N emulated devices backed up by K workers, next to a plain sequential Netmiko loop.

Run as root from the repository root:

    .venv/bin/python bench/backups.py --devices 24 --workers 4

It builds the namespace lab (tests/lab/netns.py), starts N fakenos Cisco IOS
emulators inside it (each on its own address, port 22, with a ~1,000-line
configuration), then measures in the same run:

- **sequential Netmiko**: for each device, ConnectHandler + `show running-config`
  + disconnect, one after the other (the peer: what a cron script does);
- **Netkeep**: a real `manage.py qcluster` with K workers in the lab's scanner
  namespace, N backup runs queued at once; wall time from the queueing to the last
  run finished, each run doing the whole job (session slot, host-key check,
  login, the profile's commands plus show version/ARP/CDP, completeness check,
  masking, hashing, storing the version, facts).

The target is a throughput of at least 0.8 x K x the sequential rate.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST = "198.19.0.10"  # inside the lab's /22 where every address answers
PASSWORD = "lab-password-1"


def addresses(count: int) -> list[str]:
    import ipaddress

    start = ipaddress.ip_address(FIRST)
    return [str(start + i) for i in range(count)]


def setup_django(folder: str) -> str:
    url = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netkeep.test_settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def sequential(lab: object, hosts: list[str]) -> float:
    from netmiko import ConnectHandler

    started = time.perf_counter()
    with lab.enter():  # type: ignore[attr-defined]
        for address in hosts:
            conn = ConnectHandler(
                device_type="cisco_ios",
                host=address,
                username="netops",
                password=PASSWORD,
                allow_agent=False,
                use_keys=False,
            )
            output = conn.send_command("show running-config")
            conn.disconnect()
            assert output.rstrip().endswith("end"), output[-200:]
    return time.perf_counter() - started


def netkeep(lab: object, hosts: list[str], workers: int, url: str) -> float:
    from backups import fetch
    from backups.models import ConfigVersion
    from inventory.models import Device, DeviceCredential
    from netkeep.jobs import Run, RunStatus
    from tests.factories import make_credential_set, make_host, make_subnet

    subnet = make_subnet("198.19.0.0/22")
    creds = make_credential_set("lab", username="netops", password=PASSWORD)
    devices = []
    for index, address in enumerate(hosts):
        device = Device.objects.create(
            name=f"bench-{index:03d}",
            platform="cisco_ios",
            management_host=make_host(address, subnet=subnet),
        )
        DeviceCredential.objects.create(device=device, credential_set=creds, position=0)
        devices.append(device)
    log = open(tempfile.mkstemp(prefix="nk-bench-worker-", suffix=".log")[1], "wb")  # noqa: SIM115
    worker = lab.spawn(  # type: ignore[attr-defined]
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        env={
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "netkeep.test_settings",
            "SCAN_ALLOWED_NETWORKS": "198.19.0.0/22",
            "Q_WORKERS": str(workers),
            "NETKEEP_BACKUP_SESSIONS": str(workers),
        },
        cwd=str(ROOT),
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    time.sleep(4)  # the cluster's start-up is not part of the figure
    started = time.perf_counter()
    runs = [fetch.start(d).pk for d in devices]
    # on_commit does not fire outside a transaction block in autocommit: send explicitly.
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        active = Run.objects.filter(pk__in=runs, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
        if not active.exists():
            break
        time.sleep(0.2)
    wall = time.perf_counter() - started
    lab.stop(worker)  # type: ignore[attr-defined]
    failed = list(
        Run.objects.filter(pk__in=runs)
        .exclude(status=RunStatus.SUCCEEDED)
        .values_list("target", "error_message")
    )
    if failed:
        raise SystemExit(f"{len(failed)} backups did not succeed: {failed[:3]}")
    assert ConfigVersion.objects.count() == len(hosts)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=24)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    from bench import synthetic_configs
    from tests.lab.netns import Lab
    from tests.lab.sshlab import FakeDevice

    folder = tempfile.mkdtemp(prefix="nk-bench-backups-")
    url = setup_django(folder)
    hosts = addresses(args.devices)
    with Lab() as lab:
        emulators = [
            FakeDevice(
                lab,
                f"bench-{i:03d}",
                address,
                "cisco_ios",
                password=PASSWORD,
                outputs={"show running-config": "\n".join(synthetic_configs.config(i)) + "\n"},
            ).start()
            for i, address in enumerate(hosts)
        ]
        try:
            seq = sequential(lab, hosts)
            ours = netkeep(lab, hosts, args.workers, url)
        finally:
            for emulator in emulators:
                emulator.close()
    seq_rate = args.devices / seq
    our_rate = args.devices / ours
    target = 0.8 * args.workers * seq_rate
    print(f"# {args.devices} fakenos cisco_ios devices, load {os.getloadavg()[0]:.2f}")
    print("| what | wall | devices/s | vs sequential |")
    print("|---|---|---|---|")
    print(f"| sequential Netmiko loop | {seq:.1f} s | {seq_rate:.2f} | 1.00x |")
    print(
        f"| Netkeep, {args.workers} workers (full job) | {ours:.1f} s | {our_rate:.2f} "
        f"| {our_rate / seq_rate:.2f}x (target >= {0.8 * args.workers:.1f}x) |"
    )
    print("target met" if our_rate >= target else "target NOT met")


if __name__ == "__main__":
    main()
