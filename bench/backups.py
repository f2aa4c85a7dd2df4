"""Benchmark: N emulated devices backed up by K workers, next to a plain sequential Netmiko loop.

Run as root from the repository root:

    .venv/bin/python bench/backups.py --devices 24 --workers 4

It builds the namespace lab (tests/lab/netns.py), starts N fakenos Cisco IOS
emulators inside it (each on its own address, port 22, with a ~1,000-line
configuration), then measures in the same run:

- **sequential Netmiko**: for each device, ConnectHandler + `show running-config`
  + disconnect, one after the other (the peer: what a cron script does);
- **sequential Netmiko, 4 commands**: the same loop with the three fact commands too;
- **Netkeep**: a real `manage.py qcluster` with K workers in the lab's scanner
  namespace, N backup runs queued at once, twice: the devices' first backups (the
  configuration and the facts: show version/ARP/CDP) and then a routine backup of
  the unchanged devices (the facts are fresh, so only the configuration is read).
  Wall time from the queueing to the last run finished, each run doing the whole job
  (session slot, host-key check, login, the commands, completeness check, masking,
  hashing, storing, facts).

The target is a throughput of at least 0.8 x K x the sequential rate: routine
backups against the config-only loop, first backups against the loop that runs the
same four commands.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def sequential(lab: object, hosts: list[str], extra: list[str] | None = None) -> float:
    """A plain Netmiko loop: connect, `show running-config` (and `extra` commands), disconnect."""
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
            for command in extra or []:
                conn.send_command(command)
            conn.disconnect()
            assert output.rstrip().endswith("end"), output[-200:]
    return time.perf_counter() - started


def fact_commands() -> list[str]:
    """The commands a Netkeep backup of cisco_ios runs after the configuration's."""
    from backups import profiles

    ios = profiles.get("cisco_ios")
    return [c for c in (ios.version_command, ios.arp_command, ios.neighbours_command) if c]


def netkeep(lab: object, hosts: list[str], workers: int, url: str) -> tuple[float, float]:
    """Back up `hosts` twice with K workers (first, then routine); the first K only warm up."""
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
    warm_up, devices = devices[:workers], devices[workers:]
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
    # Not part of the figure: the cluster's start-up and each worker's first task
    # (imports of Netmiko, paramiko, the profiles), paid once per worker process.
    wait_for([fetch.start(d).pk for d in warm_up], Run, RunStatus)
    walls = []
    for round_name, facts_expected in (("first backups", True), ("routine backups", False)):
        started = time.perf_counter()
        runs = [fetch.start(d).pk for d in devices]
        wait_for(runs, Run, RunStatus)
        walls.append(time.perf_counter() - started)
        report(round_name, runs, facts_expected, Run, RunStatus)
    lab.stop(worker)  # type: ignore[attr-defined]
    assert ConfigVersion.objects.count() == len(hosts)  # warm-up devices included
    return walls[0], walls[1]


def report(name: str, runs: list[int], facts_expected: bool, run_model: Any, status: Any) -> None:
    """Every run succeeded and read the facts (or not) as expected; print the median job."""
    failed = list(
        run_model.objects.filter(pk__in=runs)
        .exclude(status=status.SUCCEEDED)
        .values_list("target", "error_message")
    )
    if failed:
        raise SystemExit(f"{len(failed)} backups did not succeed: {failed[:3]}")
    took = [
        ((ended - began).total_seconds(), float(counts.get("seconds", 0)), counts)
        for began, ended, counts in run_model.objects.filter(pk__in=runs).values_list(
            "started", "finished", "counts"
        )
    ]
    facts = {bool(counts.get("facts_read")) for _, _, counts in took}
    assert facts == {facts_expected}, f"{name}: facts read {facts}, expected {facts_expected}"
    assert not any(counts.get("changed") for _, _, counts in took), name
    print(
        f"# Netkeep {name} (facts read: {facts_expected}): median "
        f"{statistics.median(t for t, _, _ in took):.2f} s per backup job, "
        f"of which SSH {statistics.median(s for _, s, _ in took):.2f} s"
    )


def wait_for(runs: list[int], run_model: Any, status: Any, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = run_model.objects.filter(pk__in=runs, status__in=[status.QUEUED, status.RUNNING])
        if not active.exists():
            return
        time.sleep(0.1)
    raise SystemExit(f"runs {runs} did not finish within {timeout:.0f} s")


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
    hosts = addresses(args.workers + args.devices)  # K warm-up devices, then the N measured
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
            load = os.getloadavg()[0]
            seq = sequential(lab, hosts[args.workers :])
            seq_facts = sequential(lab, hosts[args.workers :], fact_commands())
            first, routine = netkeep(lab, hosts, args.workers, url)
        finally:
            for emulator in emulators:
                emulator.close()
    seq_rate = args.devices / seq
    facts_rate = args.devices / seq_facts
    first_rate = args.devices / first
    routine_rate = args.devices / routine
    target = 0.8 * args.workers
    print(
        f"# {args.devices} fakenos cisco_ios devices on {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"load {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    print("| what | wall | devices/s | vs the config-only loop | vs the 4-command loop |")
    print("|---|---|---|---|---|")
    rows = (
        ("sequential Netmiko loop, `show running-config`", seq, seq_rate),
        ("sequential Netmiko loop, the same 4 commands", seq_facts, facts_rate),
        (f"Netkeep, {args.workers} workers, first backups (config + facts)", first, first_rate),
        (f"Netkeep, {args.workers} workers, routine backups (config)", routine, routine_rate),
    )
    for what, wall, rate in rows:
        print(
            f"| {what} | {wall:.1f} s | {rate:.2f} | {rate / seq_rate:.2f}x "
            f"| {rate / facts_rate:.2f}x |"
        )
    met = routine_rate / seq_rate >= target and first_rate / facts_rate >= target
    print(
        f"target {target:.1f}x: routine backups {routine_rate / seq_rate:.2f}x the config-only "
        f"loop, first backups {first_rate / facts_rate:.2f}x the loop with the same commands: "
        + ("met" if met else "NOT met")
    )


if __name__ == "__main__":
    main()
