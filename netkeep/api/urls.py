"""Netkeep's own API, mounted at /api/: webhooks."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from netkeep.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("webhooks", views.WebhookViewSet)
router.register("imports", views.ImportBatchViewSet, basename="importbatch")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
