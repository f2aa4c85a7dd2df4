"""Inventory API, mounted at /api/inventory/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from inventory.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("devices", views.DeviceViewSet, basename="device")
router.register("sites", views.SiteViewSet)
router.register("credential-sets", views.CredentialSetViewSet)

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
