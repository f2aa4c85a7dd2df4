"""Scan scope and scan profiles are admin-only to change; events are readable by every role."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User


@pytest.mark.parametrize(
    "perm",
    [
        "discovery.add_allowednetwork",
        "discovery.change_allowednetwork",
        "discovery.delete_allowednetwork",
        "discovery.add_scanprofiledef",
        "discovery.change_scanprofiledef",
    ],
)
def test_an_editor_cannot_widen_the_scan_scope_or_define_profiles(erin: User, perm: str) -> None:
    assert not erin.has_perm(perm)
    assert erin.has_perm("discovery.view_allowednetwork")
    assert erin.has_perm("discovery.run_scans")


def test_an_admin_changes_the_scan_scope(alice: User) -> None:
    assert alice.has_perm("discovery.add_allowednetwork")


def test_an_editor_cannot_add_an_allowed_network_through_the_django_admin(
    editor_client: Client,
) -> None:
    from discovery.models import AllowedNetwork

    response = editor_client.post(
        "/admin/discovery/allowednetwork/add/", {"network": "198.18.0.0/24", "description": "x"}
    )
    assert response.status_code == 403
    assert not AllowedNetwork.objects.exists()


@pytest.mark.parametrize("fixture", ["viewer_client", "editor_client"])
def test_viewers_and_editors_read_the_event_log(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    client = request.getfixturevalue(fixture)
    assert client.get("/api/discovery/events/").status_code == 200


def test_someone_without_a_role_reads_no_events(noaccess_client: Client) -> None:
    assert noaccess_client.get("/api/discovery/events/").status_code == 403


@pytest.mark.parametrize("fixture", ["viewer_client", "editor_client"])
def test_only_admins_see_webhooks_in_the_api(request: pytest.FixtureRequest, fixture: str) -> None:
    client = request.getfixturevalue(fixture)
    assert client.get("/api/webhooks/").status_code == 403


def test_the_allowlist_page_follows_the_role_table_not_a_constant_of_its_own(
    editor_client: Client, erin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Widening the role table is the one change that lets editors edit the allowlist."""
    from accounts import roles
    from discovery.models import AllowedNetwork

    refused = editor_client.post("/discovery/allowlist/", {"network": "198.18.0.0/24"})
    assert refused.status_code == 403
    monkeypatch.setattr(roles, "ADMIN_ONLY_MODELS", (("discovery", "scanprofiledef"),))
    roles.sync_role_groups()
    erin = User.objects.get(pk=erin.pk)  # a fresh object: permissions are cached per instance
    assert erin.has_perm("discovery.add_allowednetwork")
    allowed = editor_client.post("/discovery/allowlist/", {"network": "198.18.0.0/24"})
    assert allowed.status_code == 302
    assert AllowedNetwork.objects.get().network == "198.18.0.0/24"
