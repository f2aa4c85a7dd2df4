"""The whole discovery pipeline against the lab, through a real django-q2 worker.

The worker (`manage.py qcluster`) runs inside the lab's scanner namespace, so
its pings, Nmap runs, DNS queries and webhook posts reach only the lab. It
shares the database with this test: a file SQLite database swapped in for the
test (the in-memory test database is invisible to another process), or the
PostgreSQL test database, reached over its Unix socket (sockets in the file
system are not bound to a network namespace).

The webhook receiver listens on 127.0.0.1 *inside the scanner namespace* (a
thread moved there with lab.enter()): that loopback is the worker's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role, User
from discovery import scans
from discovery.models import HostSample, OpenPort, ReconciliationItem, RunKind, ScanRun
from ipam.models import Host, HostnameSource, HostOrigin, HostStatus, Subnet
from netkeep.jobs import RunStatus
from netkeep.models import Event, EventKind, Webhook, WebhookDelivery
from tests.lab.netns import Lab

# transaction=True: the worker is another process and sees only committed data.
pytestmark = [pytest.mark.lab, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = "198.18.0.0/15,2001:2::/48"
SECRET = "lab-webhook-secret"


@contextmanager
def swapped_database(folder: Path) -> Iterator[str]:
    """Point this process at a database a worker can share too; yields the worker's URL.

    PostgreSQL: the test database itself (over its Unix socket). SQLite: a migrated
    file in `folder` in place of the (possibly in-memory) test database, until the end.
    Call with database access allowed.
    """
    conn = connections["default"]
    if conn.vendor == "postgresql":
        # The configured URL with the test database's name in place of the database.
        url = urlsplit(os.environ["DATABASE_URL"])
        yield urlunsplit(url._replace(path="/" + conn.settings_dict["NAME"]))
        return
    path = folder / "lab.sqlite3"
    # Park the (possibly in-memory) test database's connection and point the
    # connection at a file; Django never closes an in-memory database itself.
    parked, old_name = conn.connection, conn.settings_dict["NAME"]
    conn.connection = None
    conn.settings_dict["NAME"] = str(path)
    try:
        call_command("migrate", verbosity=0)
        yield f"sqlite:///{path}"
    finally:
        conn.close()
        conn.settings_dict["NAME"] = old_name
        conn.connection = parked


@pytest.fixture
def shared_db(django_db_blocker: Any, tmp_path: Path, settings: Any) -> Iterator[str]:
    """A database this process and the worker both see; yields the worker's DATABASE_URL."""
    settings.SCAN_ALLOWED_NETWORKS = ALLOWED.split(",")
    with django_db_blocker.unblock(), swapped_database(tmp_path) as url:
        yield url


class Receiver:
    """An HTTP receiver on the scanner namespace's 127.0.0.1, recording what it is sent."""

    def __init__(self, lab: Lab) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.ready = threading.Event()
        self.server: HTTPServer | None = None
        self.lab = lab
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        assert self.ready.wait(10), "the receiver did not start in the lab"

    def _serve(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        with self.lab.enter():
            self.server = HTTPServer(("127.0.0.1", 0), Handler)
            self.ready.set()
            self.server.serve_forever(poll_interval=0.1)
            self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/netkeep"

    def kinds(self) -> list[str]:
        return [json.loads(body)["kind"] for _, body in self.requests]

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
        self.thread.join(timeout=5)


class Worker:
    """`manage.py qcluster` in the scanner namespace, in its own process group."""

    def __init__(self, lab: Lab, database_url: str) -> None:
        self.lab = lab
        self.log_path = Path(tempfile.mkstemp(prefix="netkeep-worker-", suffix=".log")[1])
        self.log = self.log_path.open("wb")
        self.process = lab.spawn(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            env={
                "DATABASE_URL": database_url,
                "DJANGO_SETTINGS_MODULE": "netkeep.test_settings",
                "SCAN_ALLOWED_NETWORKS": ALLOWED,
                "Q_WORKERS": "2",
                "LOG_LEVEL": "INFO",
            },
            cwd=str(ROOT),
            start_new_session=True,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        """SIGKILL the whole worker (cluster, sentinel and its worker processes)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.lab.stop(self.process)
        self.log.close()
        self.log_path.unlink(missing_ok=True)

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


@pytest.fixture
def worker(lab: Lab, shared_db: str) -> Iterator[Worker]:
    started = Worker(lab, shared_db)
    yield started
    # Shown by pytest only when the test failed.
    print(f"--- worker log ---\n{started.tail()}")
    started.stop()


@pytest.fixture
def receiver(lab: Lab) -> Iterator[Receiver]:
    server = Receiver(lab)
    yield server
    server.close()


def wait_for(check: Callable[[], Any], timeout: float = 90, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")


def finished(run: ScanRun, timeout: float = 120) -> ScanRun:
    def done() -> ScanRun | None:
        current = ScanRun.objects.get(pk=run.pk)
        return current if not current.is_active else None

    return wait_for(done, timeout, f"run {run.pk} ({run.kind} {run.target}) to finish")


def alive_in_db(network: str) -> set[str]:
    import ipaddress

    hosts = Host.objects.in_network(ipaddress.ip_network(network)).filter(status=HostStatus.UP)
    return set(hosts.values_list("address", flat=True))


def test_sweep_down_history_events_webhooks_ports_and_dns_through_the_worker(
    lab: Lab, worker: Worker, receiver: Receiver
) -> None:
    editor = User.objects.create(username="erin", role=Role.EDITOR)
    subnet = Subnet(network=str(lab.net24), scan_enabled=True, dns_resolver=lab.dns_server)
    subnet.save()
    documented = Host(address="198.18.0.11", subnet=subnet, hostname="intranet")
    documented.save()
    Webhook.objects.create(
        name="lab",
        url=receiver.url,
        kinds=[EventKind.HOST_DOWN, EventKind.HOST_NEW, EventKind.PORT_OPENED],
        secret=SECRET,
    )
    truth = set(lab.alive_in(lab.net24))

    # 1. Sweep: the alive set is exact, new hosts appear as discovered.
    first = finished(scans.enqueue_scan(RunKind.SWEEP, subnet, editor))
    assert first.status == RunStatus.SUCCEEDED, first.error_message
    assert alive_in_db(str(lab.net24)) == truth
    assert first.counts["alive"] == len(truth)
    assert first.counts["new"] == len(truth) - 1
    assert (first.done, first.total) == (254, 254)
    assert Host.objects.get(address="198.18.0.11").origin == HostOrigin.DOCUMENTED
    assert Host.objects.get(address="198.18.0.1").origin == HostOrigin.DISCOVERED
    new_events = Event.objects.filter(kind=EventKind.HOST_NEW).count()
    assert new_events == len(truth) - 1

    # 2. A host goes down; the next sweep records the change, history and an event.
    victim = "198.18.0.13"
    lab.set_down(victim)
    try:
        second = finished(scans.enqueue_scan(RunKind.SWEEP, subnet, editor))
        assert second.status == RunStatus.SUCCEEDED, second.error_message
        host = Host.objects.get(address=victim)
        assert host.status == HostStatus.DOWN
        assert host.status_changed_at is not None and host.status_changed_at >= second.started
        assert second.counts["went_down"] == 1
        down = Event.objects.get(kind=EventKind.HOST_DOWN)
        assert down.object_id == str(host.pk)
        assert alive_in_db(str(lab.net24)) == truth - {victim}

        api = APIClient()
        api.force_authenticate(editor)
        up_at, down_at = (
            HostSample.objects.filter(host=host).order_by("at").values_list("at", flat=True)
        )
        before = timezone.now()
        body = api.get(f"/api/discovery/history/{host.pk}").json()
        after = timezone.now()
        # Uptime is a share of time: up from the first sweep to the second, down since.
        up_for = (down_at - up_at).total_seconds()
        highest = 100 * up_for / (before - up_at).total_seconds()
        lowest = 100 * up_for / (after - up_at).total_seconds()
        assert lowest - 0.01 <= body["uptime"]["last_24h"] <= highest + 0.01
        assert [p["up"] for p in body["latency"]] == [True, False]
        assert body["latency"][0]["rtt_ms"] > 0

        # 3. Webhooks: host_new and host_down reached the receiver, signed.
        wait_for(
            lambda: (
                "host_down" in receiver.kinds() and receiver.kinds().count("host_new") == new_events
            ),
            60,
            "webhook deliveries",
        )
        for headers, raw in receiver.requests:
            expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
            assert headers["X-Netkeep-Signature"] == f"sha256={expected}"
        delivered = WebhookDelivery.objects.filter(delivered=True, status_code=204)
        wait_for(lambda: delivered.count() == new_events + 1, 30, "the delivery log")

        # 4. Ports, with the real nmap, for the alive hosts only.
        ports = finished(scans.enqueue_scan(RunKind.PORTS, subnet, editor, profile="quick"))
        assert ports.status == RunStatus.SUCCEEDED, ports.error_message
        found = {
            (p.host.address, p.port)
            for p in OpenPort.objects.filter(current=True).select_related("host")
        }
        expected_ports = {
            (address, port)
            for address, numbers in lab.open_ports.items()
            if ":" not in address
            for port in numbers
        }
        expected_ports.add((lab.dns_server, 53))  # dnsmasq answers DNS over TCP too
        assert found == expected_ports
        wait_for(lambda: "port_opened" in receiver.kinds(), 60, "a port_opened delivery")
        chips = api.get("/api/discovery/ports?host=" + str(documented.pk)).json()["results"]
        assert sorted(c["port"] for c in chips) == sorted(lab.open_ports["198.18.0.11"])

        # 5. DNS through the subnet's resolver (the lab's dnsmasq).
        names = finished(scans.enqueue_scan(RunKind.DNS, subnet, editor))
        assert names.status == RunStatus.SUCCEEDED, names.error_message
        gateway = Host.objects.get(address="198.18.0.1")
        assert (gateway.ptr_name, gateway.hostname, gateway.hostname_source) == (
            "gw.lab.test",
            "gw.lab.test",
            HostnameSource.PTR,
        )
        documented.refresh_from_db()
        assert (documented.hostname, documented.ptr_name) == ("intranet", "web.lab.test")
        assert ReconciliationItem.objects.filter(host=documented, kind="ptr_mismatch").exists()
    finally:
        lab.set_up(victim)


def test_a_worker_killed_mid_sweep_leaves_the_run_failed_and_the_next_sweep_works(
    lab: Lab, worker: Worker, shared_db: str, settings: Any
) -> None:
    # Not scan-enabled: its schedule could fire when the second worker starts, and the
    # sweep it starts would be the "next sweep" this test asks for itself.
    big = Subnet(network=str(lab.net16))
    big.save()
    Host(address="198.18.0.1", subnet=big, hostname="gw").save()
    hosts_before = set(Host.objects.values_list("address", "status"))
    run = scans.enqueue_scan(RunKind.SWEEP, big)
    wait_for(
        lambda: ScanRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, done__gt=0).exists(),
        60,
        "the sweep to make progress",
    )
    worker.kill()
    killed = time.monotonic()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert run.finished is None
    # Nothing it did not finish observing was recorded.
    assert set(Host.objects.values_list("address", "status")) == hosts_before
    assert not Event.objects.exists()

    # A worker started again reaps it (at start, or by its watchdog) within a minute,
    # with no schedules and nobody asking: the heartbeat is what tells.
    again = Worker(lab, shared_db)
    try:
        wait_for(
            lambda: ScanRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).exists(),
            60,
            "the lost run to be failed",
        )
        assert time.monotonic() - killed < 60
        run.refresh_from_db()
        assert run.error_class == "WorkerLost"
        assert "nothing was recorded" in run.error_message
        # The next sweep of the same target starts at once, not "already running".
        retry = scans.enqueue_scan(RunKind.SWEEP, big, queue=False)
        assert retry.pk != run.pk and retry.status == RunStatus.QUEUED
        retry.delete()
        subnet = Subnet(network=str(lab.net24))
        subnet.save()
        second = finished(scans.enqueue_scan(RunKind.SWEEP, subnet))
        assert second.status == RunStatus.SUCCEEDED, second.error_message
        assert alive_in_db(str(lab.net24)) == set(lab.alive_in(lab.net24))
    finally:
        again.stop()


def test_an_ipv6_subnet_checks_only_its_known_hosts_with_real_icmp(lab: Lab, settings: Any) -> None:
    from discovery.sweep import run_sweep

    settings.SCAN_ALLOWED_NETWORKS = ALLOWED.split(",")
    subnet = Subnet(network=str(lab.net6))
    subnet.save()
    alive, dead = "2001:2::a", "2001:2::2"
    for address in (alive, dead):
        Host(address=address, subnet=subnet).save()
    run = ScanRun.objects.create(kind=RunKind.SWEEP, target=subnet.network, subnet=subnet)
    with lab.enter():
        assert run_sweep(run.pk) == RunStatus.SUCCEEDED
    run.refresh_from_db()
    assert (run.done, run.total) == (2, 2)
    assert Host.objects.get(address=alive).status == HostStatus.UP
    assert Host.objects.get(address=dead).status == HostStatus.DOWN
    # Nothing else in the /64 was pinged, so nothing else appeared.
    assert Host.objects.count() == 2


def test_the_scan_command_in_the_lab_exits_0_and_refuses_out_of_scope_with_2(
    lab: Lab, shared_db: str
) -> None:
    subnet = Subnet(network=str(lab.net24))
    subnet.save()
    env = {
        "DATABASE_URL": shared_db,
        "DJANGO_SETTINGS_MODULE": "netkeep.test_settings",
        "SCAN_ALLOWED_NETWORKS": ALLOWED,
    }
    manage = [sys.executable, str(ROOT / "manage.py"), "scan"]
    done = lab.exec([*manage, "sweep", str(subnet.pk)], env=env, cwd=str(ROOT))
    assert done.returncode == 0, done.stderr
    assert "Succeeded" in done.stdout
    assert alive_in_db(str(lab.net24)) == set(lab.alive_in(lab.net24))

    refused = lab.exec([*manage, "sweep", "192.0.2.0/24"], env=env, cwd=str(ROOT))
    assert refused.returncode == 2
    assert "outside the networks allowed" in refused.stderr
    assert ScanRun.objects.count() == 1


def test_the_seed_endpoints_ping_and_sweep_the_lab_for_real(lab: Lab, settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ALLOWED.split(",")
    editor = User.objects.create(username="erin", role=Role.EDITOR)
    api = APIClient()
    api.force_authenticate(editor)
    dead = lab.dead[0]
    with lab.enter():
        pinged = api.post(
            "/api/discovery/ping", {"ips": ["198.18.0.10", dead, "2001:2::a"]}, format="json"
        )
        swept = api.post(
            "/api/discovery/scan",
            {"targets": [{"cidr": str(lab.net24), "vlan": 20}], "dns_server": lab.dns_server},
            format="json",
        )
    assert pinged.status_code == 200, pinged.content
    assert [(p["ip"], p["alive"]) for p in pinged.json()] == [
        ("198.18.0.10", True),
        (dead, False),
        ("2001:2::a", True),
    ]
    assert swept.status_code == 200, swept.content
    body = swept.json()
    assert body["total_scanned"] == 254
    assert {h["ip"] for h in body["hosts"]} == set(lab.alive_in(lab.net24))
    ptrs = {h["ip"]: h["ptr"] for h in body["hosts"]}
    assert ptrs["198.18.0.10"] == "ssh.lab.test"
    assert ptrs["198.18.0.2"] is None
    assert all(h["vlan"] == 20 for h in body["hosts"])
