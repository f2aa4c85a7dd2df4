"""IPAM API, mounted at /api/ipam/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from ipam.api import views

router = SimpleRouter()
# Both /api/ipam/subnets and /api/ipam/subnets/ (like the auth endpoints, no slash needed).
router.trailing_slash = "/?"
router.register("vrfs", views.VRFViewSet)
router.register("vlans", views.VLANViewSet)
router.register("tags", views.TagViewSet)
router.register("subnets", views.SubnetViewSet)
router.register("hosts", views.HostViewSet)

urlpatterns: list[URLPattern | URLResolver] = [
    path("import", views.ImportView.as_view(), name="import"),
    *router.urls,
]
