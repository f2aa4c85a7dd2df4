from django.urls import URLPattern, URLResolver, path

from inventory import views

app_name = "inventory"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.device_list, name="index"),
    path("devices/", views.device_list, name="device_list"),
    path("devices/export.csv", views.device_export, name="device_export"),
    path("devices/new/", views.device_create, name="device_create"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device_edit"),
    path("devices/<int:pk>/delete/", views.device_delete, name="device_delete"),
    path("devices/<int:pk>/host-key/", views.device_host_key, name="device_host_key"),
    path("devices/<int:pk>/platform/", views.device_platform, name="device_platform"),
    path("devices/<int:pk>/runs/", views.device_runs, name="device_runs"),
    path("devices/<int:pk>/run/<str:action>/", views.device_run, name="device_run"),
    path("topology/", views.topology_view, name="topology"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/delete/", views.site_delete, name="site_delete"),
    path("checks/", views.check_list, name="check_list"),
    path("checks/new/", views.check_create, name="check_create"),
    path("checks/<int:pk>/", views.check_detail, name="check_detail"),
    path("checks/<int:pk>/edit/", views.check_edit, name="check_edit"),
    path("checks/<int:pk>/delete/", views.check_delete, name="check_delete"),
    path("credentials/", views.credentialset_list, name="credentialset_list"),
    path("credentials/new/", views.credentialset_create, name="credentialset_create"),
    path("credentials/<int:pk>/edit/", views.credentialset_edit, name="credentialset_edit"),
    path("credentials/<int:pk>/delete/", views.credentialset_delete, name="credentialset_delete"),
]
