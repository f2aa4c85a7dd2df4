"""403, 404 and 500 answer with the normal layout: what happened, what to do, a link home.

A 403 is a routine answer and logs one line; a 500 page renders without a
database or a request context (it is what is shown when those are broken).
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views import defaults

from tests.factories import make_subnet


def boom(request: Any) -> Any:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("", include("netkeep.urls"))]


def test_a_forbidden_page_says_what_happened_and_leads_home(viewer_client: Client) -> None:
    response = viewer_client.get("/ipam/subnets/new/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You are not allowed to do this" in page
    assert "victor" in page and "viewer" in page  # whose role refused it
    assert "ask an administrator" in page
    assert 'href="/"' in page
    assert 'class="topbar"' in page  # the normal layout, with navigation


def test_a_missing_object_says_what_happened_and_leads_home(viewer_client: Client) -> None:
    response = viewer_client.get("/ipam/subnets/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "Check the address" in page
    assert 'href="/"' in page and 'class="topbar"' in page


def test_an_unknown_address_is_named_escaped_on_the_404_page(viewer_client: Client) -> None:
    response = viewer_client.get("/no-such-page/<b>x</b>/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<b>x</b>" not in page
    assert "/no-such-page/" in page


def test_a_server_error_page_renders_without_a_database_or_context() -> None:
    # No db fixture: any query here fails the test.
    request = RequestFactory().get("/ipam/")
    response = defaults.server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on the server" in page
    assert "Try again in a moment" in page
    assert 'href="/"' in page
    assert "netkeep.css" in page  # the normal stylesheet


@pytest.mark.urls("tests.netkeep.test_error_pages")
def test_a_crashing_view_answers_the_500_page(admin_client: Client) -> None:
    admin_client.raise_request_exception = False
    response = admin_client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on the server" in response.content.decode()


def test_a_forbidden_request_logs_one_line_without_a_traceback(viewer_client: Client) -> None:
    make_subnet()
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(console, logging.StreamHandler)
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        viewer_client.get("/ipam/subnets/new/")
    finally:
        console.setStream(previous)
    lines = written.getvalue().strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].endswith(
        "WARNING django.request: Forbidden (Permission denied): /ipam/subnets/new/"
    )


def test_a_refusal_keeps_what_the_exception_said() -> None:
    from django.core.exceptions import PermissionDenied

    from netkeep.logs import OneLineRefusals

    error = PermissionDenied("not your run")
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Forbidden (Permission denied): %s",
        ("/x/",),
        (PermissionDenied, error, None),
    )
    record.status_code = 403
    OneLineRefusals().filter(record)
    assert record.exc_info is None
    assert record.getMessage() == "Forbidden (Permission denied): /x/ (not your run)"


def test_the_console_log_is_configured_to_keep_refusals_on_one_line() -> None:
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert any(type(f).__name__ == "OneLineRefusals" for f in handler.filters)


def test_a_server_error_keeps_its_traceback() -> None:
    from netkeep.logs import OneLineRefusals

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/x/",),
            sys.exc_info(),
        )
    record.status_code = 500
    OneLineRefusals().filter(record)
    assert record.exc_info is not None
