"""Devices, interfaces, credential sets and host-key pins."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import AuditEntry
from inventory.addressing import host_for
from inventory.models import DeviceCredential, Interface, Platform, netmiko_device_type
from ipam.models import Host
from tests.factories import (
    make_credential_set,
    make_device,
    make_site,
    make_subnet,
    make_tag,
)

pytestmark = pytest.mark.django_db

CANARY = "canary-Zq8vX-never-in-plain"


def test_every_platform_maps_to_a_netmiko_device_type() -> None:
    from netmiko.ssh_dispatcher import CLASS_MAPPER

    for platform in Platform.values:
        assert netmiko_device_type(platform) in CLASS_MAPPER
    with pytest.raises(ValueError, match="choose one of"):
        netmiko_device_type("cisco_catos_from_1998")


def test_an_interface_address_is_created_in_its_subnet_when_new() -> None:
    subnet = make_subnet("198.51.100.0/24")
    child = make_subnet("198.51.100.0/26")
    host = host_for("198.51.100.9")
    assert host.subnet == child
    assert host_for("198.51.100.9").pk == host.pk
    assert subnet.hosts.count() == 0


def test_an_address_no_subnet_holds_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValidationError, match="add its subnet in IPAM first"):
        host_for("203.0.113.5")
    with pytest.raises(ValidationError, match="not an IPv4 or IPv6 address"):
        host_for("300.1.1.1")


def test_deleting_a_device_deletes_its_interfaces_and_keeps_the_hosts_unlinked() -> None:
    make_subnet("198.51.100.0/24")
    host = host_for("198.51.100.1")
    device = make_device(management_host=host)
    Interface.objects.create(device=device, name="ge-0/0/0", host=host_for("198.51.100.2"))
    device.delete()
    assert Interface.objects.count() == 0
    assert set(Host.objects.values_list("address", flat=True)) == {
        "198.51.100.1",
        "198.51.100.2",
    }


def test_an_interface_mac_is_stored_in_one_spelling() -> None:
    device = make_device()
    iface = Interface(device=device, name="eth0", mac="00-1A-2B-3C-4D-5E")
    iface.full_clean()
    iface.save()
    assert iface.mac == "00:1a:2b:3c:4d:5e"


def test_credential_order_is_working_set_then_own_list_then_site_and_tag_defaults() -> None:
    site = make_site()
    tag = make_tag("edge")
    own_b, own_a = make_credential_set("own-b"), make_credential_set("own-a")
    site_default = make_credential_set("site-default", priority=5)
    tag_default = make_credential_set("tag-default", priority=1)
    make_credential_set("unrelated")
    site_default.default_for_sites.add(site)
    tag_default.default_for_tags.add(tag)
    device = make_device(site=site)
    device.tags.add(tag)
    DeviceCredential.objects.create(device=device, credential_set=own_b, position=0)
    DeviceCredential.objects.create(device=device, credential_set=own_a, position=1)
    assert [c.name for c in device.credential_order()] == [
        "own-b",
        "own-a",
        "tag-default",
        "site-default",
    ]
    device.working_credential = site_default
    device.save()
    assert [c.name for c in device.credential_order()][:2] == ["site-default", "own-b"]


def test_a_credential_set_needs_a_password_or_a_key() -> None:
    with pytest.raises(ValidationError, match="password or an SSH private key"):
        make_credential_set("empty", password="")
    with pytest.raises(ValidationError, match="not a private key"):
        make_credential_set("badkey", password="", ssh_private_key="hello")


def test_secrets_are_encrypted_in_the_database_and_masked_in_the_audit() -> None:
    cred = make_credential_set(password=CANARY, enable_secret=CANARY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, enable_secret FROM inventory_credentialset")
        row = cursor.fetchone()
    assert all(value.startswith("fernet:") and CANARY not in value for value in row)
    assert cred.secrets_set() == {
        "password": True,
        "enable_secret": True,
        "ssh_private_key": False,
        "ssh_key_passphrase": False,
    }
    entry = AuditEntry.objects.get(object_id=str(cred.pk), action="create")
    assert CANARY not in str(entry.changes)


def test_a_host_key_is_pinned_on_first_use_and_a_new_one_fails_until_accepted() -> None:
    device = make_device()
    assert device.check_host_key("ssh-ed25519 AAAAfirst") == "pinned"
    assert device.check_host_key("ssh-ed25519   AAAAfirst") == "match"
    assert device.check_host_key("ssh-ed25519 AAAAsecond") == "changed"
    assert device.check_host_key("ssh-ed25519 AAAAsecond") == "changed"
    device.refresh_from_db()
    assert device.offered_host_key == "ssh-ed25519 AAAAsecond"
    device.accept_offered_host_key()
    assert device.check_host_key("ssh-ed25519 AAAAsecond") == "match"
    assert AuditEntry.objects.filter(
        object_id=str(device.pk), changes__has_key="ssh_host_key"
    ).exists()
    with pytest.raises(ValidationError, match="nothing to accept"):
        device.accept_offered_host_key()


def test_a_subnet_may_belong_to_a_site() -> None:
    site = make_site("lab")
    subnet = make_subnet("198.51.100.0/24", site=site)
    assert list(site.subnets.all()) == [subnet]
