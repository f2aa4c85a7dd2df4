"""The events page (/events/) and the watch button on subnet, host and device pages."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from discovery import eventlog
from netkeep.types import AuthedRequest


@permission_required("netkeep.view_event", raise_exception=True)
def event_list(request: AuthedRequest) -> HttpResponse:
    template = "discovery/_event_table.html" if request.htmx else "discovery/event_list.html"
    return render(request, template, eventlog.listing(request))


@require_POST
def watch(request: AuthedRequest, label: str, pk: int) -> HttpResponse:
    """POST watch=on|off: start or stop watching the object; htmx gets the button back."""
    subject = eventlog.SUBJECTS[label]  # the URL names only watchable kinds
    if not eventlog.may_watch(request.user, subject):
        raise PermissionDenied
    wanted = request.POST.get("watch", "")
    if wanted not in ("on", "off"):
        return HttpResponseBadRequest("Send watch=on to watch or watch=off to stop watching.")
    try:
        watching = eventlog.set_watch(request.user, subject, pk, wanted == "on")
    except ObjectDoesNotExist as error:
        raise Http404(str(error)) from None
    back = request.POST.get("next", "")
    if request.htmx:
        context = {
            "subject": subject,
            "pk": pk,
            "watch_url": subject.watch_url(pk),
            "watching": watching,
            "next": back,
        }
        return render(request, "discovery/_watch_button.html", context)
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "events:list"
    return redirect(back)
