from django.urls import path

from discovery import views

app_name = "discovery"

urlpatterns = [
    path("", views.index, name="index"),
    # The host drawer opens from a row of the IPAM subnet view.
    path("hosts/<int:pk>/drawer/", views.host_drawer, name="host_drawer"),
    # "Scan now" buttons on the IPAM subnet and host views post here.
    path("subnets/<int:pk>/scan/", views.scan_subnet, name="scan_subnet"),
    path("hosts/<int:pk>/scan/", views.scan_host, name="scan_host"),
]
