"""The API's parsers: DRF's, refusing NUL and control characters in any field (400 naming it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, TypeVar

from django.utils.datastructures import MultiValueDict
from rest_framework import parsers, serializers

from netkeep.text import refused_fields

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.http.request import _ImmutableQueryDict

_Parsed = TypeVar("_Parsed")


def _checked(data: _Parsed) -> _Parsed:
    items: Iterable[tuple[str, object]]
    if isinstance(data, MultiValueDict):  # a form or multipart body (a QueryDict)
        items = data.lists()
    elif isinstance(data, dict):
        items = data.items()
    else:
        items = [("non_field_errors", data)]
    errors = refused_fields(iter(items))
    if errors:
        raise serializers.ValidationError(errors)
    return data


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, object] | None = None,
    ) -> dict[str, object]:
        return _checked(super().parse(stream, media_type, parser_context))


class FormParser(parsers.FormParser):
    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, object] | None = None,
    ) -> _ImmutableQueryDict:
        return _checked(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    """Form fields are checked; uploaded files are not read here (their rows run full_clean)."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, object] | None = None,
    ) -> parsers.DataAndFiles[_ImmutableQueryDict, MultiValueDict[str, UploadedFile]]:
        parsed = super().parse(stream, media_type, parser_context)
        _checked(parsed.data)
        return parsed
