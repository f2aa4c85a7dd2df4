from django.urls import include, path

from ipam import views

app_name = "ipam"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    # CSV import/export pages live in their own module.
    path("", include("ipam.import_urls")),
]
