"""The container files: compose.yaml, the Dockerfile, the health probe and .env.example.

There is no Docker engine on the test machines, so these tests read the files
and run the pieces that do not need one (the health probe, the entry point's
commands).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from netkeep.healthcheck import host_header
from tests.test_foundation_health import save_heartbeat

BASE_DIR = Path(settings.BASE_DIR)
# Variables the image or compose itself use, beyond what netkeep/settings.py reads.
CONTAINER_ONLY = {"NMAP_PRIVILEGED", "PORT", "WEB_CONCURRENCY", "HEALTHCHECK_URL"}


def variables_read_by_settings() -> set[str]:
    source = (BASE_DIR / "netkeep" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+|_\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"SECRET_KEY", "DATABASE_URL", "DEBUG", "ALLOWED_HOSTS"} <= names
    return names


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((BASE_DIR / "compose.yaml").read_text())


def _env(service: dict) -> dict[str, str]:  # type: ignore[type-arg]
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_compose_has_web_worker_and_postgres(compose: dict) -> None:  # type: ignore[type-arg]
    services = compose["services"]
    assert set(services) >= {"web", "worker", "db"}
    assert services["web"]["command"] == ["web"]
    assert services["worker"]["command"] == ["worker"]
    assert "NET_RAW" in services["worker"]["cap_add"]
    assert "NET_RAW" not in services["web"].get("cap_add", [])
    db = services["db"]
    assert db["image"].startswith("postgres:15")
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "the database must live on a named volume"
    assert db["volumes"][0].split(":")[1] == "/var/lib/postgresql/data"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_passes_the_settings_and_keeps_secrets_in_files(
    compose: dict,  # type: ignore[type-arg]
) -> None:
    read = variables_read_by_settings()
    for name in ("web", "worker"):
        env = _env(compose["services"][name])
        for var in env:
            base = var.removesuffix("_FILE")
            assert base in read or var in CONTAINER_ONLY, f"{name}: {var} is read by nothing"
        for var in ("DEBUG", "DATABASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "TIME_ZONE"):
            assert var in env, f"{name} lacks {var}"
        assert env["DEBUG"] == "false"
        # Secrets arrive as files, never as values in the compose file.
        for secret in ("SECRET_KEY", "DATABASE_PASSWORD", "NETKEEP_SECRET_KEYS"):
            assert secret not in env and env[f"{secret}_FILE"].startswith("/run/secrets/")
        assert ":" not in env["DATABASE_URL"].split("@")[0].removeprefix("postgres://")
    db_env = _env(compose["services"]["db"])
    assert db_env["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert set(compose["secrets"]) >= {"secret_key", "db_password", "netkeep_secret_keys"}


def test_the_dockerfile_builds_a_non_root_image_with_nmap_and_a_health_probe() -> None:
    text = (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert re.search(r"apt-get install .*\bnmap\b", text)
    assert re.search(r"^USER (?!root\b|0\b)\w+", text, re.M)
    collect = re.search(r"RUN (.*\n)*?.*collectstatic", text)
    assert collect and "SECRET_KEY=" in collect.group(0) and "DEBUG=false" in collect.group(0)
    assert re.search(r"^HEALTHCHECK .*\n?.*netkeep\.healthcheck", text, re.M)
    assert "curl" not in text
    entry = (BASE_DIR / "scripts" / "docker-entrypoint.sh").read_text()
    assert "gunicorn netkeep.wsgi" in entry and "manage.py qcluster" in entry
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".venv", "data", "secrets", ".env"} <= set(ignored)


def test_env_example_documents_every_setting() -> None:
    text = (BASE_DIR / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.M))
    missing = variables_read_by_settings() - {n.removesuffix("_FILE") for n in documented}
    assert not missing, f".env.example does not document {sorted(missing)}"


def test_env_example_works_as_an_env_file(tmp_path: Path) -> None:
    from tests.test_foundation_settings import production_env, run

    env = production_env(tmp_path)
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    env["NETKEEP_DATA_DIR"] = str(tmp_path / "data")
    env["STATIC_ROOT"] = str(tmp_path / "static")
    env["SECRET_KEY"] = "x" * 50
    result = run(["manage.py", "check"], env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("allowed", "header"),
    [
        ("netkeep.example.org,localhost", "netkeep.example.org"),
        (".example.org", "example.org"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_health_probe_sends_a_host_django_accepts(allowed: str, header: str) -> None:
    assert host_header(allowed) == header


def _probe(url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEALTHCHECK_URL": url, "ALLOWED_HOSTS": "localhost"}
    return subprocess.run(
        [sys.executable, "-m", "netkeep.healthcheck"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_health_probe_follows_healthz(live_server) -> None:  # type: ignore[no-untyped-def]
    url = live_server.url.replace("localhost", "127.0.0.1") + "/healthz"
    result = _probe(url)
    assert result.returncode == 1 and "503" in result.stderr
    save_heartbeat()
    result = _probe(url)
    assert result.returncode == 0, result.stderr


def test_the_health_probe_fails_when_nothing_listens() -> None:
    import socket

    with socket.socket() as s:  # a free loopback port, closed again
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _probe(f"http://127.0.0.1:{port}/healthz")
    assert result.returncode == 1 and "unhealthy" in result.stderr


def test_gunicorn_serves_pages_and_compressed_static_files_in_production_mode(
    tmp_path: Path,
) -> None:
    """What the image runs: gunicorn with DEBUG off, static files from whitenoise."""
    import socket
    import time
    import urllib.request

    from tests.test_foundation_settings import production_env, run

    env = production_env(
        tmp_path, ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0"
    )
    result = run(["manage.py", "collectstatic", "--no-input", "-v0"], env)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/netkeep.css"]
    assert hashed != "css/netkeep.css" and (tmp_path / "static" / (hashed + ".gz")).exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "netkeep.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def get(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, page = get("/login/")
                break
            except urllib.error.URLError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read() if server.stderr else "") from None
                time.sleep(0.2)
        assert status == 200 and b"Sign in to Netkeep" in page
        css = re.search(rb'href="(/static/css/netkeep\.[0-9a-f]{12}\.css)"', page)
        assert css, "the page links the hashed stylesheet"
        status, headers, body = get(css.group(1).decode(), **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("Content-Encoding") == "gzip"
        assert "immutable" in headers.get("Cache-Control", "")
        status, _, body = get("/healthz")
        assert status == 503 and body == b"unavailable"  # no worker in this test
    finally:
        server.terminate()
        server.wait(timeout=15)
