"""Text from users: refused, with a field error, when the database could not store it.

PostgreSQL refuses a NUL character in any text value (`DataError`, a 500), and
SQLite stores it silently (a hostname no form can then save again). Text that
is longer than its column is refused by PostgreSQL too. So every door checks
text before the database sees it, in one of three places:

- **model text fields**: :func:`protect_model_text_fields` (run at start-up)
  gives every CharField and TextField of Netkeep's models a validator, so
  `full_clean()` — behind every model form, API serializer and CSV row — refuses
  NUL in any text and other control characters in one-line text; CharField's
  own max_length check already refuses over-long values there;
- **query strings**: :class:`RefuseControlCharacters`, a middleware, answers
  400 naming the parameter before a view runs (search boxes, filters and
  lookups by name never reach the database with NUL); **API bodies**: the
  API's parsers (`netkeep.api.parsers`) answer 400 naming the field;
- **form fields**: Django's and DRF's CharFields refuse NUL themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.deconstruct import deconstructible

NUL_MESSAGE = "Null characters are not allowed."
# C0 controls and DEL, except tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# One-line text (names, hostnames) holds no tab or line break either.
_ONE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def control_character(text: str) -> str | None:
    """The first control character in the text that no input should hold, or None."""
    found = _CONTROL.search(text)
    return found.group() if found else None


@deconstructible
class NoNul:
    """Refuses NUL, which PostgreSQL cannot store in text."""

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoNul)


@deconstructible
class NoControlCharacters:
    """Refuses control characters (NUL, tab, line breaks, escape, ...) in one-line text."""

    def __call__(self, value: object) -> None:
        if not isinstance(value, str):
            return
        found = _ONE_LINE_CONTROL.search(value)
        if found is None:
            return
        if found.group() == "\x00" or "\x00" in value:
            raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
        raise ValidationError(
            "This text holds a control character (U+%(code)04X): remove it.",
            code="control_character",
            params={"code": ord(found.group())},
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharacters)


def _project_models() -> Iterator[type[models.Model]]:
    """Models of Netkeep's own apps: the packages at the top of the checkout."""
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent == base:
            yield from config.get_models()


def protect_model_text_fields() -> None:
    """Give every text field of Netkeep's own models the validator it needs.

    Appended to the field's validators (not to the arguments it was built with),
    so migrations do not change; model forms, serializers and imports all run
    them through full_clean(). One-line fields (CharField and its kinds) refuse
    every control character; multi-line TextFields refuse NUL only.
    """
    for model in _project_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField):
                validator: Callable[[object], None] = NoNul()
            elif isinstance(field, models.CharField) and field.choices is None:
                validator = NoControlCharacters()
            else:
                continue
            if validator not in field.validators:
                field.validators.append(validator)


# --- query strings and API bodies ---------------------------------------------------


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def refused_fields(items: Iterator[tuple[str, object]]) -> dict[str, list[str]]:
    """{name: [message]} for each parameter or field whose text holds NUL or a control character."""
    errors: dict[str, list[str]] = {}
    for name, value in items:
        for text in [name, *_strings(value)]:
            found = control_character(text)
            if found is not None:
                errors[name] = [
                    NUL_MESSAGE
                    if found == "\x00"
                    else f"This text holds a control character (U+{ord(found):04X}): remove it."
                ]
                break
    return errors


def _query_items(request: HttpRequest) -> Iterator[tuple[str, list[str]]]:
    for name in request.GET:
        yield name, request.GET.getlist(name)


class RefuseControlCharacters:
    """A query string with NUL or control characters: 400 naming the parameter, before any view.

    Form posts to pages are left to their forms, which show the error beside the
    field; API bodies to the API's parsers (netkeep.api.parsers), which run after
    the permission check so a viewer's write is still a 403.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        errors = refused_fields(_query_items(request))
        if errors and request.path.startswith("/api/"):
            return JsonResponse(errors, status=400)
        if errors:
            lines = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
            return HttpResponse(
                "The address holds text that cannot be used:\n" + "\n".join(lines) + "\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
