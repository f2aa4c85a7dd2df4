"""Sessions that bring their user: the session, the user and their permissions in one query.

Every signed-in page reads the session, then the user named in it, then the user's
permissions: three queries before the view's first, each a round trip to
PostgreSQL (docs/benchmarks.md, "PostgreSQL per request"). Here the session row
(accounts.Session) holds its user's id as a column, so the session query joins the
user and reads their permission ids alongside (accounts.backends.permission_ids).

Django's checks stay as they are: `django.contrib.auth.get_user` still reads the
user id and backend from the session data, asks the backend for the user and
verifies the session's password hash. The backend hands over the joined user only
when it is the same user the session data names (`offered`), and only during that
call; anything else reads the user as Django does.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.backends import PERMISSION_IDS, permission_ids

# The user a session query brought, offered to the backend's get_user during
# auth.get_user only (AuthenticationMiddleware below).
_offered: contextvars.ContextVar[Any] = contextvars.ContextVar("netkeep_session_user", default=None)


def session_user_id(data: dict[str, Any]) -> int | None:
    """The signed-in user's id in session data, or None."""
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(db.SessionStore):
    """Django's database sessions in accounts.Session, read with their user in one query."""

    loaded_user: Any = None

    @classmethod
    def get_model_class(cls) -> Any:
        from accounts.models import Session

        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session: Any = super().create_model_instance(data)
        session.user_id = session_user_id(data)
        return session

    def _get_session_from_db(self) -> Any:
        model: Any = self.model
        vendor = connections[router.db_for_read(model)].vendor
        sessions = model.objects.select_related("user").annotate(
            **{PERMISSION_IDS: permission_ids(vendor)}
        )
        try:
            session: Any = sessions.get(
                session_key=self.session_key, expire_date__gt=timezone.now()
            )
        except (model.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
                logger.warning(str(error))
            self._session_key = None
            return None
        if session.user is not None:
            session.user.__dict__[PERMISSION_IDS] = getattr(session, PERMISSION_IDS)
        self.loaded_user = session.user
        return session


def offered(user_id: Any) -> Any:
    """The user the session query brought, if it is the one asked for; else None."""
    user = _offered.get()
    if user is not None and str(user.pk) == str(user_id):
        return user
    return None


@contextlib.contextmanager
def offering(request: HttpRequest) -> Iterator[None]:
    session = request.session
    session.get(SESSION_KEY)  # loads the session, and with it its user
    token = _offered.set(getattr(session, "loaded_user", None))
    try:
        yield
    finally:
        _offered.reset(token)


def get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        with offering(request):
            request._cached_user = auth.get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with request.user taken from the session query when it brought it."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
