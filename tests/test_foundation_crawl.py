"""An anonymous visitor reaches nothing but the sign-in doors, /healthz and static files.

The crawl walks every URL pattern Django knows, so URLs that other apps add are
covered without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

# Pages that must answer an anonymous visitor: the sign-in page and the health probe.
PUBLIC_PAGES = {"/login/", "/healthz"}
# The API's own sign-in doors: open by nature, throttled like the sign-in page.
PUBLIC_API = {"/api/auth/token", "/api/auth/refresh"}


def _generate(parsed: sre_parse.SubPattern, in_group: bool = False) -> str:
    """The shortest text matching a parsed regex, preferring "1" wherever it fits.

    Path arguments then become 1 (a primary key, a number, a slug) or a
    well-formed value where the converter wants a shape (a UUID).
    """
    out: list[str] = []
    for op, arg in parsed:
        if op is sre.LITERAL:
            out.append(chr(arg))
        elif op is sre.NOT_LITERAL:
            out.append("1" if arg != ord("1") else "2")
        elif op is sre.ANY:
            out.append("1")
        elif op is sre.AT:
            continue
        elif op is sre.IN:
            out.append(_pick_from_class(arg))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, _high, item = arg
            # Inside a captured argument prefer a non-empty value.
            count = max(low, 1) if in_group else low
            out.append(_generate(item, in_group) * count)
        elif op is sre.SUBPATTERN:
            group, _add, _del, item = arg
            out.append(_generate(item, in_group or group is not None))
        elif op is sre.BRANCH:
            out.append(_generate(arg[1][0], in_group))
        elif op is sre.GROUPREF:
            raise ValueError("back-references in URL patterns are not supported")
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            continue
        else:
            raise ValueError(f"cannot generate a path for regex op {op}")
    return "".join(out)


def _pick_from_class(items: list[tuple[object, object]]) -> str:
    negate = any(op is sre.NEGATE for op, _ in items)
    candidates = "1abcxyzA-_.~"
    for ch in candidates:
        if _class_matches(items, ch) != negate:
            return ch
    raise ValueError(f"no candidate character fits the class {items}")


def _class_matches(items: list[tuple[object, object]], ch: str) -> bool:
    code = ord(ch)
    for op, arg in items:
        if op is sre.LITERAL and arg == code:
            return True
        if op is sre.RANGE and arg[0] <= code <= arg[1]:  # type: ignore[index]
            return True
        if op is sre.CATEGORY:
            if arg is sre.CATEGORY_DIGIT and ch.isdigit():
                return True
            if arg is sre.CATEGORY_WORD and (ch.isalnum() or ch == "_"):
                return True
            if arg is sre.CATEGORY_NOT_SPACE and not ch.isspace():
                return True
    return False


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        regex = p.pattern.regex.pattern
        # Route patterns end in \Z; include() prefixes start with ^; both are anchors only.
        regex = regex.removeprefix("^").removesuffix(r"\Z").removesuffix("$")
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + regex)
        else:
            yield prefix + regex, p


def example_paths() -> list[str]:
    """One concrete path per URL pattern of the project, each verified to resolve."""
    paths: set[str] = set()
    for regex, pattern in _walk(get_resolver().url_patterns):
        path = "/" + _generate(sre_parse.parse(regex))
        try:
            match = resolve(path)
        except Resolver404 as exc:
            raise AssertionError(
                f"generated {path!r} for {regex!r} but it does not resolve"
            ) from exc
        assert match.func is not None, pattern
        paths.add(path)
    return sorted(paths)


def is_public(path: str) -> bool:
    return path in PUBLIC_PAGES or path in PUBLIC_API or path.startswith("/static/")


def test_the_path_generator_fills_arguments_with_one() -> None:
    assert _generate(sre_parse.parse(r"users/(?P<pk>[0-9]+)/\Z")) == "users/1/"
    assert _generate(sre_parse.parse(r"x/(?P<slug>[-a-zA-Z0-9_]+)\.(?P<format>[a-z0-9]+)/?$")) == (
        "x/1.1"
    )
    uuid = _generate(sre_parse.parse(r"(?P<u>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4})"))
    assert re.fullmatch(r"1{8}-1{4}-1{4}", uuid)


def test_the_crawl_covers_every_area_and_the_api(db: None) -> None:
    paths = example_paths()
    for expected in ("/", "/login/", "/healthz", "/users/1/", "/audit/", "/api/auth/me"):
        assert expected in paths
    for prefix in ("/ipam/", "/inventory/", "/discovery/", "/backups/", "/admin/", "/api/docs/"):
        assert any(p.startswith(prefix) for p in paths), prefix


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_is_sent_to_sign_in_everywhere_except_the_allowlist(
    db: None, method: str
) -> None:
    client = Client()
    wrong: list[str] = []
    for path in example_paths():
        if is_public(path):
            continue
        if path.startswith("/api/"):
            response = getattr(client, method)(path)
            ok = response.status_code in (401, 403)
        else:
            # The admin first sends visitors to its own sign-in URL, which hands over to ours.
            response = getattr(client, method)(path, follow=True)
            ok = (
                bool(response.redirect_chain)
                and response.request["PATH_INFO"] == "/login/"
                and response.status_code == 200
            )
        if not ok:
            wrong.append(f"{method.upper()} {path} -> {response.status_code}")
    assert not wrong, "anonymous access not refused:\n" + "\n".join(wrong)


def test_the_allowlist_answers_an_anonymous_visitor(db: None) -> None:
    client = Client()
    assert client.get("/login/").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    # The API's sign-in door refuses bad credentials itself, with 401.
    response = client.post("/api/auth/token", {"username": "nobody", "password": "x"})
    assert response.status_code == 401


def test_the_admin_sign_in_page_is_not_a_second_unthrottled_door(db: None) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_expired_session_sends_htmx_to_the_sign_in_page_as_a_whole_page(db: None) -> None:
    response = Client().get("/audit/?page=2", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=/audit/%3Fpage%3D2"
