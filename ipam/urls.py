from django.urls import URLPattern, URLResolver, include, path

from ipam import views

app_name = "ipam"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.subnet_list, name="index"),
    path("search/", views.search, name="search"),
    path("subnets/", views.subnet_list, name="subnet_list"),
    path("subnets/new/", views.subnet_create, name="subnet_create"),
    path("subnets/<int:pk>/", views.subnet_detail, name="subnet_detail"),
    path("subnets/<int:pk>/children/", views.subnet_children, name="subnet_children"),
    path("subnets/<int:pk>/free/", views.subnet_free, name="subnet_free"),
    path("subnets/<int:pk>/next-free/", views.subnet_next_free, name="subnet_next_free"),
    path("subnets/<int:pk>/allocate/", views.subnet_allocate, name="subnet_allocate"),
    path(
        "subnets/<int:pk>/allocate-prefix/",
        views.subnet_allocate_prefix,
        name="subnet_allocate_prefix",
    ),
    path("subnets/<int:pk>/edit/", views.subnet_edit, name="subnet_edit"),
    path("subnets/<int:pk>/delete/", views.subnet_delete, name="subnet_delete"),
    path("hosts/", views.host_list, name="host_list"),
    path("hosts/new/", views.host_create, name="host_create"),
    path("hosts/<int:pk>/", views.host_detail, name="host_detail"),
    path("hosts/<int:pk>/edit/", views.host_edit, name="host_edit"),
    path("hosts/<int:pk>/delete/", views.host_delete, name="host_delete"),
    path("hosts/<int:pk>/inline/", views.host_inline, name="host_inline"),
    path("vrfs/", views.vrf_list, name="vrf_list"),
    path("vrfs/new/", views.vrf_create, name="vrf_create"),
    path("vrfs/<int:pk>/", views.vrf_detail, name="vrf_detail"),
    path("vrfs/<int:pk>/edit/", views.vrf_edit, name="vrf_edit"),
    path("vrfs/<int:pk>/delete/", views.vrf_delete, name="vrf_delete"),
    path("vlans/", views.vlan_list, name="vlan_list"),
    path("vlans/new/", views.vlan_create, name="vlan_create"),
    path("vlans/<int:pk>/", views.vlan_detail, name="vlan_detail"),
    path("vlans/<int:pk>/edit/", views.vlan_edit, name="vlan_edit"),
    path("vlans/<int:pk>/delete/", views.vlan_delete, name="vlan_delete"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/new/", views.tag_create, name="tag_create"),
    path("tags/<int:pk>/", views.tag_detail, name="tag_detail"),
    path("tags/<int:pk>/edit/", views.tag_edit, name="tag_edit"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    # CSV import/export pages live in their own module.
    path("", include("ipam.import_urls")),
]
