"""`{% jinja "name" %}`: a Jinja2 fragment (netkeep/jinja.py) in a Django template."""

from __future__ import annotations

from typing import Any

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context: template.Context, name: str) -> SafeString:
    """The fragment rendered with this template's variables, autoescaped by Jinja2."""
    fragment = engines["jinja2"].get_template(name)
    request = context.get("request")
    # Jinja2 escaped every value already: the joined markup is safe as it stands.
    variables: dict[str, Any] = {str(k): v for k, v in context.flatten().items()}
    return mark_safe(fragment.render(variables, request))  # noqa: S308
