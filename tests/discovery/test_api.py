"""Discovery API: seed endpoints, runs, history, ports, events, and who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from discovery import dns, history, icmp
from discovery.models import OpenPort, RunKind, ScanRun
from netkeep.models import Event, EventKind
from tests.discovery.fakes import FakePing
from tests.factories import make_host, make_subnet

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_lab")]


@pytest.fixture
def ping(ping: FakePing, monkeypatch: pytest.MonkeyPatch) -> FakePing:
    ping.alive = {"198.18.0.1": 0.5, "198.18.0.10": 0.7}
    monkeypatch.setattr(
        dns,
        "ptr_lookup",
        lambda addresses, **kw: {
            a: "ssh.lab.test" if a == "198.18.0.10" else None for a in addresses
        },
    )
    monkeypatch.setattr(
        dns,
        "ptr_outcomes",
        lambda addresses, **kw: {
            a: dns.PtrResult("ssh.lab.test", dns.ANSWER)
            if a == "198.18.0.10"
            else dns.PtrResult(None, dns.NXDOMAIN)
            for a in addresses
        },
    )
    return ping


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ping_answers_alive_and_latency_per_address(ping: FakePing, erin: Any) -> None:
    response = client_for(erin).post(
        "/api/discovery/ping", {"ips": ["198.18.0.1", "198.18.0.2"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == [
        {"ip": "198.18.0.1", "alive": True, "latency_ms": 0.5},
        {"ip": "198.18.0.2", "alive": False, "latency_ms": None},
    ]


@pytest.mark.parametrize(
    ("ips", "reason"),
    [
        (["10.0.0.1"], "outside the networks allowed"),
        (["127.0.0.1"], "loopback"),
        (["198.18.0.1 -iL /etc/passwd"], "spaces"),
        (["--script=vuln"], "is not an IPv4 or IPv6 address"),
        (["198.18.0.1;id"], "is not an IPv4 or IPv6 address"),
        (["198.18.0.0/24"], "is a network"),
    ],
)
def test_ping_refuses_out_of_scope_and_injected_input_before_any_packet(
    ping: FakePing, erin: Any, ips: list[str], reason: str
) -> None:
    response = client_for(erin).post("/api/discovery/ping", {"ips": ips}, format="json")
    assert response.status_code == 400
    assert reason in str(response.json()["ips"])
    assert ping.calls == []


def test_ping_needs_the_run_scans_permission(ping: FakePing, victor: Any, nora: Any) -> None:
    for user in (victor, nora):
        response = client_for(user).post(
            "/api/discovery/ping", {"ips": ["198.18.0.1"]}, format="json"
        )
        assert response.status_code == 403
    assert APIClient().post(
        "/api/discovery/ping", {"ips": ["198.18.0.1"]}, format="json"
    ).status_code in (401, 403)
    assert ping.calls == []


def test_ping_says_what_to_fix_when_icmp_is_not_permitted(ping: FakePing, erin: Any) -> None:
    ping.error = icmp.PingUnavailable("grant CAP_NET_RAW")
    response = client_for(erin).post("/api/discovery/ping", {"ips": ["198.18.0.1"]}, format="json")
    assert response.status_code == 503
    assert "CAP_NET_RAW" in response.json()["detail"]


def test_scan_sweeps_targets_and_returns_alive_hosts_with_ptr(ping: FakePing, erin: Any) -> None:
    response = client_for(erin).post(
        "/api/discovery/scan",
        {"targets": [{"cidr": "198.18.0.0/24", "vlan": 10}], "dns_server": "198.18.0.53"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total_scanned"] == 254
    assert body["hosts"] == [
        {"ip": "198.18.0.1", "ptr": None, "latency_ms": 0.5, "vlan": 10},
        {"ip": "198.18.0.10", "ptr": "ssh.lab.test", "latency_ms": 0.7, "vlan": 10},
    ]
    assert body["duration_s"] >= 0


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"targets": [{"cidr": "10.0.0.0/24"}]}, "targets", "outside the networks allowed"),
        ({"targets": [{"cidr": "198.18.0.0/16"}]}, "targets", "more than the 4096"),
        (
            {"targets": [{"cidr": "198.18.0.0/24"}], "dns_server": "192.0.2.53"},
            "dns_server",
            "outside the networks allowed",
        ),
        ({"targets": [{"cidr": "198.18.0.0/24 -oN /tmp/x"}]}, "targets", "spaces"),
    ],
)
def test_scan_refusals_are_400_with_the_reason(
    ping: FakePing, erin: Any, payload: dict, field: str, reason: str
) -> None:
    response = client_for(erin).post("/api/discovery/scan", payload, format="json")
    assert response.status_code == 400
    assert reason in str(response.json()[field])
    assert ping.calls == []


def test_asking_for_a_scan_returns_the_queued_run_and_then_the_same_one(
    erin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("netkeep.jobs.queue.send", lambda run_id: "t")
    make_subnet("198.18.0.0/24")
    client = client_for(erin)
    first = client.post(
        "/api/discovery/runs", {"kind": "sweep", "target": "198.18.0.0/24"}, format="json"
    )
    again = client.post(
        "/api/discovery/runs", {"kind": "sweep", "target": "198.18.0.0/24"}, format="json"
    )
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "queued"
    assert ScanRun.objects.count() == 1


def test_a_viewer_reads_runs_but_cannot_ask_for_scans(victor: Any) -> None:
    ScanRun.objects.create(kind=RunKind.SWEEP, target="198.18.0.0/24", done=10, total=254)
    client = client_for(victor)
    listing = client.get("/api/discovery/runs")
    assert listing.status_code == 200
    run = listing.json()["results"][0]
    assert (run["done"], run["total"], run["percent"]) == (10, 254, 3)
    refused = client.post(
        "/api/discovery/runs", {"kind": "sweep", "target": "198.18.0.0/24"}, format="json"
    )
    assert refused.status_code == 403


def test_someone_without_a_role_sees_nothing(nora: Any) -> None:
    client = client_for(nora)
    for url in (
        "/api/discovery/runs",
        "/api/discovery/ports",
        "/api/discovery/events",
    ):
        assert client.get(url).status_code == 403, url


def test_a_hosts_history_has_uptime_and_a_latency_series(victor: Any) -> None:
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.10")
    now = timezone.now()
    # Each sample stands for 5 minutes (the subnet's sweep interval): half the time up.
    history.record_samples([(host.pk, True, 1.5)], at=now - timedelta(minutes=10))
    history.record_samples([(host.pk, False, None)], at=now - timedelta(minutes=5))
    body = client_for(victor).get(f"/api/discovery/history/{host.pk}").json()
    assert body["uptime"] == {"last_24h": 50.0, "last_7d": 50.0, "last_30d": 50.0}
    assert [(p["up"], p["rtt_ms"]) for p in body["latency"]] == [(True, 1.5), (False, None)]
    assert client_for(victor).get(f"/api/discovery/history/{host.pk}?span=1y").status_code == 400


def test_open_ports_and_events_are_listed(victor: Any) -> None:
    make_subnet("198.18.0.0/24")
    host = make_host("198.18.0.10")
    OpenPort.objects.create(host=host, port=22, protocol="tcp", service="ssh")
    Event.objects.create(
        kind=EventKind.HOST_DOWN, object_id=str(host.pk), object_repr="198.18.0.10"
    )
    client = client_for(victor)
    ports = client.get(f"/api/discovery/ports?host={host.pk}").json()["results"]
    assert [(p["address"], p["label"]) for p in ports] == [("198.18.0.10", "22/ssh")]
    events = client.get("/api/discovery/events?kind=host_down").json()["results"]
    assert [e["object_repr"] for e in events] == ["198.18.0.10"]


def test_every_discovery_endpoint_is_in_the_openapi_schema(alice: Any) -> None:
    schema = client_for(alice).get("/api/schema/?format=json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/discovery/ping",
        "/api/discovery/scan",
        "/api/discovery/runs",
        "/api/discovery/history/{id}",
        "/api/discovery/ports",
        "/api/discovery/events",
    ):
        assert any(p.rstrip("/") == path for p in paths), path
