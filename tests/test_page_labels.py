"""Every page's labels and descriptions point at elements that exist.

Django gives a field with help text or errors `aria-describedby="id_X_helptext
id_X_error"`; a template that renders the help or errors under another id
leaves a screen reader with nothing to read. A radio or checkbox group is a
fieldset with a legend: a `<label for="">` names nothing. Each page is
visited as an admin, and each form page is also posted empty, so that field
errors are rendered too.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from tests.pages import SHARDS, every_page, populate

# Labels and descriptions come from the templates and forms, not the database.
pytestmark = pytest.mark.same_on_every_database

# Django's and DRF's own pages (the admin, the browsable API) are theirs to keep.
OTHERS = ("/admin/", "/api/")
# Pages whose form a POST with no data answers with field errors, changing nothing.
FORM_ENDINGS = ("/new/", "/edit/", "/password/", "/allowlist/")


class Labels(HTMLParser):
    """The ids, the aria-describedby and aria-labelledby references, and label targets."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.references: list[tuple[str, str]] = []
        self.label_targets: list[str] = []
        self.filter_names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self._in_get_form = (found.get("method") or "get").lower() == "get"
        typed = found.get("type") not in ("hidden", "submit", "checkbox")
        fills = tag in ("input", "select") and typed
        if self._in_get_form and fills and found.get("name"):
            self.filter_names.add(str(found["name"]))
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for name in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in (found.get(name) or "").split():
                self.references.append((name, ref))
        if tag == "label" and "for" in found:
            self.label_targets.append(found["for"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_get_form = False


def read(html: str) -> Labels:
    page = Labels()
    page.feed(html)
    return page


def problems(html: str) -> list[str]:
    """What on the page points nowhere."""
    page = read(html)
    found = [f'{name}="{ref}"' for name, ref in page.references if ref not in page.ids]
    found += [f'<label for="{target}">' for target in page.label_targets if target not in page.ids]
    return found


def _html(response: Any) -> str | None:
    if response.status_code >= 500 or "html" not in response.get("Content-Type", ""):
        return None
    if getattr(response, "streaming", False):
        return None
    return str(response.content.decode(errors="replace"))


def test_the_checker_finds_a_description_and_a_label_that_point_nowhere() -> None:
    html = (
        '<label for="">Mode</label><input id="id_a" aria-describedby="id_a_helptext">'
        '<label for="id_a">A</label><p id="id_a-help">help</p>'
    )
    assert problems(html) == ['aria-describedby="id_a_helptext"', '<label for="">']


@pytest.mark.django_db
@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_page_points_a_label_or_description_at_a_missing_element(alice: Any, shard: int) -> None:
    populate()
    client = Client()
    found: list[str] = []
    visited = 0
    for page in every_page(shard):
        if page.path.startswith(OTHERS):
            continue
        client.force_login(alice)  # a sign-out page on the way signs out
        html = _html(client.get(page.path))
        if html is None:
            continue
        visited += 1
        found += [f"GET {page.path}: {p}" for p in problems(html)]
        # Filters given values they refuse: their errors must be findable as well.
        names = read(html).filter_names - {"q", "page"}
        if names:
            bad = _html(client.get(page.path, dict.fromkeys(names, "-1x")))
            if bad is not None:
                found += [f"GET {page.path} (refused filters): {p}" for p in problems(bad)]
        if page.path.endswith(FORM_ENDINGS) and "delete" not in page.path:
            html = _html(client.post(page.path, {}))
            if html is not None:
                found += [f"POST {page.path}: {p}" for p in problems(html)]
    # Together the shards visit every page outside the admin and the API (over 80).
    assert visited > 80 / SHARDS / 2, "a shard reached too few pages"
    assert not found, "\n".join(sorted(set(found)))
