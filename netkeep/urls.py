"""Top-level URLs: pages per app, the API under /api/, admin, health."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from netkeep import health, views

api_patterns: list[URLPattern | URLResolver] = [
    path("auth/", include(("accounts.api.urls", "auth"))),
    path("auth/", include(("discovery.api.watch_urls", "watches"))),
    path("ipam/", include(("ipam.api.urls", "ipam"))),
    path("inventory/", include(("inventory.api.urls", "inventory"))),
    path("discovery/", include(("discovery.api.urls", "discovery"))),
    path("backups/", include(("backups.api.urls", "backups"))),
    path("jobs/", include(("netkeep.jobs.api", "jobs"))),
    path("", include("netkeep.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # No Redoc: it needs inline styles and fetches its logo from a CDN.
]

webhook_patterns: list[URLPattern | URLResolver] = [
    path("", views.webhook_list, name="webhook_list"),
    path("new/", views.webhook_edit, name="webhook_create"),
    path("<int:pk>/", views.webhook_edit, name="webhook_edit"),
    path("<int:pk>/test/", views.webhook_test, name="webhook_test"),
    path("<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("setup/dismiss/", views.home_dismiss_setup, name="home_dismiss_setup"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("accounts.urls")),
    path("ipam/", include("ipam.urls")),
    path("inventory/", include("inventory.urls")),
    path("discovery/", include("discovery.urls")),
    path("backups/", include("backups.urls")),
    path("jobs/", include("netkeep.jobs.urls")),
    path("events/", include("discovery.event_urls")),
    path("webhooks/", include((webhook_patterns, "netkeep"))),
    path("imports/", include("netkeep.import_urls")),
    path("api/", include((api_patterns, "api"))),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Netkeep administration"
admin.site.site_title = "Netkeep admin"
