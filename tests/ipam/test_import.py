"""CSV import (preview, apply, update vs skip, phpIPAM columns, longest prefix) and export."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import AuditEntry
from ipam.importing import ImportFileError, run_import
from ipam.models import VLAN, Host, Subnet
from tests.factories import make_host, make_subnet, make_tag, make_vlan, make_vrf

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

HOSTS = """address,hostname,description,tags
198.51.100.10,web1,Web server,web
198.51.100.11,web2,,web;prod
"""


# --- the import function --------------------------------------------------------
def test_a_preview_reports_each_row_and_writes_nothing():
    make_subnet("198.51.100.0/24")
    result = run_import(HOSTS, "hosts", dry_run=True)
    assert [(r.line, r.action, r.label) for r in result.rows] == [
        (2, "create", "198.51.100.10"),
        (3, "create", "198.51.100.11"),
    ]
    assert not result.applied and not Host.objects.exists()


def test_applying_creates_hosts_with_tags_in_the_longest_matching_prefix():
    make_subnet("198.51.100.0/24")
    inner = make_subnet("198.51.100.0/28")
    result = run_import(HOSTS, "hosts", dry_run=False)
    assert result.applied and result.counts["create"] == 2
    web1 = Host.objects.get(address="198.51.100.10")
    assert web1.subnet == inner and web1.hostname == "web1"
    assert sorted(
        Host.objects.get(address="198.51.100.11").tags.values_list("name", flat=True)
    ) == [
        "prod",
        "web",
    ]


def test_one_bad_row_means_nothing_is_written_and_every_reason_is_given():
    make_subnet("198.51.100.0/24")
    text = (
        "address,hostname,mac\n"
        "198.51.100.10,ok,\n"
        "198.51.100.010,leading,\n"
        "203.0.113.5,nowhere,\n"
        "198.51.100.12,badmac,zz:zz\n"
    )
    result = run_import(text, "hosts", dry_run=False)
    assert not result.applied
    assert [(r.line, r.action) for r in result.rows] == [
        (2, "create"),
        (3, "error"),
        (4, "error"),
        (5, "error"),
    ]
    assert result.rows[1].message == (
        "198.51.100.010 has a leading zero in an octet: write 198.51.100.10."
    )
    assert result.rows[2].message == (
        "No subnet in the global table contains 203.0.113.5: create or import its subnet first."
    )
    assert result.rows[3].message.startswith("mac: Enter a MAC address")
    assert not Host.objects.exists()
    assert not AuditEntry.objects.filter(door="import").exists()


def test_apply_valid_rows_only_writes_the_good_rows_and_reports_the_rest():
    make_subnet("198.51.100.0/24")
    text = "address\n198.51.100.10\n203.0.113.5\n"
    result = run_import(text, "hosts", dry_run=False, valid_only=True)
    assert result.applied and result.counts == {"create": 1, "update": 0, "skip": 0, "error": 1}
    assert list(Host.objects.values_list("address", flat=True)) == ["198.51.100.10"]
    assert "left out" in result.summary()


def test_existing_rows_are_skipped_or_updated_as_chosen():
    net = make_subnet("198.51.100.0/24")
    make_host("198.51.100.10", subnet=net, hostname="old", description="keep me")
    text = "address,hostname\n198.51.100.10,new\n198.51.100.11,other\n"
    skipped = run_import(text, "hosts", mode="skip", dry_run=False)
    assert [r.action for r in skipped.rows] == ["skip", "create"]
    assert Host.objects.get(address="198.51.100.10").hostname == "old"
    updated = run_import(text, "hosts", mode="update", dry_run=False)
    assert [r.action for r in updated.rows] == ["update", "skip"]
    assert updated.rows[0].message == "In 198.51.100.0/24: hostname old → new."
    host = Host.objects.get(address="198.51.100.10")
    # Columns absent from the file (and empty cells) leave the stored value alone.
    assert host.hostname == "new" and host.description == "keep me"


def test_phpipam_address_export_columns_are_understood():
    make_subnet("198.51.100.0/24")
    text = (
        "ip_addr,hostname,description,mac,owner,note,state,tag,subnet\n"
        "198.51.100.7,nas,Storage,00-1A-2B-3C-4D-5E,Alice,rack 3,2,,198.51.100.0/24\n"
    )
    result = run_import(text, "hosts", dry_run=False)
    assert result.ok, result.rows
    host = Host.objects.get()
    assert host.mac == "00:1a:2b:3c:4d:5e" and host.hostname == "nas"
    assert host.notes == "rack 3\nOwner: Alice"
    assert list(host.tags.values_list("name", flat=True)) == ["reserved"]


def test_phpipam_subnet_and_mask_columns_make_a_network():
    make_vlan(20, "servers")
    text = "subnet,mask,description,vlan\n198.51.100.0,255.255.255.0,DMZ,20\n203.0.113.0,25,x,\n"
    result = run_import(text, "subnets", dry_run=False)
    assert result.ok, result.rows
    assert Subnet.objects.get(network="198.51.100.0/24").vlan.vid == 20
    assert Subnet.objects.filter(network="203.0.113.0/25").exists()


def test_a_named_subnet_that_does_not_exist_is_an_error():
    make_subnet("198.51.100.0/24")
    result = run_import("address,subnet\n198.51.100.7,198.51.100.0/25\n", "hosts")
    assert result.rows[0].message == (
        "Subnet 198.51.100.0/25 does not exist in the global table: import subnets first."
    )


def test_hosts_go_to_their_vrf():
    vrf = make_vrf("red")
    make_subnet("198.51.100.0/24")
    red = make_subnet("198.51.100.0/24", vrf=vrf)
    result = run_import("address,vrf\n198.51.100.7,red\n198.51.100.8,blue\n", "hosts")
    assert [r.action for r in result.rows] == ["create", "error"]
    assert result.rows[1].message.startswith("VRF “blue” does not exist")
    run_import("address,vrf\n198.51.100.7,red\n", "hosts", dry_run=False)
    assert Host.objects.get().subnet == red


def test_subnets_in_the_same_file_receive_later_hosts_and_nest():
    text = "network,name\n198.18.0.0/16,site\n198.18.1.0/24,lan\n"
    assert run_import(text, "subnets", dry_run=False).applied
    lan = Subnet.objects.get(network="198.18.1.0/24")
    assert lan.parent.network == "198.18.0.0/16"


def test_subnet_rows_are_validated_with_helpful_messages():
    text = "network\n198.18.0.1/16\n2001:db8::/129\n::ffff:192.0.2.0/120\n"
    result = run_import(text, "subnets")
    assert [r.message for r in result.rows] == [
        "198.18.0.1/16 has host bits set: the network is 198.18.0.0/16 (or use a longer prefix).",
        "2001:db8::/129 is not a network: the prefix length must be 0–128 for IPv6.",
        "::ffff:192.0.2.0/120 is an IPv4-mapped IPv6 network: enter the IPv4 network "
        "192.0.2.0/24 instead.",
    ]


def test_vlans_import_and_update():
    make_tag("office")
    text = "vid,name,description,colour,tags\n10,users,Staff,#112233,office\n,guest-lan,,,\n"
    assert run_import(text, "vlans", dry_run=False).applied
    assert VLAN.objects.get(vid=10).colour == "#112233"
    assert VLAN.objects.filter(vid__isnull=True, name="guest-lan").exists()
    again = run_import("vid,name\n10,people\nx,bad\n", "vlans", mode="update")
    assert [r.action for r in again.rows] == ["update", "error"]


def test_a_file_without_the_required_column_is_refused():
    with pytest.raises(ImportFileError, match="No “address” column"):
        run_import("hostname\nweb1\n", "hosts")


def test_imports_are_audited_with_the_import_door(erin):
    make_subnet("198.51.100.0/24")
    run_import("address\n198.51.100.5\n", "hosts", dry_run=False, user=erin)
    entry = AuditEntry.objects.get(door="import", action="create")
    assert entry.user == erin and entry.object_repr == "198.51.100.5"


def test_semicolon_files_with_a_bom_are_read():
    make_subnet("198.51.100.0/24")
    text = "\ufeffaddress;hostname\n198.51.100.5;a\n"
    assert run_import(text, "hosts", dry_run=False).applied
    assert Host.objects.get().hostname == "a"


# --- the page: upload → preview → apply -------------------------------------------
def test_upload_previews_and_apply_writes_the_stored_preview(editor_client):
    make_subnet("198.51.100.0/24")
    url = reverse("ipam:import")
    upload = io.BytesIO(HOSTS.encode())
    upload.name = "hosts.csv"
    preview = editor_client.post(url, {"kind": "hosts", "mode": "skip", "file": upload})
    assert preview.status_code == 302
    page = editor_client.get(preview["Location"])
    assert b"Preview, nothing written: 2 to create" in page.content
    assert b"hosts.csv" in page.content and b"198.51.100.11" in page.content
    assert not Host.objects.exists()
    applied = editor_client.post(preview["Location"] + "apply/", follow=True)
    assert b"Applied: 2 create" in applied.content
    assert Host.objects.count() == 2


def test_applying_a_preview_with_errors_writes_nothing_unless_valid_only(editor_client):
    make_subnet("198.51.100.0/24")
    url = reverse("ipam:import")
    text = "address\n198.51.100.5\n203.0.113.9\n"
    batch_url = editor_client.post(url, {"kind": "hosts", "mode": "skip", "text": text})["Location"]
    page = editor_client.get(batch_url)
    assert b"Apply the valid rows only" in page.content
    # The errors are listed first.
    assert b"203.0.113.9" in page.content and b"198.51.100.5<" not in page.content
    refused = editor_client.post(batch_url + "apply/", follow=True)
    assert b"Nothing written" in refused.content and not Host.objects.exists()
    editor_client.post(batch_url + "apply/", {"valid_only": "on"})
    assert list(Host.objects.values_list("address", flat=True)) == ["198.51.100.5"]


def test_htmx_upload_is_sent_to_the_stored_preview(editor_client):
    make_subnet("198.51.100.0/24")
    response = editor_client.post(
        reverse("ipam:import"),
        {"kind": "hosts", "mode": "skip", "text": HOSTS},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/imports/")
    fragment = editor_client.get(response["HX-Redirect"], HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content and b"198.51.100.10" in fragment.content


def test_an_empty_upload_is_a_form_error(editor_client):
    response = editor_client.post(reverse("ipam:import"), {"kind": "hosts", "mode": "skip"})
    assert b"Choose a CSV file or paste its text." in response.content
    fragment = editor_client.post(
        reverse("ipam:import"), {"kind": "hosts", "text": "hostname\nx\n"}, HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in fragment.content
    assert "No “address” column".encode() in fragment.content


def test_import_page_permissions(client, viewer_client, noaccess_client, editor_client):
    url = reverse("ipam:import")
    assert client.get(url).status_code == 302
    assert noaccess_client.get(url).status_code == 403
    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url, {"kind": "hosts", "text": HOSTS}).status_code == 403
    assert editor_client.get(url).status_code == 200


# --- the command -------------------------------------------------------------------
def test_the_command_imports_and_exits_non_zero_on_errors(tmp_path, capsys):
    make_subnet("198.51.100.0/24")
    good = tmp_path / "good.csv"
    good.write_text(HOSTS)
    call_command("import_csv", str(good), "--kind", "hosts", "--dry-run")
    assert not Host.objects.exists()
    call_command("import_csv", str(good), "--kind", "hosts")
    assert Host.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("address,hostname\n198.51.100.10,changed\n203.0.113.1,x\n10.0.0.300,y\n")
    with pytest.raises(CommandError) as raised:
        call_command("import_csv", str(bad), "--kind", "hosts", "--mode", "update")
    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert "line 3: 203.0.113.1: No subnet" in err
    assert "line 4: 10.0.0.300: 10.0.0.300 is not an IPv4 or IPv6 address." in err
    assert Host.objects.get(address="198.51.100.10").hostname == "web1"


def test_the_command_exit_code_in_a_real_process(tmp_path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "bad.csv"
    bad.write_text("hostname\nx\n")
    env = {**os.environ, "DEBUG": "true", "NETKEEP_DATA_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "manage.py", "import_csv", str(bad), "--kind", "hosts", "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert run.returncode == 1 and "No “address” column" in run.stderr


# --- the API -----------------------------------------------------------------------
def test_api_import_json_and_multipart(api_client, erin):
    make_subnet("198.51.100.0/24")
    api_client.force_authenticate(erin)
    preview = api_client.post(
        "/api/ipam/import", {"kind": "hosts", "csv": HOSTS, "dry_run": True}, format="json"
    )
    assert preview.status_code == 200
    assert preview.json()["counts"] == {"create": 2, "update": 0, "skip": 0, "error": 0}
    assert not Host.objects.exists()
    upload = io.BytesIO(HOSTS.encode())
    upload.name = "hosts.csv"
    applied = api_client.post(
        "/api/ipam/import", {"kind": "hosts", "file": upload}, format="multipart"
    )
    assert applied.status_code == 200 and applied.json()["applied"] is True
    assert Host.objects.count() == 2


def test_api_import_with_errors_is_a_400_and_writes_nothing(api_client, erin):
    make_subnet("198.51.100.0/24")
    api_client.force_authenticate(erin)
    response = api_client.post(
        "/api/ipam/import",
        {"kind": "hosts", "csv": "address\n198.51.100.5\n1.2.3\n"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["rows"][1] == {
        "line": 3,
        "action": "error",
        "label": "1.2.3",
        "message": "1.2.3 is not an IPv4 or IPv6 address.",
    }
    assert not Host.objects.exists()


# --- export ------------------------------------------------------------------------
def _rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_export_uses_the_list_filters_and_reimports(viewer_client):
    net = make_subnet("198.51.100.0/24")
    tag = make_tag("web")
    # A formula in free text (hostnames cannot hold one: RFC 1123).
    web = make_host("198.51.100.10", subnet=net, description="=cmd()", status="up")
    web.tags.add(tag)
    make_host("198.51.100.20", subnet=net, hostname="db")
    response = viewer_client.get(reverse("ipam:export", args=["hosts"]) + "?tag=web")
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0][:4] == ["address", "vrf", "subnet", "hostname"]
    assert [r[0] for r in rows[1:]] == ["198.51.100.10"]
    assert rows[1][rows[0].index("description")] == "'=cmd()"  # no formula reaches a spreadsheet
    Host.objects.all().delete()
    text = "\n".join(",".join(r) for r in rows)
    assert run_import(text, "hosts", dry_run=False).applied
    assert Host.objects.get().description == "=cmd()"


def test_subnet_and_vlan_exports(viewer_client):
    make_subnet("198.51.100.0/24", name="dmz", vlan=make_vlan(7, "dmz"))
    make_subnet("203.0.113.0/24")
    rows = _rows(viewer_client.get(reverse("ipam:export", args=["subnets"]) + "?q=dmz"))
    assert rows[1][:5] == ["198.51.100.0/24", "", "dmz", "", "7"]
    assert len(rows) == 2
    vlans = _rows(viewer_client.get(reverse("ipam:export", args=["vlans"])))
    assert vlans[1][:2] == ["7", "dmz"]


def test_export_permissions_and_bad_filters(client, noaccess_client, viewer_client):
    url = reverse("ipam:export", args=["hosts"])
    assert client.get(url).status_code == 302
    assert noaccess_client.get(url).status_code == 403
    assert viewer_client.get(url + "?within=198.51.100.1/24").status_code == 400
    assert viewer_client.get(reverse("ipam:export", args=["devices"])).status_code == 404


@pytest.mark.parametrize("kind", ["vlans", "subnets", "hosts"])
def test_the_shipped_examples_import_cleanly(kind):
    for name in ("vlans", "subnets", "hosts"):
        text = (EXAMPLES / f"{name}.csv").read_text()
        result = run_import(text, name, dry_run=False)
        assert result.ok, [r for r in result.rows if r.action == "error"]
        if name == kind:
            break
    phpipam = (EXAMPLES / "phpipam-addresses.csv").read_text()
    if kind == "hosts":
        assert run_import(phpipam, "hosts").ok


def test_export_reads_in_chunks_with_a_fixed_number_of_queries(
    viewer_client, django_assert_max_num_queries
):
    net = make_subnet("198.18.0.0/16")
    tag = make_tag("bulk")
    hosts = [make_host(f"198.18.{i // 200}.{i % 200 + 1}", subnet=net) for i in range(300)]
    for host in hosts[::3]:
        host.tags.add(tag)
    viewer_client.get(reverse("ipam:export", args=["hosts"]))  # loads permissions
    with django_assert_max_num_queries(8):
        rows = _rows(viewer_client.get(reverse("ipam:export", args=["hosts"])))
    assert len(rows) == 301 and rows[1][0] == "198.18.0.1"
    assert sum(1 for r in rows[1:] if r[6] == "bulk") == 100


def test_a_tag_created_by_a_failed_row_is_created_again_by_a_later_row():
    make_subnet("198.51.100.0/24")
    text = "address,mac,tags\n198.51.100.5,zz,newtag\n198.51.100.6,,newtag\n"
    result = run_import(text, "hosts", dry_run=False, valid_only=True)
    assert [r.action for r in result.rows] == ["error", "create"]
    host = Host.objects.get()
    assert host.address == "198.51.100.6"
    assert list(host.tags.values_list("name", flat=True)) == ["newtag"]


def test_longest_prefix_in_a_snapshot_matches_the_database_answer():
    import ipaddress

    from ipam.importing import SubnetIndex

    for network in ("198.18.0.0/15", "198.18.0.0/16", "198.18.4.0/22", "198.18.5.0/24"):
        make_subnet(network)
    make_subnet("2001:db8::/32")
    make_subnet("2001:db8:0:1::/64")
    indexes = {4: SubnetIndex(0, 4), 6: SubnetIndex(0, 6)}
    for text in ("198.18.5.9", "198.18.6.1", "198.19.0.1", "198.20.0.1", "2001:db8:0:1::5"):
        address = ipaddress.ip_address(text)
        found = indexes[address.version].best_match(address)
        assert found == Subnet.objects.best_match(0, address), text


def test_a_big_preview_pages_through_every_row_errors_first(editor_client):
    make_subnet("198.18.0.0/16")
    lines = ["address"] + [f"198.18.{i // 250}.{i % 250 + 1}" for i in range(600)] + ["1.2.3"]
    text = "\n".join(lines) + "\n"
    batch_url = editor_client.post(reverse("ipam:import"), {"kind": "hosts", "text": text})[
        "Location"
    ]
    errors = editor_client.get(batch_url)
    assert errors.context["show"] == "errors"
    assert [r.label for r in errors.context["page"].object_list] == ["1.2.3"]
    everything = editor_client.get(batch_url, {"show": "all", "page": "7"})
    page = everything.context["page"]
    assert page.paginator.count == 601 and page.number == 7
    assert page.object_list[0].line == 602 and page.object_list[0].action == "error"
    assert editor_client.get(batch_url, {"show": "<b>", "page": "x"}).status_code == 200


def test_an_upload_over_the_size_limit_is_refused_with_the_setting_named(editor_client, settings):
    settings.NETKEEP_IMPORT_MAX_MB = 0
    upload = io.BytesIO(HOSTS.encode())
    upload.name = "big.csv"
    response = editor_client.post(reverse("ipam:import"), {"kind": "hosts", "file": upload})
    assert "NETKEEP_IMPORT_MAX_MB" in response.content.decode()
    assert response.status_code == 200 and not Host.objects.exists()


def test_the_separator_comes_from_the_header_and_broken_quotes_are_reported():
    make_subnet("198.51.100.0/24")
    text = "address;description\n198.51.100.5;Rack 3, left; top\n"
    result = run_import(text, "hosts", dry_run=False, valid_only=True)
    assert result.rows[0].action == "create"
    assert Host.objects.get().description == "Rack 3, left"
    with pytest.raises(ImportFileError, match=r"is not valid CSV \(field larger than"):
        run_import("address,description\n198.51.100.6," + "x" * 200_000 + "\n", "hosts")


def test_the_command_reads_standard_input(monkeypatch, capsys):
    make_subnet("198.51.100.0/24")
    monkeypatch.setattr("sys.stdin", io.StringIO("address\n198.51.100.9\n"))
    call_command("import_csv", "-", "--kind", "hosts", "-v", "2")
    out = capsys.readouterr().out
    assert "line 2: create 198.51.100.9" in out and "Applied: 1 create" in out
    assert Host.objects.get().address == "198.51.100.9"


@pytest.mark.parametrize(
    "kind, param",
    [
        ("hosts", "tag"),
        ("hosts", "status"),
        ("hosts", "within"),
        ("subnets", "tag"),
        ("subnets", "within"),
    ],
)
def test_an_export_filter_error_answers_plain_text_never_markup(viewer_client, kind, param):
    payload = "<script>alert(1)</script>"
    response = viewer_client.get(reverse("ipam:export", args=[kind]), {param: payload})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert "Invalid filter" in response.content.decode()


def test_a_subnets_export_holds_every_host_the_page_counts_as_used(viewer_client):
    import re

    from tests.factories import make_hosts, make_vrf

    big = make_subnet("198.18.0.0/16")
    child = make_subnet("198.18.5.0/24")
    make_hosts(big, [f"198.18.1.{i}" for i in range(1, 40)])
    make_hosts(child, [f"198.18.5.{i}" for i in range(1, 30)])
    make_host("198.18.9.9", subnet=big, hostname="tagged").tags.add(make_tag("web"))
    # The same addresses in another VRF and outside the /16 are not this subnet's.
    make_host("198.18.1.1", subnet=make_subnet("198.18.1.0/24", vrf=make_vrf("red")))
    make_host("198.19.0.1", subnet=make_subnet("198.19.0.0/24"))
    page = viewer_client.get(reverse("ipam:subnet_detail", args=[big.pk]))
    used = page.context["subnet"].used
    link = re.search(r'href="([^"]*export/hosts\.csv[^"]*)"', page.content.decode())
    assert link is not None
    rows = _rows(viewer_client.get(link.group(1).replace("&amp;", "&")))
    assert len(rows) - 1 == used == 39 + 29 + 1
    assert {r[2] for r in rows[1:]} == {"198.18.0.0/16", "198.18.5.0/24"}
    assert next(r for r in rows if r[0] == "198.18.9.9")[6] == "web"
