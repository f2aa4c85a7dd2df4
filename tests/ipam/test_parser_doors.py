"""One parser for networks and addresses: the same text gets the same words at every door.

Each door (web form, API, CSV import, command, query string, scan target) is
fed the same table of bad inputs and must show the parser's exact message.
None of these inputs gets past parsing, and the allowlist is empty, so nothing
is ever scanned.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from discovery.models import AllowedNetwork, ScanRun
from ipam.importing import run_import
from ipam.models import Host, Subnet
from tests.factories import make_subnet

pytestmark = pytest.mark.django_db

BAD_NETWORKS = {
    "192.0.2.01/24": "192.0.2.01/24 has a leading zero in an octet, and 192.0.2.1/24 has host "
    "bits set: the network is 192.0.2.0/24 (or use a longer prefix).",
    "192.0.2.00/24": "192.0.2.00/24 has a leading zero in an octet: write 192.0.2.0/24.",
    "192.0.2.0/024": "192.0.2.0/024 has a leading zero in the prefix length: write 192.0.2.0/24.",
    "192.0.2.0 /24": "“192.0.2.0 /24” has spaces in it: write the network without spaces.",
    "192.0.2.0/33": "192.0.2.0/33 is not a network: the prefix length must be 0–32 for IPv4.",
    "192.0.2.1/24": "192.0.2.1/24 has host bits set: the network is 192.0.2.0/24 "
    "(or use a longer prefix).",
    "1.2.3/8": "1.2.3 is not an IPv4 or IPv6 address.",
    "fe80::%eth0/64": "fe80::%eth0/64 has a zone index (%eth0): leave it out, addresses are "
    "stored without one.",
    "::ffff:192.0.2.0/120": "::ffff:192.0.2.0/120 is an IPv4-mapped IPv6 network: enter the "
    "IPv4 network 192.0.2.0/24 instead.",
}

BAD_ADDRESSES = {
    "192.0.2.01": "192.0.2.01 has a leading zero in an octet: write 192.0.2.1.",
    "192.0.2. 1": "“192.0.2. 1” has spaces in it: write the address without spaces.",
    "192.0.2.256": "192.0.2.256 is not an IPv4 or IPv6 address.",
    "192.0.2.1/24": "192.0.2.1/24 is a network, not an address: enter a single address "
    "such as 192.0.2.1.",
    "::ffff:192.0.2.1": "::ffff:192.0.2.1 is an IPv4-mapped IPv6 address: enter 192.0.2.1 instead.",
}


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Scans are queued but never sent to a worker."""
    sent: list[int] = []
    monkeypatch.setattr("netkeep.jobs.queue.send", lambda run_id: sent.append(run_id) or "task")
    return sent


# --- the doors for networks: each returns what the user reads -------------------------------


def subnet_form(text: str, who: dict[str, Any]) -> str:
    return who["editor"].post(reverse("ipam:subnet_create"), {"network": text}).content.decode()


def subnet_api(text: str, who: dict[str, Any]) -> str:
    return str(api(who["erin"]).post("/api/ipam/subnets", {"network": text}).json())


def subnet_csv(text: str, who: dict[str, Any]) -> str:
    return run_import(f'network\n"{text}"\n', "subnets").rows[0].message


def subnet_csv_command(text: str, who: dict[str, Any]) -> str:
    path: Path = who["tmp_path"] / "subnets.csv"
    path.write_text(f'network\n"{text}"\n', encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_csv", str(path), "--kind", "subnets", stderr=err, stdout=io.StringIO())
    return err.getvalue()


def subnet_query_string(text: str, who: dict[str, Any]) -> str:
    return str(api(who["victor"]).get("/api/ipam/subnets", {"within": text}).json())


def host_query_string(text: str, who: dict[str, Any]) -> str:
    return str(api(who["victor"]).get("/api/ipam/hosts", {"within": text}).json())


def allowlist_page(text: str, who: dict[str, Any]) -> str:
    return who["admin"].post(reverse("discovery:allowlist"), {"network": text}).content.decode()


def scan_api(text: str, who: dict[str, Any]) -> str:
    body = {"kind": "sweep", "target": text}
    return str(api(who["erin"]).post("/api/discovery/runs", body, format="json").json())


def sweep_now_api(text: str, who: dict[str, Any]) -> str:
    body = {"targets": [{"cidr": text}]}
    return str(api(who["erin"]).post("/api/discovery/scan", body, format="json").json())


def scan_command(text: str, who: dict[str, Any]) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("scan", "sweep", text, stdout=io.StringIO())
    return str(refused.value)


NETWORK_DOORS: list[Callable[[str, dict[str, Any]], str]] = [
    subnet_form,
    subnet_api,
    subnet_csv,
    subnet_csv_command,
    subnet_query_string,
    host_query_string,
    allowlist_page,
    scan_api,
    sweep_now_api,
    scan_command,
]


# --- the doors for addresses ------------------------------------------------------------------


def host_form(text: str, who: dict[str, Any]) -> str:
    return who["editor"].post(reverse("ipam:host_create"), {"address": text}).content.decode()


def host_api(text: str, who: dict[str, Any]) -> str:
    return str(api(who["erin"]).post("/api/ipam/hosts", {"address": text}).json())


def host_csv(text: str, who: dict[str, Any]) -> str:
    return run_import(f'address\n"{text}"\n', "hosts").rows[0].message


def ping_api(text: str, who: dict[str, Any]) -> str:
    return str(api(who["erin"]).post("/api/discovery/ping", {"ips": [text]}, format="json").json())


def sweep_dns_server_api(text: str, who: dict[str, Any]) -> str:
    body = {"targets": [{"cidr": "198.18.0.0/24"}], "dns_server": text}
    return str(api(who["erin"]).post("/api/discovery/scan", body, format="json").json())


def resolver_form(text: str, who: dict[str, Any]) -> str:
    form = {"network": "198.51.100.0/24", "scan_interval": 5, "dns_resolver": text}
    return who["editor"].post(reverse("ipam:subnet_create"), form).content.decode()


def resolver_api(text: str, who: dict[str, Any]) -> str:
    body = {"network": "198.51.100.0/24", "dns_resolver": text}
    return str(api(who["erin"]).post("/api/ipam/subnets", body).json())


ADDRESS_DOORS: list[Callable[[str, dict[str, Any]], str]] = [
    host_form,
    host_api,
    host_csv,
    ping_api,
    sweep_dns_server_api,
    resolver_form,
    resolver_api,
]


@pytest.fixture
def who(
    admin_client: Client,
    editor_client: Client,
    erin: Any,
    victor: Any,
    tmp_path: Path,
    queued: list[int],
) -> dict[str, Any]:
    make_subnet("192.0.2.0/24")
    return {
        "admin": admin_client,
        "editor": editor_client,
        "erin": erin,
        "victor": victor,
        "tmp_path": tmp_path,
    }


@pytest.mark.parametrize("door", NETWORK_DOORS, ids=lambda door: door.__name__)
@pytest.mark.parametrize(("text", "message"), BAD_NETWORKS.items(), ids=list(BAD_NETWORKS))
def test_every_door_refuses_a_bad_network_with_the_same_words(
    door: Callable[[str, dict[str, Any]], str], text: str, message: str, who: dict[str, Any]
) -> None:
    answer = door(text, who)
    assert message in answer or escape(message) in answer, answer[-2000:]
    assert Subnet.objects.count() == 1 and not AllowedNetwork.objects.exists()
    assert not ScanRun.objects.exists()


@pytest.mark.parametrize("door", ADDRESS_DOORS, ids=lambda door: door.__name__)
@pytest.mark.parametrize(("text", "message"), BAD_ADDRESSES.items(), ids=list(BAD_ADDRESSES))
def test_every_door_refuses_a_bad_address_with_the_same_words(
    door: Callable[[str, dict[str, Any]], str], text: str, message: str, who: dict[str, Any]
) -> None:
    answer = door(text, who)
    assert message in answer or escape(message) in answer, answer[-2000:]
    assert not Host.objects.exists() and Subnet.objects.count() == 1


def test_surrounding_whitespace_is_dropped_at_every_door(
    who: dict[str, Any], settings: Any, queued: list[int]
) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24"]
    Subnet.objects.all().delete()
    form = {"network": " 192.0.2.0/24", "scan_interval": 5}
    assert who["editor"].post(reverse("ipam:subnet_create"), form).status_code == 302
    assert Subnet.objects.filter(network="192.0.2.0/24").exists()
    created = api(who["erin"]).post("/api/ipam/subnets", {"network": " 198.51.100.0/24"})
    assert created.status_code == 201, created.content
    assert run_import('network\n" 203.0.113.0/24"\n', "subnets").rows[0].action == "create"
    listing = api(who["victor"]).get("/api/ipam/subnets", {"within": " 192.0.2.0/23"})
    assert [s["network"] for s in listing.json()["results"]] == ["192.0.2.0/24"]
    page = who["admin"].post(reverse("discovery:allowlist"), {"network": " 198.18.0.0/25"})
    assert page.status_code == 302 and AllowedNetwork.objects.get().network == "198.18.0.0/25"
    body = {"kind": "sweep", "target": " 198.18.0.0/24"}
    scan = api(who["erin"]).post("/api/discovery/runs", body, format="json")
    assert scan.status_code == 202 and scan.json()["target"] == "198.18.0.0/24"
    host = api(who["erin"]).post("/api/ipam/hosts", {"address": "192.0.2.10 "})
    assert host.status_code == 201 and host.json()["address"] == "192.0.2.10"
    assert run_import('address\n" 192.0.2.11"\n', "hosts").rows[0].action == "create"
