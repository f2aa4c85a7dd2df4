"""Settings come from the environment; production settings pass `check --deploy`.

Each case starts a fresh Python process, because settings are read once at start.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def base_env() -> dict[str, str]:
    """Only what a process needs to run: nothing of this test process's settings leaks in
    (other tests set variables such as DJANGO_ALLOW_ASYNC_UNSAFE in os.environ)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    return {k: os.environ[k] for k in keep if k in os.environ}


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = base_env()
    env.update(
        DJANGO_SETTINGS_MODULE="netkeep.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="netkeep.example.org",
        SECURE_SSL_REDIRECT="true",
        SECURE_HSTS_SECONDS="31536000",
        NETKEEP_DATA_DIR=str(tmp_path / "data"),
        STATIC_ROOT=str(tmp_path / "static"),
        PYTHONPATH=str(BASE_DIR),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_in(env: dict[str, str], *names: str) -> dict[str, object]:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_a_production_setup_without_https(tmp_path: Path) -> None:
    # The same check must be able to fail, or the test above proves nothing.
    env = production_env(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "django-insecure-netkeep-development-key-do-not-use-in-production",
        "django-insecure-" + "x" * 40,
        "too-short",
    ],
    ids=["missing", "empty", "development", "insecure-prefix", "short"],
)
def test_it_refuses_to_start_without_debug_and_a_real_secret_key(
    tmp_path: Path, key: str | None
) -> None:
    env = production_env(tmp_path)
    env.pop("SECRET_KEY")
    if key is not None:
        env["SECRET_KEY"] = key
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY is missing or is the development key" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert "SECRET_KEY_FILE" in result.stderr  # it says how to fix it


def test_development_runs_without_a_key_when_debug_is_on(tmp_path: Path) -> None:
    env = production_env(tmp_path, DEBUG="true")
    env.pop("SECRET_KEY")
    assert settings_in(env, "DEBUG")["DEBUG"] is True


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    key = secrets.token_urlsafe(50)
    (tmp_path / "key").write_text(key + "\n")
    (tmp_path / "admin").write_text("from-a-file-passphrase\n")
    env = production_env(
        tmp_path,
        SECRET_KEY_FILE=str(tmp_path / "key"),
        NETKEEP_ADMIN_PASSWORD_FILE=str(tmp_path / "admin"),
    )
    env.pop("SECRET_KEY")
    values = settings_in(env, "SECRET_KEY", "NETKEEP_ADMIN_PASSWORD")
    assert values == {"SECRET_KEY": key, "NETKEEP_ADMIN_PASSWORD": "from-a-file-passphrase"}


def test_the_default_database_is_sqlite_in_wal_mode_in_the_data_directory(tmp_path: Path) -> None:
    db = settings_in(production_env(tmp_path), "DATABASES")["DATABASES"]["default"]  # type: ignore[index]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "data" / "netkeep.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 20
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    # Kept between requests: a new connection and its PRAGMAs per request cost 3-4 ms.
    assert db["CONN_MAX_AGE"] == 60


def test_postgresql_comes_from_database_url(tmp_path: Path) -> None:
    env = production_env(tmp_path, DATABASE_URL="postgres://nk:pw@db.internal:5432/netkeep")
    db = settings_in(env, "DATABASES")["DATABASES"]["default"]  # type: ignore[index]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.internal",
        5432,
        "netkeep",
        "nk",
    )


def test_postgresql_prepares_repeated_queries_unless_told_not_to(tmp_path: Path) -> None:
    url = "postgres://nk:pw@db.internal:5432/netkeep"
    db = settings_in(production_env(tmp_path, DATABASE_URL=url), "DATABASES")["DATABASES"]
    options = db["default"]["OPTIONS"]  # type: ignore[index]
    # Django passes prepare_threshold=None (no preparing) unless the setting names one.
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 5
    assert db["default"]["CONN_MAX_AGE"] == 60  # type: ignore[index]
    env = production_env(tmp_path, DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false")
    options = settings_in(env, "DATABASES")["DATABASES"]["default"]["OPTIONS"]  # type: ignore[index]
    assert "server_side_binding" not in options and "prepare_threshold" not in options


def test_hosts_origins_and_time_zone_come_from_the_environment(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        ALLOWED_HOSTS="a.example.org,b.example.org",
        CSRF_TRUSTED_ORIGINS="https://a.example.org",
        TIME_ZONE="Europe/Paris",
    )
    values = settings_in(env, "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "TIME_ZONE", "DEBUG")
    assert values == {
        "ALLOWED_HOSTS": ["a.example.org", "b.example.org"],
        "CSRF_TRUSTED_ORIGINS": ["https://a.example.org"],
        "TIME_ZONE": "Europe/Paris",
        "DEBUG": False,
    }
