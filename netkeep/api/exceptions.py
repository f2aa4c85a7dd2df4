"""The API's answers to refusals raised below the views: a job's rate limit becomes 429.

Every endpoint that queues jobs (scans, imports, backups, device jobs) lets
`jobs.RateLimited` propagate; this handler turns it into one answer,
`{"detail": "<what to wait for>"}` with status 429, instead of a try/except per view.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from netkeep import jobs


class TooManyRequests(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "rate_limited"


def exception_handler(exc: Exception, context: dict[str, object]) -> Response | None:
    """DRF's handler, with jobs.RateLimited answered as 429 by every endpoint."""
    if isinstance(exc, jobs.RateLimited):
        exc = TooManyRequests(str(exc))
    return drf_exception_handler(exc, context)
