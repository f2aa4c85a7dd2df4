"""Sign-in throttling on both doors: the sign-in page and POST /api/auth/token."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import LoginFailure, User
from accounts.throttle import LOCKED_MESSAGE
from tests.conftest import PASSWORD

USER_LIMIT = 10  # settings.LOGIN_THROTTLE_USER default


def _web_attempt(username: str, password: str, ip: str) -> tuple[int, str]:
    response = Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": password})
    body = response.content.decode()
    # The page echoes what was typed and carries a fresh CSRF token; nothing else may differ.
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)
    body = body.replace(f'value="{username}"', 'value="NAME"')
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", body)
    return response.status_code, body


def _api_attempt(username: str, password: str, ip: str) -> tuple[int, bytes]:
    response = APIClient(REMOTE_ADDR=ip).post(
        "/api/auth/token", {"username": username, "password": password}, format="json"
    )
    return response.status_code, response.content


def _alike(
    attempt: Callable[[str, str, str], tuple[int, Any]], caplog: pytest.LogCaptureFixture
) -> tuple[list[tuple[int, Any]], list[str]]:
    """Fail as a known and an unknown name in turn, past the limit: each answer is the same.

    Returns the known name's answers and the sign-in log's lines (one per failure).
    """
    caplog.set_level(logging.WARNING, logger="netkeep.login")
    answers = []
    for n in range(USER_LIMIT + 2):
        known = attempt("alice", "wrong-password", "10.0.0.1")
        unknown = attempt("ghost", "wrong-password", "10.0.0.2")
        assert known == unknown, f"attempt {n + 1} tells the names apart"
        answers.append(known)
    lines = [r.getMessage() for r in caplog.records if r.name == "netkeep.login"]
    assert len(lines) == 2 * (USER_LIMIT + 2)
    return answers, lines


def test_the_sign_in_page_locks_an_existing_and_an_unknown_name_alike(
    alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    answers, lines = _alike(_web_attempt, caplog)
    for attempt, (status, body) in enumerate(answers):
        assert status == 200
        expected = LOCKED_MESSAGE if attempt >= USER_LIMIT else "do not match"
        assert expected in body, attempt
    assert (
        sum("door=web" in line and "username='ghost'" in line for line in lines) == USER_LIMIT + 2
    )
    # Locked means locked: even the right password is refused for now.
    status, body = _web_attempt("alice", PASSWORD, "10.0.0.3")
    assert status == 200 and LOCKED_MESSAGE in body


def test_the_token_endpoint_locks_an_existing_and_an_unknown_name_alike(
    alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    answers, lines = _alike(_api_attempt, caplog)
    statuses = [status for status, _ in answers]
    assert statuses == [401] * USER_LIMIT + [429, 429]
    assert all("door=api" in line for line in lines)
    assert _api_attempt("alice", PASSWORD, "10.0.0.3")[0] == 429


def test_failures_on_one_door_count_on_the_other(alice: User) -> None:
    for _ in range(USER_LIMIT):
        _web_attempt("alice", "wrong-password", "10.0.0.1")
    assert _api_attempt("alice", PASSWORD, "10.0.0.9")[0] == 429


def test_one_address_is_locked_after_twenty_failures_whatever_the_names(alice: User) -> None:
    for i in range(20):
        _api_attempt(f"guess{i}", "wrong-password", "10.0.0.7")
    assert _api_attempt("alice", PASSWORD, "10.0.0.7")[0] == 429
    status, body = _web_attempt("alice", PASSWORD, "10.0.0.7")
    assert status == 200
    assert LOCKED_MESSAGE in body
    # Another address is not affected.
    assert _api_attempt("alice", PASSWORD, "10.0.0.8")[0] == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lock(alice: User) -> None:
    client = APIClient(REMOTE_ADDR="10.0.0.7")
    for i in range(20):
        client.post(
            "/api/auth/token",
            {"username": f"guess{i}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"10.0.0.7"}


def test_a_successful_sign_in_forgives_the_names_earlier_failures(alice: User) -> None:
    for _ in range(USER_LIMIT - 1):
        _web_attempt("alice", "wrong-password", "10.0.0.1")
    assert _web_attempt("alice", PASSWORD, "10.0.0.1")[0] == 302
    assert not LoginFailure.objects.filter(username="alice").exists()


def test_a_name_is_throttled_whatever_its_case(alice: User) -> None:
    for i in range(USER_LIMIT):
        _api_attempt("ALICE" if i % 2 else "Alice ", "wrong-password", "10.0.0.1")
    assert _api_attempt("alice", PASSWORD, "10.0.0.2")[0] == 429


@pytest.fixture
def sthrottle(db: None) -> User:
    return User.objects.create_user("sthrottle", password=PASSWORD, role="viewer")


# Names Django's sign-in would treat as, or that only fold to, "sthrottle".
VARIANTS = ["ｓthrottle", "STHROTTLE", " sthrottle ", "Ｓｔｈｒｏｔｔｌｅ", "sthrottle\u3000"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_locked_name_stays_locked_under_a_variant_on_the_sign_in_page(
    sthrottle: User, variant: str
) -> None:
    for _ in range(USER_LIMIT):
        _web_attempt("sthrottle", "wrong-password", "10.0.0.1")
    status, body = _web_attempt(variant, PASSWORD, "10.0.0.2")
    assert status == 200 and LOCKED_MESSAGE in body


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_locked_name_stays_locked_under_a_variant_on_the_token_endpoint(
    sthrottle: User, variant: str
) -> None:
    for _ in range(USER_LIMIT):
        _api_attempt("sthrottle", "wrong-password", "10.0.0.1")
    assert _api_attempt(variant, PASSWORD, "10.0.0.2")[0] == 429


def test_guesses_spread_over_variants_lock_the_name_on_both_doors(sthrottle: User) -> None:
    for i in range(USER_LIMIT):
        variant = VARIANTS[i % len(VARIANTS)]
        if i % 2:
            _web_attempt(variant, "wrong-password", f"10.0.1.{i}")
        else:
            _api_attempt(variant, "wrong-password", f"10.0.1.{i}")
    assert _api_attempt("sthrottle", PASSWORD, "10.0.0.2")[0] == 429
    assert LOCKED_MESSAGE in _web_attempt("sthrottle", PASSWORD, "10.0.0.3")[1]


def test_both_doors_sign_in_a_fullwidth_spelling_of_the_name(sthrottle: User) -> None:
    assert _web_attempt("ｓthrottle", PASSWORD, "10.0.0.1")[0] == 302
    assert _api_attempt("ｓthrottle", PASSWORD, "10.0.0.1")[0] == 200


def test_a_name_the_form_refuses_does_not_forgive_the_names_failures(sthrottle: User) -> None:
    for _ in range(USER_LIMIT - 1):
        _web_attempt("sthrottle", "wrong-password", "10.0.0.1")
    # A NUL makes the field invalid; the name folds to "sthrottle" but never signed in.
    _web_attempt("sthrottle\x00", PASSWORD, "10.0.0.2")
    _web_attempt("sthrottle", "wrong-password", "10.0.0.1")
    assert LOCKED_MESSAGE in _web_attempt("sthrottle", PASSWORD, "10.0.0.3")[1]
