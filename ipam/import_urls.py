"""URLs of CSV import and export."""

from django.urls import URLPattern, URLResolver, path

from ipam import import_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", import_views.import_csv, name="import"),
    path("import/template/<str:kind>.csv", import_views.import_template, name="import_template"),
    path("export/<str:kind>.csv", import_views.export_csv, name="export"),
]
