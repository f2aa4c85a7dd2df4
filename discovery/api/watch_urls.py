"""Your watches, mounted at /api/auth/watches beside the other personal endpoints."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from discovery.api.watches import WatchViewSet

router = SimpleRouter()
router.trailing_slash = "/?"
router.register("watches", WatchViewSet, basename="watch")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
