"""The page-number pagination every app's API lists use."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """?page=N&page_size=M, 50 rows by default, at most 1000."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
