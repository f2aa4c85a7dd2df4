"""Logging pieces: routine refusals as one line, not a traceback.

Django logs every PermissionDenied (a 403) and every SuspiciousOperation with
the exception's traceback attached. Those are answers, not bugs: a viewer who
clicks "edit" should leave one line in the log, not thirty. 5xx records keep
their tracebacks.
"""

from __future__ import annotations

import logging


class OneLineRefusals(logging.Filter):
    """Drop the traceback from 403 records and from django.security records."""

    def filter(self, record: logging.LogRecord) -> bool:
        refused = getattr(record, "status_code", None) == 403
        if not (refused or record.name.startswith("django.security")):
            return True
        error = record.exc_info[1] if record.exc_info else None
        if refused and error is not None and str(error):
            # The one line keeps what the exception said ("Forbidden: /x/ (not your run)").
            record.msg = f"{record.getMessage()} ({error})"
            record.args = None
        record.exc_info = None
        record.exc_text = None
        return True
