"""CSV import of devices and interfaces through the one import framework: preview, apply, errors."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from inventory.models import Device, Interface
from ipam.models import Host
from netkeep.importing import run_import
from tests.factories import make_credential_set, make_device, make_site, make_subnet, make_vlan

pytestmark = pytest.mark.django_db

HEADER = "name,role,platform,site,management_address,credential_sets,tags\n"


@pytest.fixture
def world() -> None:
    make_subnet("198.18.0.0/24")
    make_site("hq")
    make_vlan(20, "servers")
    make_credential_set("ops")


def test_a_good_file_previews_then_applies_in_one_go(world: None) -> None:
    text = (
        HEADER + "r1,router,cisco_ios,hq,198.18.0.1,ops,edge\nsw1,switch,arista_eos,,198.18.0.2,,\n"
    )
    preview = run_import(text, "devices", "skip", dry_run=True)
    assert preview.ok and preview.counts["create"] == 2
    assert not Device.objects.exists() and not Host.objects.exists()
    applied = run_import(text, "devices", "skip", dry_run=False)
    assert applied.applied
    r1 = Device.objects.get(name="r1")
    assert (r1.site.name, r1.management_host.address, r1.platform) == (
        "hq",
        "198.18.0.1",
        "cisco_ios",
    )
    assert [c.name for c in r1.credential_sets.all()] == ["ops"]
    assert [t.name for t in r1.tags.all()] == ["edge"]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("r2,router,cisco_catos,,,,", "not a platform Netkeep knows"),
        ("r2,router,,nowhere,,,", "No site named “nowhere”"),
        ("r2,router,,,198.18.0.300,,", "not an IPv4 or IPv6 address"),
        ("r2,router,,,,missing,", "No credential set named missing"),
        ("r2,router,,,198.18.0.9,,", "already belongs to device taken"),
        ("r2,robot,,,,,", "role"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(world: None, row: str, words: str) -> None:
    from inventory.addressing import host_for

    make_device("taken", management_host=host_for("198.18.0.9"))
    text = HEADER + "good,router,,,198.18.0.5,,\n" + row + "\n"
    result = run_import(text, "devices", "skip", dry_run=False)
    assert not result.applied
    assert words in result.errors[0].message
    assert not Device.objects.filter(name__in=["good", "r2"]).exists()
    assert not Host.objects.filter(address="198.18.0.5").exists()


def test_a_name_twice_in_one_file_is_an_error(world: None) -> None:
    text = HEADER + "r1,router,,,,,\nr1,switch,,,,,\n"
    result = run_import(text, "devices", "update", dry_run=True)
    assert [r.action for r in result.rows] == ["create", "error"]
    assert "already on line 2" in result.errors[0].message


def test_interfaces_import_with_vlans_and_addresses(world: None) -> None:
    make_device("r1")
    text = (
        "device,name,address,vlan,mac,is_upstream\n"
        "r1,eth0,198.18.0.1,20,00-11-22-33-44-55,yes\n"
        "r1,eth1,,99,,\n"
    )
    result = run_import(text, "interfaces", "skip", dry_run=False)
    assert not result.applied
    assert "No VLAN “99”" in result.errors[0].message
    good = (
        "device,name,address,vlan,is_upstream\nr1,eth0,198.18.0.1,20,yes\nr1,eth1,198.18.0.2,,no\n"
    )
    assert run_import(good, "interfaces", "skip", dry_run=False).applied
    assert list(Interface.objects.values_list("name", "vlan__vid", "is_upstream")) == [
        ("eth0", 20, True),
        ("eth1", None, False),
    ]


def test_the_import_page_offers_devices_with_a_template(
    editor_client: Client, viewer_client: Client, world: None
) -> None:
    page = editor_client.get(reverse("ipam:import"), {"kind": "devices"})
    assert 'value="devices" selected' in page.content.decode()
    template = editor_client.get(reverse("ipam:import_template", args=["devices"]))
    assert template.content.decode().startswith("name,role,platform,site,vrf,management_address")
    assert viewer_client.get(reverse("ipam:import_template", args=["devices"])).status_code == 403
    preview = editor_client.post(
        reverse("ipam:import"),
        {"kind": "devices", "mode": "skip", "text": HEADER + "r9,router,,,,,\n"},
        follow=True,
    )
    assert "1 to create" in preview.content.decode()
