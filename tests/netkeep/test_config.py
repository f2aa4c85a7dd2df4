"""A bad setting stops the start with one line: the variable, the value, what is expected.

Each case starts `manage.py check` in a fresh process, because settings are read once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_foundation_settings import production_env, run

BAD = [
    ("NETKEEP_PING_TIMEOUT_S", "abc", "a number from 0.01 to 60 (seconds)"),
    ("NETKEEP_PING_TIMEOUT_S", "0", "a number from 0.01 to 60 (seconds)"),
    ("NETKEEP_PING_TIMEOUT_S", "nan", "a number from 0.01 to 60 (seconds)"),
    ("NETKEEP_PING_RATE_PPS", "1e4", "a whole number from 1 to 1e+06 (packets per second)"),
    ("NETKEEP_PING_RATE_PPS", "0", "a whole number from 1 to 1e+06 (packets per second)"),
    ("NETKEEP_PING_RATE_PPS", "-5", "a whole number from 1 to 1e+06 (packets per second)"),
    ("NETKEEP_PING_RETRIES", "-1", "a whole number from 0 to 10"),
    ("NETKEEP_PING_RETRIES", "two", "a whole number from 0 to 10"),
    ("NETKEEP_PING_PRIVILEGED", "maybe", "true, false, or unset to detect"),
    ("NETKEEP_DNS_TIMEOUT_S", "-2", "a number from 0.1 to 60 (seconds)"),
    ("NETKEEP_DNS_SERVERS", "ns1.example.net", "comma-separated IP addresses"),
    ("NETKEEP_WEBHOOK_TIMEOUT", "inf", "a number from 0.5 to 300 (seconds)"),
    ("NETKEEP_STALE_RUN_S", "5", "a whole number at least 30 (seconds)"),
    ("Q_WORKERS", "0", "a whole number from 1 to 64"),
    ("Q_TIMEOUT", "10m", "a whole number from 30 to 604800 (seconds)"),
    ("LOGIN_THROTTLE_USER_LIMIT", "0", "a whole number from 1 to 100000"),
    ("SESSION_COOKIE_AGE", "-1", "a whole number from 60 to"),
    ("JWT_ACCESS_MINUTES", "5.5", "a whole number from 1 to 1440 (minutes)"),
    ("SECURE_SSL_REDIRECT", "ture", "true or false (also yes/no, on/off, 1/0)"),
    ("LOG_LEVEL", "LOUD", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("TIME_ZONE", "Mars/Olympus", "an IANA time zone name"),
    ("DATABASE_URL", "mysql://u@h/db", "a database URL such as postgres://"),
]


@pytest.mark.parametrize("name, value, expected", BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_a_bad_value_stops_check_with_one_line_naming_it(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    result = run(["manage.py", "check"], production_env(tmp_path, **{name: value}))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no traceback
    assert lines[0].startswith(f"Configuration error: {name}={value!r} is not valid: expected ")
    assert expected in lines[0]


def test_a_secret_in_a_bad_database_url_is_not_echoed(tmp_path: Path) -> None:
    env = production_env(tmp_path, DATABASE_URL="oracle://netkeep:hunter2-secret@db/netkeep")
    result = run(["manage.py", "check"], env)
    assert result.returncode == 2
    assert "hunter2-secret" not in result.stderr
    assert "DATABASE_URL='oracle://netkeep:***@db/netkeep'" in result.stderr


def test_an_unreadable_secret_file_is_named(tmp_path: Path) -> None:
    env = production_env(tmp_path, NETKEEP_SECRET_KEYS_FILE=str(tmp_path / "missing"))
    result = run(["manage.py", "check"], env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Configuration error: NETKEEP_SECRET_KEYS_FILE='{tmp_path / 'missing'}' is not valid: "
        "expected a readable file (No such file or directory)."
    )


def test_good_values_in_any_spelling_start_normally(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        NETKEEP_PING_TIMEOUT_S=" 0.5 ",
        NETKEEP_PING_RATE_PPS="5000",
        NETKEEP_PING_RETRIES="0",
        NETKEEP_PING_PRIVILEGED="No",
        SECURE_SSL_REDIRECT="YES",
        LOG_LEVEL="warning",
        TIME_ZONE="Europe/Berlin",
    )
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.NETKEEP_PING_TIMEOUT_S, s.NETKEEP_PING_RATE_PPS, s.NETKEEP_PING_RETRIES, "
        "s.NETKEEP_PING_PRIVILEGED, s.SECURE_SSL_REDIRECT, s.LOGGING['root']['level'])"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0.5", "5000", "0", "False", "True", "WARNING"]
