"""URLs of CSV import and export (filled in by the import/export work)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
