"""Every API list costs the same number of queries for 2 rows as for 10: no query per row.

The lists are found by walking the URL patterns, so a new app's endpoints are
checked without touching this file. Rows come from a factory below when one
exists for the model, else from a generic filler; a model neither can fill
fails the test with its name, so that someone adds a factory.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from ipam.models import VLAN, VRF, Host, Subnet, Tag
from tests.conftest import bearer, token_for
from tests.factories import make_subnet
from tests.test_foundation_api import list_endpoints

ROWS = 12


def _tags(count: int) -> list[Tag]:
    return [Tag.objects.get_or_create(name=f"qc-{i}")[0] for i in range(count)]


def _ipam_rows(model: type[models.Model], count: int) -> None:
    vrf = VRF.objects.get_or_create(name="qc-vrf")[0]
    vlan = VLAN.objects.get_or_create(vid=77, name="qc-vlan")[0]
    tags = _tags(2)
    if model is VRF:
        VRF.objects.bulk_create([VRF(name=f"qc-vrf-{i}") for i in range(count)])
    elif model is VLAN:
        for i in range(count):
            VLAN.objects.create(vid=100 + i, name=f"qc-{i}").tags.set(tags)
    elif model is Tag:
        _tags(count)
    elif model is Subnet:
        start = Subnet.objects.count()
        for i in range(start, start + count):
            make_subnet(f"10.99.{i}.0/24", vrf=vrf, vlan=vlan).tags.set(tags)
    elif model is Host:
        subnet = Subnet.objects.filter(network="10.98.0.0/24").first()
        subnet = subnet or make_subnet("10.98.0.0/24", vrf=vrf, vlan=vlan)
        start = Host.objects.count()
        for i in range(start, start + count):
            host = Host(address=f"10.98.0.{i + 1}", subnet=subnet, hostname=f"h{i}")
            host.save()
            host.tags.set(tags)


def _import_batches(model: type[models.Model], count: int) -> None:
    """Import batches are listed per user: make them the signed-in admin's."""
    from accounts.models import User
    from netkeep.models import ImportBatch

    owner = User.objects.get(username="alice")
    for i in range(count):
        ImportBatch.objects.create(kind="hosts", mode="skip", user=owner, filename=f"qc-{i}.csv")


def _watches(model: type[models.Model], count: int) -> None:
    """Watches are listed per user: the signed-in admin's, on hosts."""
    from netkeep.models import Watch

    owner = User.objects.get(username="alice")
    _ipam_rows(Host, count)
    host_type = ContentType.objects.get_for_model(Host)
    for pk in Host.objects.order_by("pk").values_list("pk", flat=True)[:count]:
        Watch.objects.get_or_create(user=owner, content_type=host_type, object_id=str(pk))


FACTORIES: dict[type[models.Model], Callable[[type[models.Model], int], None]] = dict.fromkeys(
    (VRF, VLAN, Tag, Subnet, Host), _ipam_rows
)
FACTORIES[__import__("netkeep.models", fromlist=["ImportBatch"]).ImportBatch] = _import_batches
FACTORIES[__import__("netkeep.models", fromlist=["Watch"]).Watch] = _watches


def _value(field: models.Field[Any, Any], i: int) -> Any:
    """A valid value for a required field of the generic filler."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey):
        related = field.related_model
        assert isinstance(related, type)
        if related is ContentType:
            return ContentType.objects.get_for_model(Host)
        existing = related._default_manager.first()
        if existing is None:
            _fill(related, 1)
            existing = related._default_manager.first()
        return existing
    if isinstance(field, models.GenericIPAddressField):
        return f"192.0.2.{i + 1}"
    if isinstance(field, models.EmailField):
        return f"qc{i}@example.org"
    if isinstance(field, models.URLField):
        return f"https://example.org/{i}"
    if isinstance(field, (models.CharField, models.TextField)):
        return f"qc-{i}"[: field.max_length or 100]
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        return i + 1
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b""
    raise AssertionError(f"no value for {field}: add a factory for {field.model.__name__}")


def _fill(model: type[models.Model], count: int) -> None:
    if model in FACTORIES:
        FACTORIES[model](model, count)
        return
    for i in range(count):
        values = {}
        for field in model._meta.concrete_fields:
            if field.primary_key or field.null or field.has_default() or field.blank:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                continue
            name = field.name if isinstance(field, models.ForeignKey) else field.attname
            values[name] = _value(field, i)
        try:
            model._default_manager.create(**values)
        except Exception as error:
            raise AssertionError(
                f"the generic filler cannot make a {model.__name__} ({error}): add a factory"
            ) from error


def _model_of(view: Any) -> type[models.Model]:
    """The model a list shows: its queryset's, or its serializer's for per-user querysets."""
    if getattr(view, "queryset", None) is not None:
        return view.queryset.model  # type: ignore[no-any-return]
    return view.serializer_class.Meta.model  # type: ignore[no-any-return]


def _queries(client: APIClient, path: str, size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"page_size": size})
    assert response.status_code == 200, f"{path} -> {response.status_code}"
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body  # the services view: a list
    return len(captured.captured_queries), len(rows)


def test_every_api_list_costs_the_same_queries_for_2_rows_as_for_10(alice: User) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "alice")["access"])
    per_row = []
    for path in list_endpoints():
        model = _model_of(resolve(path).func.cls)  # type: ignore[attr-defined]
        if model._default_manager.count() < ROWS:
            _fill(model, ROWS)
        small, small_rows = _queries(client, path, 2)
        large, large_rows = _queries(client, path, 10)
        assert (small_rows, large_rows) == (2, 10), f"{path}: the filler made too few rows"
        if large != small:
            per_row.append(f"{path}: {small} queries for 2 rows, {large} for 10")
    assert not per_row, "lists with a query per row:\n" + "\n".join(per_row)


def _nested_lists(owner: User) -> list[tuple[str, Callable[[int], None]]]:
    """The lists that are not a viewset's `list`: one object's log or rows, the services view."""
    from inventory.models import ServiceCheck
    from netkeep.models import Event, ImportBatch, ImportRow, Webhook, WebhookDelivery

    hook = Webhook.objects.create(name="qc", url="https://example.org/hook", kinds=["host_up"])
    batch = ImportBatch.objects.create(kind="hosts", mode="skip", user=owner, filename="qc.csv")

    def deliveries(count: int) -> None:
        for _ in range(count):
            event = Event.objects.create(kind="host_up", object_repr="qc")
            WebhookDelivery.objects.create(webhook=hook, event=event, status_code=200)

    def rows(count: int) -> None:
        start = batch.rows.count()
        ImportRow.objects.bulk_create(
            ImportRow(batch=batch, line=start + i, action="create", label=f"qc-{start + i}")
            for i in range(count)
        )

    def checks(count: int) -> None:
        start = ServiceCheck.objects.count()
        for i in range(start, start + count):
            ServiceCheck.objects.create(name=f"qc-{i}", url=f"https://example.org/{i}")

    return [
        (f"/api/webhooks/{hook.pk}/deliveries", deliveries),
        (f"/api/imports/{batch.pk}/rows", rows),
        ("/api/inventory/services", checks),
    ]


def test_one_objects_lists_and_the_services_view_cost_the_same_queries_for_2_rows_as_for_10(
    alice: User,
) -> None:
    client = bearer(APIClient(), token_for(APIClient(), "alice")["access"])
    per_row = []
    for path, fill in _nested_lists(alice):
        fill(2)
        small, small_rows = _queries(client, path, 2)
        fill(8)
        large, large_rows = _queries(client, path, 10)
        assert (small_rows, large_rows) == (2, 10), path
        if large != small:
            per_row.append(f"{path}: {small} queries for 2 rows, {large} for 10")
    assert not per_row, "lists with a query per row:\n" + "\n".join(per_row)
