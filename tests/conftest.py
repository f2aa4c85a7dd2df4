"""The fixed cast: an admin, an editor, a viewer and someone with no access."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User

PASSWORD = "correct-horse-battery-staple"


def make_user(username: str, role: str, **extra: object) -> User:
    user = User(username=username, role=role, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def count_queries(client: Any, url: str) -> int:
    """How many queries a successful GET of the URL costs (for "does not grow with rows")."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def alice(db: None) -> User:
    """Alice is an admin."""
    return make_user("alice", Role.ADMIN)


@pytest.fixture
def erin(db: None) -> User:
    """Erin is an editor."""
    return make_user("erin", Role.EDITOR)


@pytest.fixture
def victor(db: None) -> User:
    """Victor is a viewer."""
    return make_user("victor", Role.VIEWER)


@pytest.fixture
def nora(db: None) -> User:
    """Nora has an account but no role."""
    return make_user("nora", Role.NONE)


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(alice: User) -> Client:  # overrides pytest-django's fixture on purpose
    return _client_for(alice)


@pytest.fixture
def editor_client(erin: User) -> Client:
    return _client_for(erin)


@pytest.fixture
def viewer_client(victor: User) -> Client:
    return _client_for(victor)


@pytest.fixture
def noaccess_client(nora: User) -> Client:
    return _client_for(nora)


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    return APIClient()


def token_for(client, username: str, password: str = PASSWORD) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/auth/token", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(client, access: str):  # type: ignore[no-untyped-def]
    """Make every following request of this API client carry the access token."""
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database this run uses: `make test` runs the suite on two."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]}"


# Fixtures through which a test reaches the database (pytest-django's, and what needs them).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="Run only the tests whose result can depend on the database (make test's second "
        "database run): not those that never touch it, nor those marked same_on_every_database.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept, dropped = [], []
    for item in items:
        uses = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        uses = uses and item.get_closest_marker("same_on_every_database") is None
        (kept if uses else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# The browser suite's fixture (Playwright + Debian's Chromium), shared by every app.
from tests.browser import browser  # noqa: E402, F401

# The network-namespace lab (root only; skips elsewhere), one per session.
from tests.lab.fixtures import lab  # noqa: E402, F401
