"""Every answer carries the Content-Security-Policy; personal answers are never cached."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_subnet

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", ["/login/", "/healthz", "/ipam/", "/api/ipam/subnets/", "/admin/"])
def test_every_answer_has_a_strict_policy(admin_client: Client, path: str) -> None:
    directives = policy(admin_client.get(path))
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    for kind in ("script-src", "style-src"):
        sources = directives[kind]
        assert sources[0] == "'self'"
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
        assert all(s.startswith("'nonce-") for s in sources[1:]), sources


def test_an_anonymous_sign_in_page_has_the_policy_too() -> None:
    directives = policy(Client().get("/login/"))
    assert directives["script-src"] == ["'self'"]


def test_no_page_allows_inline_styles_or_scripts_and_there_is_no_redoc(
    admin_client: Client,
) -> None:
    for path in ("/api/docs/", "/", "/admin/"):
        directives = policy(admin_client.get(path))
        assert directives["style-src"] == ["'self'"], path
        assert directives["script-src"] == ["'self'"], path
    assert admin_client.get("/api/redoc/").status_code == 404


def test_the_api_docs_load_nothing_from_outside(admin_client: Client) -> None:
    for path in ("/api/docs/",):
        page = admin_client.get(path).content.decode()
        assert "googleapis" not in page and "gstatic" not in page
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), path
        assert "<script>" not in page and "<style>" not in page


def test_the_swagger_start_up_script_is_a_file(admin_client: Client) -> None:
    response = admin_client.get("/api/docs/", {"script": ""})
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in (
            r"<script(?![^>]*\ssrc=)[^>]*>",
            r"\sstyle=",
            r"<style",
            r"\son[a-z]+=",
            r"hx-on",
        ):
            if re.search(pattern, text):
                found.append(f"{template.relative_to(TEMPLATES)}: {pattern}")
    assert not found


def test_htmx_injects_no_indicator_style(client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in page


@pytest.mark.parametrize("path", ["/ipam/", "/api/ipam/subnets/", "/ipam/export/hosts.csv"])
def test_signed_in_pages_api_answers_and_exports_are_never_stored(
    admin_client: Client, path: str
) -> None:
    make_subnet()
    response = admin_client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_api_refusal_is_not_stored_either(client: Client) -> None:
    response = client.get("/api/ipam/subnets/")
    assert response.status_code in (401, 403)
    assert "no-store" in response["Cache-Control"]


def test_static_files_stay_cacheable(client: Client) -> None:
    response = client.get("/static/css/netkeep.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_form_help_text_is_escaped(admin_client: Client) -> None:
    from inventory.models import CredentialSet

    CredentialSet.objects.create(name="<script>x()</script>", username="u")
    page = admin_client.get("/inventory/devices/new/").content.decode()
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
