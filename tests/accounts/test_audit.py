"""The audit trail: who changed which object and fields, when and through which door."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import audit
from accounts.models import AuditEntry, Role, User
from tests.conftest import PASSWORD, bearer, token_for
from tests.factories import make_host, make_subnet, make_vlan

NEW_PASSWORD = "a-completely-new-passphrase"


def _latest(user: User) -> AuditEntry:
    entry = (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
        )
        .order_by("-id")
        .first()
    )
    assert entry is not None
    return entry


def test_a_change_through_the_web_is_recorded_with_its_author_and_door(
    admin_client: Client, alice: User, erin: User
) -> None:
    response = admin_client.post(
        f"/users/{erin.pk}/",
        {"username": "erin", "email": "erin@example.org", "role": Role.VIEWER, "is_active": "on"},
    )
    assert response.status_code == 302
    entry = _latest(erin)
    assert (entry.door, entry.action, entry.user, entry.username) == (
        "web",
        "update",
        alice,
        "alice",
    )
    assert entry.changes["role"] == ["editor", "viewer"]
    assert entry.changes["email"] == ["", "erin@example.org"]
    # Derived flags show up too: an editor may use the Django admin, a viewer not.
    assert entry.changes["is_staff"] == [True, False]
    assert entry.object_repr == "erin"


def test_a_change_through_the_api_is_recorded_with_secrets_masked(erin: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "erin")["access"])
    old_hash = User.objects.get(pk=erin.pk).password
    response = client.post(
        "/api/auth/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204
    entry = _latest(erin)
    assert (entry.door, entry.action, entry.user) == ("api", "update", erin)
    assert entry.changes == {"password": [audit.MASK, audit.MASK]}
    stored = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))
    new_hash = User.objects.get(pk=erin.pk).password
    for secret in (PASSWORD, NEW_PASSWORD, old_hash, new_hash, new_hash.split("$")[-1]):
        assert secret not in stored


def test_a_change_through_the_django_admin_is_recorded_as_such(
    admin_client: Client, alice: User, victor: User
) -> None:
    form = {
        "username": "victor",
        "first_name": "Victor",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "role": Role.VIEWER,
    }
    response = admin_client.post(f"/admin/accounts/user/{victor.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = _latest(victor)
    assert (entry.door, entry.user) == ("admin", alice)
    assert entry.changes["first_name"] == ["", "Victor"]


def test_a_new_user_is_recorded_with_the_password_masked(admin_client: Client) -> None:
    response = admin_client.post(
        "/users/new/", {"username": "newbie", "password": NEW_PASSWORD, "role": Role.VIEWER}
    )
    assert response.status_code == 302
    entry = _latest(User.objects.get(username="newbie"))
    assert entry.action == "create" and entry.door == "web"
    assert entry.changes["password"] == [None, audit.MASK]
    assert entry.changes["role"] == [None, "viewer"]
    assert NEW_PASSWORD not in json.dumps(entry.changes)


def test_commands_and_jobs_name_their_own_door(db: None) -> None:
    with audit.context(door="import"):
        user = User.objects.create(username="imported", role=Role.VIEWER)
    assert _latest(user).door == "import"
    user.first_name = "Background"
    user.save()  # outside any request or context: a job
    entry = _latest(user)
    assert (entry.door, entry.user, entry.username) == ("job", None, "")
    user.delete()
    deleted = AuditEntry.objects.order_by("-id").first()
    assert deleted is not None and (deleted.action, deleted.object_repr) == ("delete", "imported")


def test_saving_without_a_change_writes_no_entry(erin: User) -> None:
    before = AuditEntry.objects.count()
    erin.save()
    User.objects.get(pk=erin.pk).save()
    assert AuditEntry.objects.count() == before


def test_signing_in_is_not_a_change(erin: User) -> None:
    before = AuditEntry.objects.count()
    response = Client().post("/login/", {"username": "erin", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


def test_admins_filter_the_trail_by_user_object_type_and_time(
    admin_client: Client, alice: User, erin: User, victor: User
) -> None:
    admin_client.post(
        f"/users/{erin.pk}/",
        {"username": "erin", "email": "", "role": Role.VIEWER, "is_active": "on"},
    )
    user_type = ContentType.objects.get_for_model(User)
    page = admin_client.get(f"/audit/?user={alice.pk}").content.decode()
    assert "<strong>erin</strong>" in page and "<strong>victor</strong>" not in page
    everything = admin_client.get("/audit/").content.decode()
    assert "<strong>victor</strong>" in everything
    page = admin_client.get(f"/audit/?object_type={user_type.pk}&door=web").content.decode()
    assert "<strong>erin</strong>" in page
    tomorrow = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    page = admin_client.get(f"/audit/?since={tomorrow}").content.decode()
    assert "No changes match these filters." in page
    # htmx asks for the rows only.
    fragment = admin_client.get(f"/audit/?user={alice.pk}", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<table" in body and "<html" not in body


def test_the_audit_trail_masks_secrets_on_the_page(admin_client: Client, erin: User) -> None:
    admin_client.post(
        f"/users/{erin.pk}/password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    page = admin_client.get("/audit/").content.decode()
    assert audit.MASK in page and NEW_PASSWORD not in page
    assert User.objects.get(pk=erin.pk).password not in page


def test_a_partial_save_records_only_what_reached_the_database(erin: User) -> None:
    erin.first_name = "Not saved"
    erin.must_change_password = True
    erin.save(update_fields=["must_change_password"])
    entry = _latest(erin)
    assert entry.changes == {"must_change_password": [False, True]}
    assert User.objects.get(pk=erin.pk).first_name == ""


def test_changes_that_bypass_save_can_be_recorded_by_hand(erin: User) -> None:
    User.objects.filter(pk=erin.pk).update(email="bulk@example.org")
    with audit.context(door="import"):
        audit.record(erin, "update", {"email": ["", "bulk@example.org"]})
    entry = _latest(erin)
    assert (entry.door, entry.changes) == ("import", {"email": ["", "bulk@example.org"]})


def test_the_trail_shows_related_objects_by_name_with_links_not_ids(
    admin_client: Client,
) -> None:
    vlan = make_vlan(vid=42, name="printers")
    subnet = make_subnet("198.51.100.0/24", name="office", vlan=vlan)
    host = make_host("198.51.100.7", hostname="printer1")
    page = admin_client.get("/audit/").content.decode()
    # The host's entry names its subnet and links it, and links the host itself.
    assert f'<a href="{subnet.get_absolute_url()}">{subnet}</a>' in page
    assert f'<a href="{host.get_absolute_url()}"><strong>{host}</strong></a>' in page
    assert f'<a href="{vlan.get_absolute_url()}">{vlan}</a>' in page
    assert f"Subnet</span>: <ins>{subnet.pk}<" not in page
    assert f"VLAN</span>: <ins>{vlan.pk}<" not in page


def test_a_related_object_that_is_gone_shows_as_deleted_without_a_link(
    admin_client: Client,
) -> None:
    vlan = make_vlan(vid=42, name="printers")
    make_subnet("198.51.100.0/24", name="office", vlan=vlan)
    vlan_id = vlan.pk
    vlan.delete()
    page = admin_client.get("/audit/").content.decode()
    assert f"<ins>#{vlan_id} (deleted)</ins>" in page
    # The deleted VLAN's own entries keep its name, without a link to a missing page.
    assert "<strong>42 printers</strong>" in page or "<strong>printers</strong>" in page
    assert f'href="/ipam/vlans/{vlan_id}/"' not in page


def test_choices_show_their_labels_in_the_trail(admin_client: Client, erin: User) -> None:
    admin_client.post(
        f"/users/{erin.pk}/",
        {"username": "erin", "email": "", "role": Role.VIEWER, "is_active": "on"},
    )
    page = admin_client.get("/audit/").content.decode()
    assert "<del>Editor</del> → <ins>Viewer</ins>" in page


def test_the_trail_reads_its_related_objects_in_a_few_queries_per_page(
    admin_client: Client, django_assert_max_num_queries: Any
) -> None:
    subnet = make_subnet("198.51.100.0/24", name="office")
    for n in range(1, 31):
        make_host(f"198.51.100.{n}", subnet=subnet)
    # Session, user, permissions, count, page, then one query per model shown.
    with django_assert_max_num_queries(14):
        response = admin_client.get("/audit/")
    assert response.content.decode().count(f'href="{subnet.get_absolute_url()}"') >= 30


def test_the_filters_say_what_empty_means_instead_of_dashes(admin_client: Client) -> None:
    page = admin_client.get("/audit/").content.decode()
    assert "---------" not in page
    for label in ("Anyone", "Any type", "Any action", "Any door"):
        assert f'<option value="" selected>{label}</option>' in page


def test_internal_tables_are_not_offered_as_object_types(admin_client: Client) -> None:
    page = admin_client.get("/audit/").content.decode()
    start = page.index('name="object_type"')
    select = page[start : page.index("</select>", start)]
    for shown in ("Subnet", "Host", "Device", "Credential set", "User", "Config version"):
        assert f">{shown}</option>" in select, shown
    for internal in ("host sample", "hourly", "usage count", "config line", "line pack", "session"):
        assert internal not in select.lower(), internal


def test_the_action_filter_keeps_only_that_action(admin_client: Client) -> None:
    vlan = make_vlan(vid=42, name="printers")
    vlan.name = "printers-2"
    vlan.save()
    changed = admin_client.get("/audit/?action=update", HTTP_HX_REQUEST="true").content.decode()
    assert "printers-2" in changed and "Created " not in changed
