from django.urls import path
from django.views.generic import RedirectView

from discovery import views

app_name = "discovery"

urlpatterns = [
    path("", views.index, name="index"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    # History fragments the IPAM subnet and host views can link to or load.
    path("subnets/<int:pk>/runs/", views.subnet_runs, name="subnet_runs"),
    path("hosts/<int:pk>/runs/", views.host_runs, name="host_runs"),
    # The host drawer opens from a row of the IPAM subnet view.
    path("hosts/<int:pk>/drawer/", views.host_drawer, name="host_drawer"),
    # "Scan now" buttons on the IPAM subnet and host views post here.
    path("subnets/<int:pk>/scan/", views.scan_subnet, name="scan_subnet"),
    path("hosts/<int:pk>/scan/", views.scan_host, name="scan_host"),
    path("hosts/<int:pk>/make-device/", views.host_make_device, name="host_make_device"),
    path("reconcile/", views.reconcile_list, name="reconcile"),
    path("reconcile/decide/", views.reconcile_decide, name="reconcile_decide"),
    path("reconcile/refresh/", views.reconcile_refresh, name="reconcile_refresh"),
    path("allowlist/", views.allowlist, name="allowlist"),
    path("allowlist/<int:pk>/delete/", views.allowlist_delete, name="allowlist_delete"),
    # The webhook pages moved to /webhooks/ (netkeep's); old bookmarks land there.
    path("webhooks/", RedirectView.as_view(pattern_name="netkeep:webhook_list", permanent=True)),
    path(
        "webhooks/new/",
        RedirectView.as_view(pattern_name="netkeep:webhook_create", permanent=True),
    ),
    path(
        "webhooks/<int:pk>/",
        RedirectView.as_view(pattern_name="netkeep:webhook_edit", permanent=True),
    ),
    path("profiles/", views.profile_list, name="profile_list"),
    path("profiles/new/", views.profile_edit, name="profile_create"),
    path("profiles/<int:pk>/", views.profile_edit, name="profile_edit"),
]
