"""Inventory pages: the permission matrix, the device form in one transaction, secrets, lists."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from inventory.models import CredentialSet, Device, DeviceCredential, Interface
from ipam.models import Host
from tests.factories import (
    make_credential_set,
    make_device,
    make_site,
    make_subnet,
    make_tag,
    make_vlan,
)

pytestmark = pytest.mark.django_db

CANARY = "canary-PAGE-7f3e-never-shown"


@pytest.fixture
def world() -> dict[str, Any]:
    make_subnet("198.18.0.0/24")
    site = make_site("hq")
    cred = make_credential_set("ops", password=CANARY, enable_secret=CANARY)
    device = make_device("core1", site=site, platform="cisco_ios")
    Interface.objects.create(device=device, name="Gi0/0")
    return {"site": site, "device": device, "cred": cred}


# (URL name, the object in `world` whose pk goes in the URL, or None)
READS = [
    ("inventory:index", None),
    ("inventory:device_list", None),
    ("inventory:device_export", None),
    ("inventory:device_detail", "device"),
    ("inventory:site_list", None),
    ("inventory:site_detail", "site"),
    ("inventory:credentialset_list", None),
]
EDITOR_WRITES = [
    ("inventory:device_create", None),
    ("inventory:device_edit", "device"),
    ("inventory:device_delete", "device"),
    ("inventory:site_create", None),
    ("inventory:site_edit", "site"),
    ("inventory:site_delete", "site"),
]
ADMIN_WRITES = [
    ("inventory:credentialset_create", None),
    ("inventory:credentialset_edit", "cred"),
    ("inventory:credentialset_delete", "cred"),
]


def _url(world: dict[str, Any], name: str, key: str | None) -> str:
    return reverse(name, args=[world[key].pk] if key else [])


@pytest.mark.parametrize(("name", "key"), READS + EDITOR_WRITES + ADMIN_WRITES)
def test_someone_without_a_role_gets_403_everywhere(
    noaccess_client: Client, world: dict[str, Any], name: str, key: str | None
) -> None:
    assert noaccess_client.get(_url(world, name, key)).status_code == 403


@pytest.mark.parametrize(("name", "key"), READS)
def test_viewers_read_every_page(
    viewer_client: Client, world: dict[str, Any], name: str, key: str | None
) -> None:
    assert viewer_client.get(_url(world, name, key)).status_code == 200


@pytest.mark.parametrize(("name", "key"), EDITOR_WRITES + ADMIN_WRITES)
def test_viewers_cannot_open_any_form(
    viewer_client: Client, world: dict[str, Any], name: str, key: str | None
) -> None:
    assert viewer_client.get(_url(world, name, key)).status_code == 403
    assert viewer_client.post(_url(world, name, key)).status_code == 403


@pytest.mark.parametrize(("name", "key"), EDITOR_WRITES)
def test_editors_open_device_and_site_forms(
    editor_client: Client, world: dict[str, Any], name: str, key: str | None
) -> None:
    assert editor_client.get(_url(world, name, key)).status_code == 200


@pytest.mark.parametrize(("name", "key"), ADMIN_WRITES)
def test_only_admins_manage_credential_sets(
    editor_client: Client, admin_client: Client, world: dict[str, Any], name: str, key: str | None
) -> None:
    assert editor_client.get(_url(world, name, key)).status_code == 403
    assert admin_client.get(_url(world, name, key)).status_code == 200


def test_host_key_actions_need_change_permission(
    viewer_client: Client, noaccess_client: Client, world: dict[str, Any]
) -> None:
    url = reverse("inventory:device_host_key", args=[world["device"].pk])
    assert viewer_client.post(url, {"action": "forget"}).status_code == 403
    assert noaccess_client.post(url, {"action": "forget"}).status_code == 403


def _device_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "edge1",
        "role": "router",
        "platform": "arista_eos",
        "vrf": "",
        "management_address": "198.18.0.1",
        "virtualisation": "baremetal",
        "credentials": "ops",
        "tags": "edge",
        "interfaces-TOTAL_FORMS": "2",
        "interfaces-INITIAL_FORMS": "0",
        "interfaces-MIN_NUM_FORMS": "0",
        "interfaces-MAX_NUM_FORMS": "1000",
        "interfaces-0-name": "Ethernet1",
        "interfaces-0-address": "198.18.0.2",
        "interfaces-0-mac": "00-1A-2B-3C-4D-5E",
        "interfaces-0-is_upstream": "on",
        "interfaces-1-name": "",
    }
    data.update(overrides)
    return data


def test_an_editor_creates_a_device_with_interfaces_and_new_ipam_hosts(
    editor_client: Client, world: dict[str, Any]
) -> None:
    response = editor_client.post(reverse("inventory:device_create"), _device_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    device = Device.objects.get(name="edge1")
    assert device.management_host.address == "198.18.0.1"
    iface = device.interfaces.get()
    assert (iface.name, iface.host.address, iface.mac, iface.is_upstream) == (
        "Ethernet1",
        "198.18.0.2",
        "00:1a:2b:3c:4d:5e",
        True,
    )
    assert [c.name for c in device.credential_sets.all()] == ["ops"]
    assert [t.name for t in device.tags.all()] == ["edge"]


def test_a_device_reached_by_name_keeps_its_buttons_and_a_bad_name_is_a_field_error(
    editor_client: Client, world: dict[str, Any], settings: Any
) -> None:
    bad = editor_client.post(
        reverse("inventory:device_create"), _device_post(ssh_host="sw 1; rm -rf")
    )
    assert bad.status_code == 400
    assert "This is not a host name" in bad.content.decode()
    settings.SCAN_ALLOWED_NETWORKS = []  # the address would be refused; a name is checked later
    response = editor_client.post(
        reverse("inventory:device_create"), _device_post(ssh_host="edge1.lab.example")
    )
    assert response.status_code == 302
    device = Device.objects.get(name="edge1")
    page = editor_client.get(device.get_absolute_url()).content.decode()
    assert "edge1.lab.example" in page and "disabled title=" not in page


def test_a_bad_interface_row_saves_nothing_and_says_what_to_fix(
    editor_client: Client, world: dict[str, Any]
) -> None:
    response = editor_client.post(
        reverse("inventory:device_create"), _device_post(**{"interfaces-0-address": "203.0.113.9"})
    )
    assert response.status_code == 400
    assert "add its subnet in IPAM first" in response.content.decode()
    assert not Device.objects.filter(name="edge1").exists()
    assert not Host.objects.filter(address="198.18.0.1").exists()


def test_unknown_credential_sets_and_taken_addresses_are_field_errors(
    editor_client: Client, world: dict[str, Any]
) -> None:
    response = editor_client.post(
        reverse("inventory:device_create"), _device_post(credentials="ops, nope")
    )
    assert response.status_code == 400
    assert "No credential set named nope" in response.content.decode()
    first = editor_client.post(reverse("inventory:device_create"), _device_post())
    assert first.status_code == 302
    again = editor_client.post(
        reverse("inventory:device_create"),
        _device_post(name="edge2", **{"interfaces-0-name": "e2", "interfaces-0-address": ""}),
    )
    assert "198.18.0.1 already belongs to device edge1" in again.content.decode()


def test_editing_replaces_interfaces_and_deleting_keeps_the_hosts(
    editor_client: Client, world: dict[str, Any]
) -> None:
    editor_client.post(reverse("inventory:device_create"), _device_post())
    device = Device.objects.get(name="edge1")
    data = _device_post(
        **{
            "interfaces-TOTAL_FORMS": "2",
            "interfaces-INITIAL_FORMS": "1",
            "interfaces-0-DELETE": "on",
            "interfaces-1-name": "Ethernet2",
            "interfaces-1-address": "198.18.0.3",
        }
    )
    response = editor_client.post(reverse("inventory:device_edit", args=[device.pk]), data)
    assert response.status_code == 302
    assert list(device.interfaces.values_list("name", flat=True)) == ["Ethernet2"]
    editor_client.post(reverse("inventory:device_delete", args=[device.pk]))
    assert not Device.objects.filter(pk=device.pk).exists()
    assert Host.objects.filter(address__in=["198.18.0.1", "198.18.0.2", "198.18.0.3"]).count() == 3


def test_credential_secrets_are_write_only_on_the_page(
    admin_client: Client, world: dict[str, Any]
) -> None:
    cred = world["cred"]
    edit = admin_client.get(reverse("inventory:credentialset_edit", args=[cred.pk]))
    listing = admin_client.get(reverse("inventory:credentialset_list"))
    for response in (edit, listing):
        assert CANARY not in response.content.decode()
    assert "Set. Leave empty to keep it" in edit.content.decode()
    # Saving without typing the secrets keeps them; a tick on "clear" removes one.
    response = admin_client.post(
        reverse("inventory:credentialset_edit", args=[cred.pk]),
        {"name": "ops", "username": "admin2", "priority": "10", "clear_enable_secret": "on"},
    )
    assert response.status_code == 302
    cred.refresh_from_db()
    assert (cred.username, cred.password, cred.enable_secret) == ("admin2", CANARY, "")


def test_a_credential_set_without_any_secret_is_refused(admin_client: Client, db: None) -> None:
    response = admin_client.post(
        reverse("inventory:credentialset_create"),
        {"name": "empty", "username": "x", "priority": "1"},
    )
    assert response.status_code == 200
    assert "needs a password or an SSH private key" in response.content.decode()
    assert not CredentialSet.objects.exists()


def test_the_device_list_filters_by_site_and_puts_failures_first(
    viewer_client: Client, world: dict[str, Any]
) -> None:
    ok = make_device("aaa-ok")
    Device.objects.filter(pk=ok.pk).update(last_test_ok=True)
    bad = make_device("zzz-bad")
    Device.objects.filter(pk=bad.pk).update(last_test_ok=False, last_test_message="timeout")
    page = viewer_client.get(reverse("inventory:device_list"), {"site": world["site"].pk})
    assert "core1" in page.content.decode() and "zzz-bad" not in page.content.decode()
    ordered = viewer_client.get(reverse("inventory:device_list"), {"failures_first": "true"})
    body = ordered.content.decode()
    assert body.index("zzz-bad") < body.index("core1") < body.index("aaa-ok")


def test_the_csv_export_has_the_filtered_devices(
    viewer_client: Client, world: dict[str, Any]
) -> None:
    make_device("elsewhere")
    response = viewer_client.get(reverse("inventory:device_export"), {"site": world["site"].pk})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["name"] for r in rows] == ["core1"]
    assert rows[0]["site"] == "hq" and rows[0]["platform"] == "cisco_ios"


def test_the_device_list_runs_a_fixed_number_of_queries(
    viewer_client: Client, world: dict[str, Any]
) -> None:
    tag = make_tag("edge")
    vlan = make_vlan(10)
    for i in range(3):
        make_device(f"d{i}", site=world["site"]).tags.add(tag)
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(reverse("inventory:device_list"))
    for i in range(3, 30):
        d = make_device(f"d{i}", site=world["site"])
        d.tags.add(tag)
        Interface.objects.create(device=d, name="e0", vlan=vlan)
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(reverse("inventory:device_list"))
    assert len(many) == len(few)


def test_an_editor_accepts_a_changed_host_key(editor_client: Client, world: dict[str, Any]) -> None:
    device = world["device"]
    device.check_host_key("ssh-ed25519 AAAAold")
    device.check_host_key("ssh-ed25519 AAAAnew")
    page = editor_client.get(reverse("inventory:device_detail", args=[device.pk]))
    assert "Accept the new key" in page.content.decode()
    editor_client.post(reverse("inventory:device_host_key", args=[device.pk]), {"action": "accept"})
    device.refresh_from_db()
    assert (device.ssh_host_key, device.offered_host_key) == ("ssh-ed25519 AAAAnew", "")
    from accounts.models import AuditEntry

    entry = AuditEntry.objects.filter(object_id=str(device.pk), username="erin").latest("at")
    assert entry.changes["ssh_host_key"] == ["ssh-ed25519 AAAAold", "ssh-ed25519 AAAAnew"]


def test_the_device_page_lists_the_credential_order_without_secrets(
    editor_client: Client, world: dict[str, Any]
) -> None:
    DeviceCredential.objects.create(device=world["device"], credential_set=world["cred"])
    page = editor_client.get(reverse("inventory:device_detail", args=[world["device"].pk]))
    assert "ops" in page.content.decode() and CANARY not in page.content.decode()


def test_ipam_shows_the_device_beside_its_addresses(
    viewer_client: Client, world: dict[str, Any]
) -> None:
    from inventory.addressing import host_for

    device = world["device"]
    host = host_for("198.18.0.7")
    Interface.objects.filter(device=device).update(host=host)
    subnet_view = viewer_client.get(reverse("ipam:subnet_detail", args=[host.subnet_id]))
    search = viewer_client.get(reverse("ipam:search"), {"q": "198.18.0.7"})
    drawer = viewer_client.get(
        reverse("discovery:host_drawer", args=[host.pk]), headers={"HX-Request": "true"}
    )
    page = viewer_client.get(reverse("ipam:host_detail", args=[host.pk]))
    for response in (subnet_view, drawer, page):
        assert f'href="/inventory/devices/{device.pk}/"' in response.content.decode()
    # A search result is one link already: the device is named inside it.
    assert 'class="chip device" title="Gi0/0">core1<' in search.content.decode()


def test_the_subnet_view_asks_for_devices_once_per_page(
    viewer_client: Client, world: dict[str, Any]
) -> None:
    from inventory.addressing import host_for

    subnet_pk = host_for("198.18.0.10").subnet_id
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(reverse("ipam:subnet_detail", args=[subnet_pk]))
    for i in range(11, 40):
        d = make_device(f"srv{i}", management_host=host_for(f"198.18.0.{i}"))
        Interface.objects.create(device=d, name="eth0", host=host_for(f"198.18.0.{i + 100}"))
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(reverse("ipam:subnet_detail", args=[subnet_pk]))
    assert len(many) == len(few)


def test_someone_who_may_not_see_devices_sees_no_device_beside_an_address(
    client: Client, world: dict[str, Any]
) -> None:
    from django.contrib.auth.models import Permission

    from inventory.addressing import host_for
    from tests.conftest import make_user

    host = host_for("198.18.0.7")
    Interface.objects.filter(device=world["device"]).update(host=host)
    ipam_only = make_user("ivy", Role.NONE)
    ipam_only.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="ipam", codename__in=["view_subnet", "view_host"]
        )
    )
    client.force_login(ipam_only)
    page = client.get(reverse("ipam:subnet_detail", args=[host.subnet_id]))
    assert page.status_code == 200 and "198.18.0.7" in page.content.decode()
    assert "/inventory/devices/" not in page.content.decode()


def test_every_interface_cell_of_the_device_form_has_a_name_for_screen_readers(
    editor_client: Client,
) -> None:
    page = editor_client.get(reverse("inventory:device_create")).content.decode()
    for label in ("Name", "Address", "VLAN", "MAC", "Upstream", "Description", "Delete"):
        assert f'aria-label="Interface 1: {label}"' in page
        assert f'aria-label="Interface 2: {label}"' in page


def test_an_address_names_each_device_once_management_first_then_interfaces(
    db: None, django_assert_num_queries: Any
) -> None:
    from inventory.addressing import host_for
    from ipam import owners

    make_subnet("198.18.0.0/24")
    both, shared = host_for("198.18.0.1"), host_for("198.18.0.2")
    core = make_device("core1", management_host=both)
    Interface.objects.create(device=core, name="eth0", host=both)
    edge = make_device("edge1")
    Interface.objects.create(device=edge, name="ge-0/0/1", host=shared)
    make_device("zz-mgmt", management_host=shared)
    alone = host_for("198.18.0.3")
    with django_assert_num_queries(1):  # every host of a page in one query
        owners.attach([both, shared, alone], None)
    assert [(o.label, o.detail) for o in both.owners] == [("core1", "management, eth0")]
    assert [(o.label, o.detail) for o in shared.owners] == [
        ("zz-mgmt", "management"),
        ("edge1", "ge-0/0/1"),
    ]
    assert both.owners[0].url == f"/inventory/devices/{core.pk}/" and alone.owners == []
    # Read with the hosts (a page's query given owners.columns()): no query of its own.
    read = list(Host.objects.filter(pk__in=[both.pk, shared.pk]).annotate(**owners.columns()))
    with django_assert_num_queries(0):
        owners.attach(read, None)
    assert sorted(len(h.owners) for h in read) == [1, 2]
