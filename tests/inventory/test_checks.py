"""Service checks: the async engine against real loopback servers, history, events, Unavailable."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from inventory import checks, http_check
from inventory.models import CheckStatus, ServiceCheck
from netkeep import outbound
from netkeep.models import Event
from tests.factories import make_device

pytestmark = pytest.mark.django_db


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.end_headers()
            return
        body = b"<html>all systems nominal</html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(server: http.server.HTTPServer) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests here talk to servers on 127.0.0.1, which the real scope never allows."""
    real = outbound.refusal

    def refusal(address: Any) -> str:
        return "" if address == ipaddress.ip_address("127.0.0.1") else real(address)

    monkeypatch.setattr(outbound, "refusal", refusal)


@pytest.fixture
def web() -> Iterator[int]:
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))


@pytest.fixture
def tls_web(tmp_path: Path) -> Iterator[int]:
    """An HTTPS server whose self-signed certificate expires in 3 days."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check(**fields: Any) -> ServiceCheck:
    check = ServiceCheck(**{"name": "web", "kind": "http", **fields})
    check.full_clean()
    check.save()
    return check


def test_http_tcp_and_failures_get_their_own_status(loopback_allowed: None, web: int) -> None:
    ok = _check(name="ok", url=f"http://127.0.0.1:{web}/", expected_text="nominal")
    text = _check(name="text", url=f"http://127.0.0.1:{web}/", expected_text="on fire")
    status = _check(name="status", url=f"http://127.0.0.1:{web}/missing")
    tcp = _check(name="tcp", kind="tcp", target=f"127.0.0.1:{web}")
    closed = _check(name="closed", kind="tcp", target=f"127.0.0.1:{_closed_port()}")
    report = checks.run_cycle()
    assert report.checked == 5
    results = {c.name: c for c in ServiceCheck.objects.all()}
    assert results["ok"].status == CheckStatus.UP and results["ok"].latency_ms is not None
    assert results["text"].status == CheckStatus.DOWN
    assert "on fire" in results["text"].message
    assert results["status"].message == "HTTP 404, expected 200"
    assert results["tcp"].status == CheckStatus.UP
    assert results["closed"].message == "connection refused"
    assert all(
        c.next_due > timezone.now()
        for c in (ok, text, status, tcp, closed)
        for c in [ServiceCheck.objects.get(pk=c.pk)]
    )


def test_a_certificate_about_to_expire_is_degraded_and_unverifiable_is_down(
    loopback_allowed: None, tls_web: int
) -> None:
    lax = _check(name="lax", url=f"https://127.0.0.1:{tls_web}/", verify_tls=False)
    strict = _check(name="strict", url=f"https://127.0.0.1:{tls_web}/")
    checks.run_cycle()
    lax.refresh_from_db()
    strict.refresh_from_db()
    assert lax.status == CheckStatus.DEGRADED
    assert "certificate expires in" in lax.message
    assert lax.cert_expires is not None
    assert strict.status == CheckStatus.DOWN
    assert "TLS verification failed" in strict.message


def test_addresses_outside_the_allowlist_are_never_contacted(settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ["198.18.0.0/24"]
    loop = _check(name="loop", url="http://127.0.0.1:9/")
    meta = _check(name="meta", url="http://169.254.169.254/latest/")
    outside = _check(name="outside", kind="tcp", target="198.19.0.5:22")
    checks.run_cycle()
    for check, words in (
        (loop, "loopback"),
        (meta, "metadata"),
        (outside, "add 198.19.0.5 (or a network that contains it)"),
    ):
        check.refresh_from_db()
        assert check.status == CheckStatus.DOWN
        assert words in check.message


def test_status_changes_become_events_and_history_and_dim_the_device(
    loopback_allowed: None, web: int
) -> None:
    device = make_device("nas")
    check = _check(name="ui", url=f"http://127.0.0.1:{web}/missing", device=device)
    checks.run_cycle()
    device.refresh_from_db()
    assert device.unavailable_reason.startswith("ui is down: HTTP 404")
    assert Event.objects.filter(kind="service_down").count() == 1
    ServiceCheck.objects.filter(pk=check.pk).update(url=f"http://127.0.0.1:{web}/")
    checks.run_cycle(only=[check.pk])
    checks.run_cycle(only=[check.pk])
    device.refresh_from_db()
    assert device.unavailable_reason == ""
    assert list(Event.objects.values_list("kind", flat=True)) == ["service_up", "service_down"]
    assert [c.status for c in check.changes.all()] == ["up", "down"]
    assert checks.uptime(check, 1) == pytest.approx(66.67)


def test_a_check_needs_what_its_kind_needs() -> None:
    with pytest.raises(ValidationError, match="needs a URL"):
        _check(name="x", url="")
    with pytest.raises(ValidationError, match="is not host:port"):
        _check(name="y", kind="tcp", target="198.18.0.1")
    with pytest.raises(ValidationError, match="brackets"):
        _check(name="z", kind="tcp", target="2001:2::1:22")
    assert http_check.parse_target("[2001:2::1]:22") == ("2001:2::1", 22)


def test_pages_and_api_answer_by_role(
    viewer_client: Any, noaccess_client: Any, victor: Any, nora: Any
) -> None:
    check = _check(name="ui", url="https://nas.example/")
    for url in (
        reverse("inventory:check_list"),
        reverse("inventory:check_detail", args=[check.pk]),
    ):
        assert viewer_client.get(url).status_code == 200
        assert noaccess_client.get(url).status_code == 403
    assert viewer_client.get(reverse("inventory:check_create")).status_code == 403
    api = APIClient()
    api.force_authenticate(victor)
    snapshot = api.get("/api/inventory/services").json()
    assert snapshot[0]["name"] == "ui" and snapshot[0]["status"] == "unknown"
    history = api.get(f"/api/inventory/service-checks/{check.pk}/history").json()
    assert history["uptime_24h"] is None and history["changes"] == []
    api.force_authenticate(nora)
    assert api.get("/api/inventory/services").status_code == 403


def test_two_overlapping_cycles_never_run_the_same_check(loopback_allowed: None, web: int) -> None:
    from inventory.checks import claim_due

    check = _check(name="once", url=f"http://127.0.0.1:{web}/")
    now = timezone.now()
    first, second = claim_due(now), claim_due(now)
    assert [c.pk for c in first] == [check.pk] and second == []


def test_the_periodic_jobs_are_declared() -> None:
    from netkeep.jobs.registry import wanted

    names = {p.name: p.func for p in wanted("inventory")}
    assert names["inventory:service-checks"] == "inventory.checks.scheduled"
    assert "inventory:prune-checks" in names
