"""URLs of stored CSV imports, whatever app they import into."""

from django.urls import URLPattern, URLResolver, path

from netkeep import import_views

app_name = "imports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<int:pk>/", import_views.batch_detail, name="batch"),
    path("<int:pk>/apply/", import_views.batch_apply, name="batch_apply"),
]
