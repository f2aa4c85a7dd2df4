"""The audit trail: model changes recorded with who, when, which fields and which door.

Models opt in with `register()`. The actor and the door come from a context
variable that the web middleware fills for each request, and that imports,
jobs and commands set with `audit.context(...)`.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeAlias

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.text import capfirst

from netkeep import bulk
from netkeep.types import saved_user

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import AuditEntry
    from netkeep.types import Actor

MASK = "••••••"

# A field's value as the trail stores it: JSON scalars, anything else as its text.
Value: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True)
class Context:
    door: str
    user: Actor = None
    request: HttpRequest | None = None

    def actor(self) -> Actor:
        # For the API the user is known only after DRF authenticates, which it
        # writes back onto the Django request; read it as late as possible.
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return user
        return self.user


@dataclass(frozen=True)
class Registration:
    exclude: frozenset[str] = field(default_factory=frozenset)
    secret: frozenset[str] = field(default_factory=frozenset)
    signals: bool = True


_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar("audit", default=None)
_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_muted", default=False)
_registry: dict[type[models.Model], Registration] = {}


@contextlib.contextmanager
def context(door: str, user: Actor = None, request: HttpRequest | None = None) -> Iterator[None]:
    """Attribute the changes made inside the block to this door and user."""
    token = _current.set(Context(door=door, user=user, request=request))
    try:
        yield
    finally:
        _current.reset(token)


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Record nothing per object inside the block: the caller writes one entry for the batch.

    For system-generated batches (a reconciliation check opening 63 items is one
    event, not 63); the caller describes it with `record()` after the block.
    """
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def register(
    model: type[models.Model],
    exclude: tuple[str, ...] = (),
    secret: tuple[str, ...] = (),
    signals: bool = True,
) -> None:
    """Record creates, changes and deletes of this model; never the values of `secret` fields.

    `signals=False` declares a model whose entries are only written by hand with
    `record()` (a config version viewed unmasked): it is an object type of the
    trail, but its saves are not recorded.
    """
    _registry[model] = Registration(
        exclude=frozenset(exclude), secret=frozenset(secret), signals=signals
    )


def object_types() -> list[ContentType]:
    """The kinds of object the trail records, for its filter: no internal tables."""
    types = ContentType.objects.get_for_models(*_registry).values()
    return sorted(types, key=type_label)


def type_label(content_type: ContentType) -> str:
    """The model's own name for itself, such as Subnet or API token."""
    model = content_type.model_class()
    name = model._meta.verbose_name if model is not None else content_type.model
    return capfirst(str(name))


def _snapshot(instance: models.Model, reg: Registration) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for f in instance._meta.concrete_fields:
        if f.name in reg.exclude or f.primary_key:
            continue
        value = getattr(instance, f.attname)
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        values[f.name] = value
    return values


def _mask(name: str, value: Value, reg: Registration) -> Value:
    if name in reg.secret:
        return MASK if value not in (None, "", b"") else ""
    return value


def _write(instance: models.Model, action: str, changes: Mapping[str, object]) -> None:
    from accounts.models import AuditEntry

    if _muted.get():
        return
    ctx = _current.get() or Context(door="job")
    user = ctx.actor()
    AuditEntry.objects.create(
        user=saved_user(user),
        username=getattr(user, "username", "") or "",
        door=ctx.door,
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
    )


def _pre_save(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kw: object
) -> None:
    reg = _registry.get(sender)
    if reg is None or not reg.signals or raw or instance.pk is None:
        return
    before = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _snapshot(before, reg) if before is not None else None  # type: ignore[attr-defined]


def _post_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kw: object,
) -> None:
    reg = _registry.get(sender)
    if reg is None or not reg.signals or raw:
        return
    after = _snapshot(instance, reg)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {k: [None, _mask(k, v, reg)] for k, v in after.items() if v not in (None, "")}
        _write(instance, "create", changes)
        return
    if update_fields:
        # Only these fields reached the database; other in-memory edits did not.
        after = {k: v for k, v in after.items() if k in update_fields}
    changes = {
        k: [_mask(k, before.get(k), reg), _mask(k, v, reg)]
        for k, v in after.items()
        if before.get(k) != v
    }
    if changes:
        _write(instance, "update", changes)
    instance._audit_before = {**before, **after}  # type: ignore[attr-defined]


def record(instance: models.Model, action: str, changes: Mapping[str, object]) -> None:
    """Write an entry by hand, for changes that bypass save() (bulk updates, raw SQL).

    `changes` maps field → [old, new]; mask secret values before passing them.
    """
    _write(instance, action, changes)


# (object id, its text, action, changes) of one object written in bulk.
Entry: TypeAlias = tuple[object, str, str, Mapping[str, object]]


def record_many(model: type[models.Model], entries: list[Entry]) -> None:
    """Write entries for a bulk write in batches: (object id, its text, action, changes).

    For imports that insert and update with bulk_create/bulk_update, which send
    no signals. Only registered models are recorded; mask secret values first.
    """
    from accounts.models import AuditEntry

    if model not in _registry or not entries:
        return
    ctx = _current.get() or Context(door="job")
    user = ctx.actor()
    content_type = ContentType.objects.get_for_model(model)
    common = {
        "user_id": saved.pk if (saved := saved_user(user)) else None,
        "username": getattr(user, "username", "") or "",
        "door": ctx.door,
        "content_type_id": content_type.pk,
    }
    # A plain multi-row INSERT: an import of 100,000 rows writes 100,000 entries.
    bulk.insert(
        AuditEntry,
        (
            {
                **common,
                "action": action,
                "object_id": str(pk),
                "object_repr": text[:200],
                "changes": changes,
            }
            for pk, text, action, changes in entries
        ),
    )


def _post_delete(sender: type[models.Model], instance: models.Model, **kw: object) -> None:
    reg = _registry.get(sender)
    if reg is None or not reg.signals:
        return
    _write(instance, "delete", {})


# --- reading the trail ----------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A value as the trail page shows it: text, and a link when the object still exists."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class ShownChange:
    """One changed field: its label, the old value (None for a new object) and the new one."""

    label: str
    old: Shown | None
    new: Shown


@dataclass(frozen=True)
class ShownEntry:
    """An entry with its object linked and its changes readable (names, not ids)."""

    entry: AuditEntry
    type_label: str
    target: Shown
    changes: list[ShownChange]


def _url(obj: models.Model | None) -> str:
    get_url = getattr(obj, "get_absolute_url", None)
    return str(get_url()) if get_url is not None else ""


def _related_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _plain(value: object, model_field: models.Field | None) -> Shown:
    if value is None or value == "":
        return Shown("—")
    if isinstance(value, bool):
        return Shown("yes" if value else "no")
    if model_field is not None and model_field.choices:
        return Shown(str(dict(model_field.flatchoices).get(value, value)))
    return Shown(str(value))


def present(entries: Iterable[AuditEntry]) -> list[ShownEntry]:
    """Entries ready for the page: objects and foreign keys by name, with links.

    A change to a foreign key is stored as the related object's id; it is shown
    by that object's name, or "#id (deleted)" once the object is gone. The
    objects are fetched in one query per model on the page, not one per row.
    """
    entries = list(entries)
    wanted: dict[type[models.Model], set[object]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        if model is not None:
            wanted[model].add(entry.object_id)
        for name, pair in (entry.changes or {}).items():
            related = _related_field(model, name)
            if related is None or related.related_model is None or not isinstance(pair, list):
                continue
            wanted[related.related_model].update(v for v in pair if v not in (None, ""))
    found: dict[type[models.Model], dict[str, models.Model]] = {}
    for model, ids in wanted.items():
        pk_field = model._meta.pk
        assert pk_field is not None
        clean = []
        for one in ids:
            try:
                clean.append(pk_field.to_python(one))
            except ValidationError:
                continue
        found[model] = {str(k): v for k, v in model._default_manager.in_bulk(clean).items()}

    def related_value(model: type[models.Model], value: object) -> Shown:
        if value is None or value == "":
            return Shown("—")
        obj = found.get(model, {}).get(str(value))
        if obj is None:
            return Shown(f"#{value} (deleted)")
        return Shown(str(obj), _url(obj))

    shown = []
    for entry in entries:
        model = entry.content_type.model_class()
        target = found.get(model, {}).get(entry.object_id) if model is not None else None
        changes = []
        for name, pair in (entry.changes or {}).items():
            model_field = _related_field(model, name)
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            label = capfirst(str(model_field.verbose_name)) if model_field else name
            if model_field is not None and model_field.related_model is not None:
                related_model = model_field.related_model
                assert isinstance(related_model, type)
                show = partial(related_value, related_model)
            else:
                show = partial(_plain, model_field=model_field)
            changes.append(ShownChange(label, None if old is None else show(old), show(new)))
        shown.append(
            ShownEntry(
                entry=entry,
                type_label=type_label(entry.content_type),
                target=Shown(entry.object_repr, _url(target)),
                changes=changes,
            )
        )
    return shown


def connect() -> None:
    pre_save.connect(_pre_save, dispatch_uid="audit.pre_save")
    post_save.connect(_post_save, dispatch_uid="audit.post_save")
    post_delete.connect(_post_delete, dispatch_uid="audit.post_delete")
