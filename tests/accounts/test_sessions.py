"""Sessions that bring their user: one query for the session, the user and their permissions."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import backends
from accounts.models import Role, Session, User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PAGE = "/ipam/subnets/"


def signed_in(user: User) -> Client:
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


def user_reads(queries: CaptureQueriesContext) -> list[str]:
    """The queries of a request that read users or permissions on their own."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip("(").startswith("SELECT")
        and ('FROM "accounts_user"' in q["sql"] or 'FROM "auth_permission"' in q["sql"])
        and "accounts_session" not in q["sql"]
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EDITOR, Role.VIEWER])
def test_a_page_reads_the_session_its_user_and_their_permissions_in_one_query(role: str) -> None:
    user = make_user(f"one-{role}", role)
    client = signed_in(user)
    assert Session.objects.get().user_id == user.pk
    backends.permission_names([])  # the permission names, once per process
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert user_reads(queries) == []
    assert sum("accounts_session" in q["sql"] for q in queries.captured_queries) == 1
    # The permissions are the user's, read alongside: the same as Django's own set.
    assert response.wsgi_request.user.get_all_permissions() == (
        backends.ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
    )


def test_a_password_changed_elsewhere_signs_the_session_out() -> None:
    user = make_user("pat", Role.EDITOR)
    client = signed_in(user)
    user.set_password("another long passphrase 42")
    user.save()
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_deactivated_user_is_signed_out_and_a_deleted_one_loses_their_sessions() -> None:
    gone, kept = make_user("gone", Role.EDITOR), make_user("kept", Role.EDITOR)
    gone_client, kept_client = signed_in(gone), signed_in(kept)
    gone.is_active = False
    gone.save()
    response = gone_client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]
    gone.delete()
    assert list(Session.objects.values_list("user_id", flat=True)) == [kept.pk]
    assert kept_client.get(PAGE).status_code == 200


def test_the_column_is_not_trusted_over_the_session_data() -> None:
    """A row whose column names another user still signs in as the one its data names."""
    erin, admin = make_user("erin9", Role.VIEWER), make_user("root9", Role.ADMIN)
    client = signed_in(erin)
    Session.objects.update(user_id=admin.pk)
    response = client.get(PAGE)
    assert response.wsgi_request.user == erin
    assert not response.wsgi_request.user.has_perm("ipam.add_subnet")


def test_signing_out_deletes_the_row_and_an_anonymous_request_reads_no_user() -> None:
    client = signed_in(make_user("sam", Role.VIEWER))
    assert client.post("/logout/").status_code in (200, 302)
    assert not Session.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE)
    assert response.status_code == 302
    assert user_reads(queries) == []


def test_the_upgrade_keeps_live_sessions_signed_in() -> None:
    """Migration 0006 copies Django's live sessions with their user's id."""
    from importlib import import_module

    keep_signed_in = import_module("accounts.migrations.0006_session").keep_signed_in
    user = make_user("old", Role.VIEWER)
    live = DjangoSessionStore()
    live[SESSION_KEY] = str(user.pk)
    live.create()
    expired = DjangoSessionStore()
    expired[SESSION_KEY] = str(user.pk)
    expired.set_expiry(-60)
    expired.create()
    anonymous = DjangoSessionStore()
    anonymous["theme"] = "dark"
    anonymous.create()
    assert DjangoSession.objects.count() == 3
    keep_signed_in(apps, None)
    copied = dict(Session.objects.values_list("session_key", "user_id"))
    assert copied == {live.session_key: user.pk, anonymous.session_key: None}
    # The copied row reads back through Netkeep's store with the same data.
    store = Session.get_session_store_class()(live.session_key)
    assert store[SESSION_KEY] == str(user.pk)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_sqlite_reads_each_permission_source_once_by_its_index() -> None:
    """Not a subquery per permission row: that form cost SQLite 10 ms on every request."""
    from accounts.backends import permission_ids

    sessions = Session.objects.select_related("user").annotate(ids=permission_ids("sqlite"))
    sql, params = sessions.filter(session_key="k").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[3] for row in cursor.fetchall()]
    assert not [step for step in plan if "LIST SUBQUERY" in step], plan
    for table in ("o", "m", "g"):
        assert any(step.startswith(f"SEARCH {table} ") for step in plan), plan
