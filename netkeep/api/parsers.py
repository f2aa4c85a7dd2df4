"""The API's parsers: DRF's, refusing NUL and control characters in any field (400 naming it)."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers, serializers

from netkeep.text import refused_fields


def _checked(data: Any) -> Any:
    items = (
        data.lists()
        if hasattr(data, "lists")
        else data.items()
        if isinstance(data, dict)
        else [("non_field_errors", data)]
    )
    errors = refused_fields(iter(items))
    if errors:
        raise serializers.ValidationError(errors)
    return data


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return _checked(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return _checked(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """Form fields are checked; uploaded files are not read here (their rows run full_clean)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _checked(parsed.data)
        return parsed
