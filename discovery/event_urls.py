"""The events page, mounted at /events/."""

from django.urls import path

from discovery import event_views

app_name = "events"

urlpatterns = [
    path("", event_views.event_list, name="list"),
    path("watch/<slug:label>/<int:pk>/", event_views.watch, name="watch"),
]
