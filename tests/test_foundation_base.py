"""The base page: htmx from the package, CSRF for htmx, navigation, themes, no CDN."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.test import Client

from accounts.models import Role
from tests.conftest import make_user


def test_every_page_carries_the_csrf_token_for_htmx(admin_client: Client) -> None:
    page = admin_client.get("/").content.decode()
    token = re.search(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", page)
    assert token and len(token.group(1)) >= 32


def test_htmx_and_every_asset_come_from_this_server(admin_client: Client) -> None:
    page = admin_client.get("/").content.decode()
    assert re.search(r'<script src="/static/django-htmx/htmx\.min\.js', page) or re.search(
        r'<script src="/static/[^"]*htmx[^"]*\.js', page
    )
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert not external, f"assets from elsewhere: {external}"


def test_the_navigation_leads_to_the_five_areas_for_an_admin(admin_client: Client) -> None:
    page = admin_client.get("/").content.decode()
    nav = page[page.index('<nav class="mainnav"') : page.index("</nav>")]
    for href in ('href="/ipam/"', 'href="/inventory/"', 'href="/discovery/"', 'href="/backups/"'):
        assert href in nav
    assert 'href="/users/"' in nav


def test_the_navigation_is_hidden_while_a_password_change_is_required(db: None) -> None:
    user = make_user("boot", Role.ADMIN, must_change_password=True)
    client = Client()
    client.force_login(user)
    page = client.get("/account/password/").content.decode()
    assert 'class="mainnav"' not in page and "Sign out" in page


def test_the_theme_toggle_and_skip_link_are_there(admin_client: Client) -> None:
    page = admin_client.get("/").content.decode()
    assert "data-theme-toggle" in page
    assert 'aria-label="Theme: light, dark or high contrast"' in page
    # Applied before first paint: a blocking script in <head>, from a file (no inline script).
    head = page.split("</head>")[0]
    theme_js = re.search(r'<script src="([^"]*/theme\.js)"></script>', head)
    assert theme_js, "theme.js must load in <head> without defer"
    script = Path(str(finders.find("js/theme.js"))).read_text()
    assert 'localStorage.getItem("netkeep-theme")' in script
    assert '<a class="skip" href="#main">' in page


def test_static_files_are_served_to_anonymous_visitors(db: None) -> None:
    response = Client().get("/static/css/netkeep.css")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    assert b'[data-theme="contrast"]' in body and b'[data-theme="dark"]' in body
