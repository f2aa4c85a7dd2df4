"""`{% watch_button subnet %}`: the Watch / Unwatch button on an object's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from discovery import eventlog

register = template.Library()


def watching(obj: models.Model, user: Any, subject: eventlog.Subject) -> bool:
    known = obj.__dict__.get(eventlog.WATCHED)
    return bool(known) if known is not None else eventlog.is_watching(user, subject, obj.pk)


@register.inclusion_tag("discovery/_watch_button.html", takes_context=True)
def watch_button(context: dict[str, Any], obj: models.Model) -> dict[str, Any]:
    """Nothing for people who may not watch it; the state read with the object
    (eventlog.with_watched) or in one query."""
    subject = eventlog.subject_of(type(obj))
    request = context.get("request")
    if subject is None or request is None or not eventlog.may_watch(request.user, subject):
        return {"subject": None}
    return {
        "subject": subject,
        "pk": obj.pk,
        "watch_url": subject.watch_url(obj.pk),
        "watching": watching(obj, request.user, subject),
        "next": request.get_full_path(),
    }
