"""Stored text is escaped in the subnet view's Jinja2 rows, as in every Django template."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_host, make_subnet, make_tag

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def host() -> Any:
    subnet = make_subnet("198.51.100.0/24", description=PAYLOAD)
    host = make_host("198.51.100.7", subnet=subnet, description=PAYLOAD)
    host.tags.add(make_tag(f"t{PAYLOAD}"[:64]))
    return host


def _assert_escaped(body: str) -> None:
    assert PAYLOAD not in body
    assert "<script>alert" not in body and "<img src=x" not in body
    assert ESCAPED in body or ESCAPED.replace("&#34;", "&quot;") in body


def test_the_subnet_view_escapes_stored_host_text(admin_client: Client, host: Any) -> None:
    body = admin_client.get(host.subnet.get_absolute_url()).content.decode()
    assert f'id="a-{host.pk}"' in body  # the row was drawn
    _assert_escaped(body)


def test_the_inline_edit_row_escapes_stored_host_text(admin_client: Client, host: Any) -> None:
    url = reverse("ipam:host_inline", args=[host.pk]) + "?show=1&context=row"
    body = admin_client.get(url).content.decode()
    assert f'id="a-{host.pk}"' in body
    _assert_escaped(body)
