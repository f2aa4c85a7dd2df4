"""Inventory API, mounted at /api/inventory/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from inventory.api import views

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("devices", views.DeviceViewSet, basename="device")
router.register("sites", views.SiteViewSet)
router.register("credential-sets", views.CredentialSetViewSet)
router.register("service-checks", views.ServiceCheckViewSet)

urlpatterns: list[URLPattern | URLResolver] = [
    path("services", views.ServicesView.as_view(), name="services"),
    *router.urls,
]
