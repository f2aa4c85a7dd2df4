"""The edit and delete pages every app's objects share (ipam, inventory, backups).

A view fetches its object, checks its permission and builds its form; these two
functions do the rest the same way everywhere: save and go to the object, or show
the form with its errors; confirm, then delete, showing a model's refusal on the
page (409), never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ProtectedError
from django.forms import ModelForm
from django.http import HttpResponse
from django.shortcuts import redirect, render

from netkeep.types import AuthedRequest


def edit(
    request: AuthedRequest,
    form: ModelForm[Any],
    *,
    title: str,
    cancel: str,
    noun: str,
    success: Callable[[Any], str] | None = None,
    crumbs: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """Save a bound, valid form and go to the object; otherwise show the form with its errors.

    `crumbs` are the (text, URL) links of the path above the form; the title ends it.
    """
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, f"{noun} {obj} saved.")
        return redirect(success(obj) if success else obj.get_absolute_url())
    context = {"form": form, "title": title, "cancel": cancel, "crumbs": crumbs or []}
    return render(request, "ipam/object_form.html", context)


def delete(
    request: AuthedRequest, obj: models.Model, *, noun: str, after: str, cancel: str
) -> HttpResponse:
    """Confirm, then delete; a refusal from the model is shown on the page, never a 500."""
    error = ""
    if request.method == "POST":
        try:
            obj.delete()
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        except ProtectedError as refusal:
            count = len(refusal.protected_objects)
            error = f"{noun} {obj} is still used by {count} object(s): move or delete them first."
        else:
            messages.success(request, f"{noun} {obj} deleted.")
            return redirect(after)
    context = {"object": obj, "noun": noun, "error": error, "cancel": cancel}
    return render(request, "ipam/confirm_delete.html", context, status=409 if error else 200)
