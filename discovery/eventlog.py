"""The event log as people read it: which objects events are about, filters, and watches.

Events point at their object through a content type and an id (netkeep knows no
app). This module knows the apps: for each kind of object ("subject") it knows
the page that shows it, the site it belongs to, and which other objects contain
it, so that "events at site hq" or "events of subnet 198.18.0.0/24" include the
events of its hosts and of the service checks on them. Every filter is a
subquery on primary keys: the page costs the same queries for one event as for
a million.

A watch (netkeep's ``Watch``) is personal: anyone who may read events and the
object may watch it. Watched objects' events are shown first on the events page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from inventory.models import Device, ServiceCheck
from ipam.models import Host, Site, Subnet
from netkeep.filtering import FilterSet, StrictBooleanSelect
from netkeep.models import Event, EventKind, Watch
from netkeep.params import parse_pk


@dataclass(frozen=True)
class Subject:
    """A kind of object events are about, and how it relates to sites and to other objects."""

    label: str  # the word in ?object=host:12 and in /events/watch/host/12/
    model: type[models.Model]
    plural: str
    url_name: str
    sites: tuple[str, ...] = ()  # lookups from the object to its site's id
    # Objects that contain this one: their label → lookups from this object to them.
    within: dict[str, tuple[str, ...]] = field(default_factory=dict)
    watchable: bool = False

    def watch_url(self, pk: int) -> str:
        return reverse(f"events:{self.label}_watch", args=[pk])


SUBJECTS: dict[str, Subject] = {
    s.label: s
    for s in (
        Subject("subnet", Subnet, "Subnets", "ipam:subnet_detail", ("site",), watchable=True),
        Subject(
            "host",
            Host,
            "Hosts",
            "ipam:host_detail",
            ("subnet__site",),
            # A device's addresses: its interfaces' and its management address.
            {"subnet": ("subnet",), "device": ("interfaces__device", "managed_devices")},
            watchable=True,
        ),
        Subject("device", Device, "Devices", "inventory:device_detail", ("site",), watchable=True),
        Subject(
            "check",
            ServiceCheck,
            "Service checks",
            "inventory:check_detail",
            ("device__site", "host__subnet__site"),
            {"device": ("device",), "host": ("host",), "subnet": ("host__subnet",)},
        ),
    )
}
OBJECT_HELP = "A type and an id, e.g. host:12 or subnet:3 (types: " + ", ".join(SUBJECTS) + ")."
PERIODS = {
    "1h": ("Last hour", timedelta(hours=1)),
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
}
# Watched objects' newest events shown above the stream.
WATCHED_FIRST = 10


def subject_of(model: type[models.Model] | None) -> Subject | None:
    return next((s for s in SUBJECTS.values() if s.model is model), None)


def _content_type(subject: Subject) -> ContentType:
    return ContentType.objects.get_for_model(subject.model)


def _pk_texts(objects: QuerySet[Any]) -> QuerySet[Any]:
    """The objects' primary keys as text: Event.object_id is text."""
    return objects.annotate(pk_text=Cast("pk", CharField())).values("pk_text")


def about(label: str, pks: Iterable[int]) -> Q:
    """Events of these objects and of everything they contain (a subnet's hosts, ...)."""
    ids = sorted(set(pks))
    condition = Q(content_type=_content_type(SUBJECTS[label]), object_id__in=[str(i) for i in ids])
    for other in SUBJECTS.values():
        for lookup in other.within.get(label, ()):
            inside = other.model._default_manager.filter(**{f"{lookup}__in": ids})
            condition |= Q(content_type=_content_type(other), object_id__in=_pk_texts(inside))
    return condition


def at_site(site: Site) -> Q:
    """Events of every object that belongs to the site."""
    condition = Q(pk__in=[])
    for subject in SUBJECTS.values():
        for lookup in subject.sites:
            objects = subject.model._default_manager.filter(**{lookup: site.pk})
            condition |= Q(content_type=_content_type(subject), object_id__in=_pk_texts(objects))
    return condition


def watches_of(user: Any) -> dict[str, list[int]]:
    """A user's watches by subject label: {"subnet": [3, 5], "host": [12]}."""
    if not getattr(user, "is_authenticated", False):
        return {}
    by_type = {_content_type(s).pk: s.label for s in SUBJECTS.values() if s.watchable}
    watched: dict[str, list[int]] = {}
    for type_id, object_id in Watch.objects.filter(user=user).values_list(
        "content_type_id", "object_id"
    ):
        pk = parse_pk(object_id)
        if type_id in by_type and pk is not None:
            watched.setdefault(by_type[type_id], []).append(pk)
    return watched


def watched(watches: dict[str, list[int]]) -> Q | None:
    """Events of the watched objects (and what they contain), or None when nothing is watched."""
    conditions = [about(label, pks) for label, pks in watches.items()]
    if not conditions:
        return None
    condition = conditions[0]
    for more in conditions[1:]:
        condition |= more
    return condition


def parse_object(text: str) -> tuple[str, int]:
    """`host:12` → ("host", 12); anything else is a ValidationError that says what to write."""
    label, _, pk_text = text.strip().partition(":")
    pk = parse_pk(pk_text)
    if label.strip().lower() not in SUBJECTS or pk is None:
        raise ValidationError(
            "“%(value)s” is not an object: write %(help)s",
            code="invalid",
            params={"value": text, "help": OBJECT_HELP[0].lower() + OBJECT_HELP[1:]},
        )
    return label.strip().lower(), pk


class ObjectField(forms.CharField):
    """`type:id` of one object; an error names the types there are."""

    def clean(self, value: Any) -> tuple[str, int] | None:
        text = super().clean(value)
        return parse_object(text) if text else None


class ObjectFilter(django_filters.Filter):
    field_class = ObjectField


class WatchedSelect(StrictBooleanSelect):
    """Any / only watched / all but watched, in words."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [
            ("", "All objects"),
            ("true", "Only what I watch"),
            ("false", "All but what I watch"),
        ]


class EventFilter(FilterSet):
    """Events by kind, type of object, one object (with what it contains), site and time."""

    kind = django_filters.ChoiceFilter(
        choices=EventKind.choices, empty_label="Any kind", label="Kind"
    )
    type = django_filters.ChoiceFilter(
        choices=[(s.label, s.plural) for s in SUBJECTS.values()],
        method="of_type",
        empty_label="Any object",
        label="Object type",
    )
    object = ObjectFilter(
        method="of_object",
        label="Object",
        help_text=OBJECT_HELP,
        widget=forms.TextInput(attrs={"placeholder": "host:12", "title": OBJECT_HELP}),
    )
    name = django_filters.CharFilter(
        field_name="object_repr", lookup_expr="icontains", label="Name contains"
    )
    site = django_filters.ModelChoiceFilter(
        queryset=Site.objects.all(),
        method="of_site",
        empty_label="Any site",
        label="Site",
        error_messages={
            "invalid_choice": "No site has the id “%(value)s”: pick one from the list."
        },
    )
    period = django_filters.ChoiceFilter(
        choices=[(key, text) for key, (text, _) in PERIODS.items()],
        method="in_period",
        empty_label="Any time",
        label="Time",
    )
    since = django_filters.IsoDateTimeFilter(
        field_name="at",
        lookup_expr="gte",
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="at",
        lookup_expr="lt",
        label="Until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    watched = django_filters.BooleanFilter(method="of_watched", label="Watched")

    class Meta:
        model = Event
        fields = ["kind", "type", "object", "name", "site", "period", "since", "until", "watched"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["watched"].extra["widget"] = WatchedSelect

    def of_type(self, events: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        return events.filter(content_type=_content_type(SUBJECTS[value])) if value else events

    def of_object(
        self, events: QuerySet[Event], name: str, value: tuple[str, int] | None
    ) -> QuerySet[Event]:
        return events.filter(about(value[0], [value[1]])) if value else events

    def of_site(self, events: QuerySet[Event], name: str, value: Site | None) -> QuerySet[Event]:
        return events.filter(at_site(value)) if value is not None else events

    def in_period(self, events: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        return events.filter(at__gte=timezone.now() - PERIODS[value][1]) if value else events

    def of_watched(self, events: QuerySet[Event], name: str, value: bool | None) -> QuerySet[Event]:
        if value is None:
            return events
        condition = watched(watches_of(getattr(self.request, "user", None)))
        if condition is None:
            return events.none() if value else events
        return events.filter(condition) if value else events.exclude(condition)


def object_url(event: Event) -> str | None:
    """The page of the event's object, without loading it (None for kinds without a page)."""
    if event.content_type is None:
        return None
    subject = subject_of(event.content_type.model_class())
    pk = parse_pk(event.object_id)
    return reverse(subject.url_name, args=[pk]) if subject and pk is not None else None


def may_watch(user: Any, subject: Subject) -> bool:
    return subject.watchable and roles.may_watch(user, subject.model)


EVENTS_PAGE = 50


@dataclass(frozen=True)
class Row:
    """One event as the events page shows it."""

    event: Event
    subject: Subject | None
    url: str | None
    watched: bool

    @property
    def details(self) -> str:
        return self.event.summary


@dataclass(frozen=True)
class Watched:
    """One object a person watches, for the list above the stream."""

    subject: Subject
    pk: int
    name: str | None  # None: the object is gone
    url: str

    @property
    def watch_url(self) -> str:
        return self.subject.watch_url(self.pk)


def _rows(events: Iterable[Event], condition: Q | None) -> list[Row]:
    events = list(events)
    marked: set[int] = set()
    if condition is not None and events:
        found = Event.objects.filter(condition, pk__in=[e.pk for e in events])
        marked = set(found.values_list("pk", flat=True))
    rows = []
    for event in events:
        model = event.content_type.model_class() if event.content_type else None
        rows.append(
            Row(event, subject_of(model) if model else None, object_url(event), event.pk in marked)
        )
    return rows


def watched_objects(watches: dict[str, list[int]]) -> list[Watched]:
    """The watched objects with their names (one query per type)."""
    listed = []
    for label, pks in watches.items():
        subject = SUBJECTS[label]
        names = {o.pk: str(o) for o in subject.model._default_manager.filter(pk__in=pks)}
        for pk in pks:
            url = reverse(subject.url_name, args=[pk])
            listed.append(Watched(subject, pk, names.get(pk), url))
    return listed


def listing(request: Any) -> dict[str, Any]:
    """The events page: the filtered stream, paged, with watched objects' events first."""
    found = EventFilter(
        request.GET, queryset=Event.objects.select_related("content_type"), request=request
    )
    events = found.qs if found.is_valid() else Event.objects.none()
    page = Paginator(events, EVENTS_PAGE).get_page(request.GET.get("page"))
    watches = watches_of(request.user)
    condition = watched(watches)
    first: list[Row] = []
    only_watched = found.is_valid() and found.form.cleaned_data.get("watched") is not None
    if condition is not None and page.number == 1 and not only_watched:
        first = _rows(events.filter(condition)[:WATCHED_FIRST], condition)
    return {
        "filter": found,
        "page": page,
        "rows": _rows(page.object_list, condition),
        "watched_first": first,
        "watching": watched_objects(watches),
    }


def _watches(user: Any, subject: Subject, object_id: Any) -> QuerySet[Watch]:
    """The user's watch on one object: `object_id` is its pk as text, or an expression."""
    return Watch.objects.filter(user=user, content_type=_content_type(subject), object_id=object_id)


def is_watching(user: Any, subject: Subject, pk: int) -> bool:
    return _watches(user, subject, str(pk)).exists()


# The annotation with_watched adds: whether the request's user watches the object.
WATCHED = "watched_by_user"


def with_watched(objects: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """`objects` with whether `user` watches each, in the same query (the watch button's).

    An object page then needs no query of its own for its Watch / Unwatch button.
    """
    subject = subject_of(objects.model)
    if subject is None or not getattr(user, "is_authenticated", False):
        return objects
    watches = _watches(user, subject, Cast(models.OuterRef("pk"), CharField()))
    return objects.annotate(**{WATCHED: models.Exists(watches)})


def set_watch(user: Any, subject: Subject, pk: int, on: bool) -> bool:
    """Watch (the object must exist) or stop watching (even a deleted one); returns the state."""
    key = {"user": user, "content_type": _content_type(subject), "object_id": str(pk)}
    if not on:
        Watch.objects.filter(**key).delete()
        return False
    if not subject.model._default_manager.filter(pk=pk).exists():
        raise ObjectDoesNotExist(f"There is no {subject.label} {pk} to watch.")
    Watch.objects.get_or_create(**key)
    return True
