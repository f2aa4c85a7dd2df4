"""Batched host import: stored previews applied as planned, bad input as row errors, bulk audit."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditEntry, User
from ipam.importing import HostImporter, run_import
from ipam.models import VRF, Host, Subnet, Tag
from netkeep import importing
from netkeep.models import ImportBatch, ImportRow, ImportStatus
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db


def _preview(text: str, user: User | None = None, mode: str = "skip") -> ImportBatch:
    batch = importing.create_batch(text, "hosts", mode, user)
    return importing.preview_batch(batch.pk)


def test_a_stored_preview_is_applied_as_planned_without_checking_rows_again(
    erin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_subnet("198.51.100.0/24")
    batch = _preview("address,hostname,tags\n198.51.100.10,web1,web\n198.51.100.11,web2,\n", erin)
    assert batch.status == ImportStatus.READY
    assert batch.counts == {"create": 2, "update": 0, "skip": 0, "error": 0}
    assert list(batch.rows.values_list("line", "action")) == [(2, "create"), (3, "create")]
    assert not Host.objects.exists()

    def refuse(*args: object) -> None:
        raise AssertionError("apply must not plan again")

    monkeypatch.setattr(HostImporter, "plan_rows", refuse)
    result = importing.apply_batch(batch.pk)
    assert result.applied
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED and batch.message.startswith("Applied: 2 create")
    web1 = Host.objects.get(address="198.51.100.10")
    assert web1.hostname == "web1" and list(web1.tags.values_list("name", flat=True)) == ["web"]
    # Applying twice writes nothing more.
    assert not importing.apply_batch(batch.pk).applied
    assert Host.objects.count() == 2


def test_a_preview_with_bad_rows_applies_only_when_asked_to_keep_the_good_ones(erin: User) -> None:
    make_subnet("198.51.100.0/24")
    batch = _preview("address\n198.51.100.10\n198.51.100.300\n203.0.113.1\n", erin)
    errors = list(batch.rows.filter(action="error").values_list("line", "message"))
    assert [line for line, _ in errors] == [3, 4]
    assert "is not an IPv4 or IPv6 address" in errors[0][1]
    assert not importing.apply_batch(batch.pk).applied
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and batch.message.startswith("Nothing written")
    assert not Host.objects.exists()
    assert importing.apply_batch(batch.pk, valid_only=True).applied
    assert list(Host.objects.values_list("address", flat=True)) == ["198.51.100.10"]


def test_data_that_changed_after_the_preview_fails_the_apply_and_writes_nothing(
    erin: User,
) -> None:
    net = make_subnet("198.51.100.0/24")
    batch = _preview("address\n198.51.100.10\n198.51.100.11\n", erin)
    make_host("198.51.100.11", subnet=net, hostname="meanwhile")
    assert not importing.apply_batch(batch.pk).applied
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "changed since the preview" in batch.message
    assert list(Host.objects.values_list("hostname", flat=True)) == ["meanwhile"]


def test_nul_characters_and_overlong_values_are_row_errors_on_every_kind() -> None:
    make_subnet("198.51.100.0/24")
    long_tag = "t" * 65
    hosts = run_import(
        f"address,hostname,tags\n198.51.100.5,a\x00b,\n198.51.100.6,ok,{long_tag}\n"
        f"198.51.100.7,{'h' * 254},\n198.51.100.8,fine,\n",
        "hosts",
        dry_run=False,
    )
    assert [r.action for r in hosts.rows] == ["error", "error", "error", "create"]
    assert "NUL character" in hosts.rows[0].message
    assert "tags:" in hosts.rows[1].message and "64" in hosts.rows[1].message
    assert hosts.rows[2].message.startswith("hostname:")
    assert not hosts.applied and not Host.objects.exists()
    subnets = run_import(
        f"network,name,tags\n198.18.0.0/24,a\x00,\n198.18.1.0/24,x,{long_tag}\n", "subnets"
    )
    assert [r.action for r in subnets.rows] == ["error", "error"]
    assert not Tag.objects.exists()


def test_an_address_repeated_in_a_file_is_skipped_or_merged_into_its_first_row() -> None:
    make_subnet("198.51.100.0/24")
    text = "address,hostname,description\n198.51.100.5,first,one\n198.51.100.5,second,\n"
    skipped = run_import(text, "hosts", mode="skip", dry_run=False)
    assert [(r.action, r.message) for r in skipped.rows] == [
        ("create", "In 198.51.100.0/24: hostname first; description one."),
        ("skip", "Same address as line 2; skipped."),
    ]
    assert Host.objects.get().hostname == "first"
    Host.objects.all().delete()
    merged = run_import(text, "hosts", mode="update", dry_run=False)
    assert [(r.action, r.message) for r in merged.rows] == [
        ("create", "In 198.51.100.0/24: hostname first; description one."),
        ("skip", "Merged into line 2: hostname second."),
    ]
    host = Host.objects.get()
    assert (host.hostname, host.description) == ("second", "one")


def test_updates_in_bulk_change_fields_and_tags_and_are_audited_old_to_new(erin: User) -> None:
    net = make_subnet("198.51.100.0/24")
    host = make_host("198.51.100.5", subnet=net, hostname="old", description="keep")
    host.tags.add(Tag.objects.create(name="legacy"))
    result = run_import(
        "address,hostname,tags\n198.51.100.5,new,web;db\n",
        "hosts",
        mode="update",
        dry_run=False,
        user=erin,
    )
    assert [(r.action, r.message) for r in result.rows] == [
        ("update", "In 198.51.100.0/24: hostname old → new; tags legacy → db, web.")
    ]
    host.refresh_from_db()
    assert (host.hostname, host.description) == ("new", "keep")
    assert sorted(host.tags.values_list("name", flat=True)) == ["db", "web"]
    entry = AuditEntry.objects.get(door="import", action="update", object_id=str(host.pk))
    assert entry.user == erin and entry.object_repr == "198.51.100.5 new"
    assert entry.changes == {"hostname": ["old", "new"], "tags": [["legacy"], ["web", "db"]]}


def test_hosts_written_in_bulk_match_hosts_saved_one_by_one(erin: User) -> None:
    make_subnet("198.51.100.0/24")
    inner = make_subnet("198.51.100.0/28")
    run_import("address,mac\n198.51.100.9,00-1A-2B-3C-4D-5E\n", "hosts", dry_run=False, user=erin)
    imported = Host.objects.get()
    saved = make_host("198.51.100.10", subnet=Subnet.objects.get(network="198.51.100.0/24"))
    assert imported.subnet == inner and saved.subnet == inner
    for name in ("family", "vrf_key", "status", "origin", "hostname_source"):
        assert getattr(imported, name) == getattr(saved, name), name
    assert imported.key < saved.key and imported.next_key == saved.key
    assert imported.mac == "00:1a:2b:3c:4d:5e" and imported.created is not None
    entry = AuditEntry.objects.get(door="import", object_id=str(imported.pk))
    assert entry.user == erin and entry.action == "create"
    assert entry.changes["address"] == [None, "198.51.100.9"]
    assert entry.changes["subnet"] == [None, inner.pk]


def test_old_batches_are_forgotten_when_a_new_upload_arrives(erin: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    make_subnet("198.51.100.0/24")
    old = _preview("address\n198.51.100.5\n", erin)
    ImportBatch.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=2))
    _preview("address\n198.51.100.6\n", erin)
    assert not ImportBatch.objects.filter(pk=old.pk).exists()
    assert not ImportRow.objects.filter(batch_id=old.pk).exists()


# --- large files: a background job does the work ------------------------------------------
BIG = "address,hostname\n" + "".join(f"198.51.100.{i},h{i}\n" for i in range(1, 21))


def test_a_large_upload_is_left_to_a_job_and_the_page_shows_its_progress(
    editor_client: object, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    from django.urls import reverse

    settings.NETKEEP_IMPORT_INLINE_ROWS = 10  # type: ignore[attr-defined]
    make_subnet("198.51.100.0/24")
    with django_capture_on_commit_callbacks() as sent:  # type: ignore[operator]
        response = editor_client.post(reverse("ipam:import"), {"kind": "hosts", "text": BIG})  # type: ignore[attr-defined]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.QUEUED and batch.total == 20
    assert len(sent) == 1 and not ImportRow.objects.exists()
    page = editor_client.get(response["Location"])  # type: ignore[attr-defined]
    assert b"<progress" in page.content and b'hx-trigger="every 2s"' in page.content
    batch.refresh_from_db()
    assert importing.run_job(batch.run_id) == "succeeded"
    page = editor_client.get(response["Location"])  # type: ignore[attr-defined]
    assert b"<progress" not in page.content and b"20 to create" in page.content
    with django_capture_on_commit_callbacks() as sent:  # type: ignore[operator]
        editor_client.post(response["Location"] + "apply/")  # type: ignore[attr-defined]
    assert len(sent) == 1 and not Host.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLYING
    assert importing.run_job(batch.run_id) == "succeeded"
    assert Host.objects.count() == 20


def test_the_api_answers_202_for_a_large_file_and_the_job_applies_it(
    erin: User, settings: object
) -> None:
    from rest_framework.test import APIClient

    settings.NETKEEP_IMPORT_INLINE_ROWS = 10  # type: ignore[attr-defined]
    make_subnet("198.51.100.0/24")
    client = APIClient()
    client.force_authenticate(erin)
    response = client.post("/api/ipam/import", {"kind": "hosts", "csv": BIG}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["auto_apply"] is True
    assert isinstance(body["run"], int)
    importing.run_job(body["run"])
    status = client.get(body["url"]).json()
    assert status["status"] == "applied" and status["counts"]["create"] == 20
    assert Host.objects.count() == 20
    rows = client.get(body["rows_url"], {"action": "create", "page_size": 5}).json()
    assert rows["count"] == 20 and rows["results"][0] == {
        "line": 2,
        "action": "create",
        "label": "198.51.100.1",
        "message": "In 198.51.100.0/24: hostname h1.",
    }
    assert client.get(body["rows_url"], {"action": "nope"}).status_code == 400


def test_a_previewed_batch_is_applied_through_the_api_once(erin: User) -> None:
    from rest_framework.test import APIClient

    make_subnet("198.51.100.0/24")
    batch = _preview("address\n198.51.100.5\n", erin)
    client = APIClient()
    client.force_authenticate(erin)
    assert client.post(f"/api/imports/{batch.pk}/apply", {}, format="json").status_code == 202
    again = client.post(f"/api/imports/{batch.pk}/apply", {}, format="json")
    assert again.status_code == 409 and again.json()["status"] == "applied"
    assert Host.objects.count() == 1


def test_batches_are_private_and_applying_needs_the_models_permissions(
    erin: User, victor: User, alice: User
) -> None:
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.models import APIToken, TokenScope

    make_subnet("198.51.100.0/24")
    batch = _preview("address\n198.51.100.5\n", erin)
    for other in (victor, alice):
        api = APIClient()
        api.force_authenticate(other)
        assert api.get(f"/api/imports/{batch.pk}").status_code == 404
        # A viewer may import nothing: refused before any lookup, whoever's the batch.
        refused = 403 if other == victor else 404
        assert api.post(f"/api/imports/{batch.pk}/apply", {}, format="json").status_code == refused
        web = Client()
        web.force_login(other)
        assert web.get(f"/imports/{batch.pk}/").status_code == 404
        assert web.post(f"/imports/{batch.pk}/apply/").status_code == 404
    assert APIClient().get(f"/api/imports/{batch.pk}").status_code == 401
    assert Client().get(f"/imports/{batch.pk}/").status_code == 302
    # A read-only token of the owner reads but cannot apply.
    key = APIToken.issue(erin, "ro", TokenScope.READ)[1]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/imports/{batch.pk}").status_code == 200
    assert api.post(f"/api/imports/{batch.pk}/apply", {}, format="json").status_code == 403
    # The owner demoted to viewer may look but not write.
    erin.role = "viewer"
    erin.save()
    web = Client()
    web.force_login(erin)
    assert web.post(f"/imports/{batch.pk}/apply/").status_code == 403
    assert not Host.objects.exists()


# --- what the preview page shows ----------------------------------------------------------


def test_the_preview_shows_every_field_the_target_subnet_and_old_to_new(
    admin_client: Client,
) -> None:
    from django.urls import reverse

    net = make_subnet("198.51.100.0/24")
    make_subnet("198.51.100.0/24", vrf=VRF.objects.create(name="red"))
    make_host("198.51.100.5", subnet=net, hostname="old", description="keep")
    text = (
        "address,hostname,description,tags,vrf\n"
        "198.51.100.5,new,,web,\n"
        "198.51.100.6,fresh,Print server,printers,\n"
        "198.51.100.7,coloured,,,red\n"
    )
    response = admin_client.post(
        reverse("ipam:import"), {"kind": "hosts", "mode": "update", "text": text}, follow=True
    )
    html = response.content.decode()
    assert "In 198.51.100.0/24: hostname old → new; tags (empty) → web." in html
    assert "In 198.51.100.0/24: hostname fresh; description Print server; tags printers." in html
    assert "In 198.51.100.0/24 (VRF red): hostname coloured." in html
    assert Host.objects.count() == 1  # a preview writes nothing


def test_the_import_radios_sit_inside_their_labels_and_are_not_stretched(
    admin_client: Client,
) -> None:
    import re

    from django.contrib.staticfiles import finders
    from django.urls import reverse

    html = admin_client.get(reverse("ipam:import")).content.decode()
    for n, words in ((0, "Skip rows that already exist"), (1, "Update existing rows")):
        radio = r'<input type="radio" name="mode" value="\w+"[^>]*>'
        pattern = rf'<label for="id_mode_{n}">{radio}\s*{words}</label>'
        assert re.search(pattern, html)
    with open(finders.find("css/netkeep.css")) as stylesheet:
        css = stylesheet.read()
    assert '.field input:not([type="checkbox"], [type="radio"])' in css
    assert '.field label:has(> input[type="radio"]) { display: inline-flex;' in css
