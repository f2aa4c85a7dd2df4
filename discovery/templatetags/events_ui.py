"""`{% watch_button subnet %}`: the Watch / Unwatch button on an object's page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from discovery import eventlog

register = template.Library()


@register.inclusion_tag("discovery/_watch_button.html", takes_context=True)
def watch_button(context: dict[str, Any], obj: models.Model) -> dict[str, Any]:
    """Nothing for people who may not watch it; one query for the state otherwise."""
    subject = eventlog.subject_of(type(obj))
    request = context.get("request")
    if subject is None or request is None or not eventlog.may_watch(request.user, subject):
        return {"subject": None}
    return {
        "subject": subject,
        "pk": obj.pk,
        "watch_url": subject.watch_url(obj.pk),
        "watching": eventlog.is_watching(request.user, subject, obj.pk),
        "next": request.get_full_path(),
    }
