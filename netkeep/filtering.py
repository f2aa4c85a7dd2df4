"""Filtering of lists (HTML and API): a value the filter does not understand is an error.

django-filter, left to itself, differs from what a user expects in two ways:

- a boolean filter maps any text it does not know (``enabled=-1``) to "no
  filter", so a typo silently answers the whole list;
- its API backend formats every error message with ``%``, so a message that
  quotes the input (``within=%s``) raises TypeError and the request answers 500.

Every FilterSet of Netkeep derives from :class:`FilterSet` here, and the API's
filter backend, :class:`FilterBackend`, applies the same rules to the FilterSets
it builds from ``filterset_fields`` and to any FilterSet that forgot the base.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.utils import ErrorDict
from django_filters import rest_framework as drf_filters
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.request import Request
from rest_framework.views import APIView

_M = TypeVar("_M", bound=Model)
_F = TypeVar("_F", bound=django_filters.FilterSet)

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}
# The HTML select's "any" option, and an empty parameter.
_ANY = {"", "unknown"}


class StrictBooleanSelect(forms.NullBooleanSelect):
    """The yes/no/any select, handing the field the raw text so it can refuse it."""

    def value_from_datadict(
        self, data: Mapping[str, object], files: Mapping[str, object], name: str
    ) -> Any:  # the raw text, not the bool | None Django's select gives
        return data.get(name)


class StrictBooleanField(forms.NullBooleanField):
    """true/false/1/0 (any case), or nothing; anything else is a field error."""

    widget = StrictBooleanSelect

    def to_python(self, value: object) -> bool | None:  # type: ignore[override]
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if text in _ANY:
            return None
        raise ValidationError(
            "“%(value)s” is not a yes/no value: use true or false.",
            code="invalid",
            params={"value": value},
        )


class StrictFilterMixin:
    """Swaps every boolean filter's field for one that refuses unknown text."""

    filters: dict[str, django_filters.Filter]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for one in self.filters.values():
            if isinstance(one, django_filters.BooleanFilter):
                one.field_class = StrictBooleanField
                one.extra["widget"] = StrictBooleanSelect


class FilterSet(StrictFilterMixin, django_filters.FilterSet):
    """The base of every Netkeep FilterSet (HTML lists and API alike)."""


def any_labels(filterset: _F) -> _F:
    """Filter selects read "Any" rather than a row of dashes when nothing is chosen."""
    for field in filterset.form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = "Any"
            field.widget.choices = field.choices  # the widget keeps its own copy
    return filterset


class _APIFilterSet(StrictFilterMixin, drf_filters.FilterSet):
    """What the API builds from a view's `filterset_fields`."""


def field_errors(errors: ErrorDict) -> dict[str, list[ErrorDetail]]:
    """A form's errors as DRF field errors, formatted the way Django formats them.

    Django fills a message's placeholders only when it has params; text the
    user typed (say "%s") is never treated as a placeholder.
    """
    return {
        field: [
            ErrorDetail(message, code=error.code)
            for error in error_list
            for message in error.messages
        ]
        for field, error_list in errors.as_data().items()
    }


class FilterBackend(drf_filters.DjangoFilterBackend):
    """django-filter's backend: strict values everywhere, errors answered as 400 field errors."""

    filterset_base = _APIFilterSet

    def get_filterset_class(
        self, view: APIView, queryset: QuerySet[Model] | None = None
    ) -> type[django_filters.FilterSet] | None:
        filterset_class = super().get_filterset_class(view, queryset)
        if filterset_class is not None and not issubclass(filterset_class, StrictFilterMixin):
            filterset_class = _strict(filterset_class)
        return filterset_class

    def filter_queryset(
        self, request: Request, queryset: QuerySet[_M], view: APIView
    ) -> QuerySet[_M]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise serializers.ValidationError(field_errors(filterset.errors))
        return filterset.qs


_STRICT: dict[type, type] = {}


def _strict(filterset_class: type) -> type:
    if filterset_class not in _STRICT:
        _STRICT[filterset_class] = type(
            filterset_class.__name__,
            (StrictFilterMixin, filterset_class),
            {"__module__": filterset_class.__module__, "__doc__": filterset_class.__doc__},
        )
    return _STRICT[filterset_class]
