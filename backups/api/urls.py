"""Backups API, mounted at /api/backups/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from backups.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("versions", views.ConfigVersionViewSet, basename="configversion")
router.register("schedules", views.BackupScheduleViewSet)

urlpatterns: list[URLPattern | URLResolver] = [
    path("compare", views.CompareView.as_view(), name="compare"),
    path("search", views.SearchView.as_view(), name="search"),
    path("trigger", views.TriggerView.as_view(), name="trigger"),
    path("statistics", views.StatisticsView.as_view(), name="statistics"),
    *router.urls,
]
