"""The events page, mounted at /events/."""

from functools import partial

from django.urls import path

from discovery import event_views
from discovery.eventlog import SUBJECTS

app_name = "events"

urlpatterns = [
    path("", event_views.event_list, name="list"),
    # One address per kind of watchable object: /events/watch/subnet/3/, host, device.
    *(
        path(
            f"watch/{s.label}/<int:pk>/",
            partial(event_views.watch, label=s.label),
            name=f"{s.label}_watch",
        )
        for s in SUBJECTS.values()
        if s.watchable
    ),
]
