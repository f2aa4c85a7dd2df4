"""Netkeep's own API, mounted at /api/: webhooks."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from netkeep.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("webhooks", views.WebhookViewSet)

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
