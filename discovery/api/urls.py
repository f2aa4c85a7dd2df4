"""Discovery API, mounted at /api/discovery/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from discovery.api import views
from netkeep.api.views import DiscoveryWebhookViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("runs", views.RunViewSet)
router.register("ports", views.OpenPortViewSet)
router.register("events", views.EventViewSet)
router.register("history", views.HostHistoryViewSet, basename="history")
# Webhooks moved to /api/webhooks; the old address keeps working for existing clients.
router.register("webhooks", DiscoveryWebhookViewSet, basename="webhook")

urlpatterns: list[URLPattern | URLResolver] = [
    path("ping", views.PingView.as_view(), name="ping"),
    path("scan", views.ScanView.as_view(), name="scan"),
    *router.urls,
]
