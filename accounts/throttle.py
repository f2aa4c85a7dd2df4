"""Login throttling shared across processes: failures are rows in the database."""

from __future__ import annotations

import logging
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import LoginFailure, User

log = logging.getLogger("netkeep.login")

LOCKED_MESSAGE = "Too many failed sign-ins. Wait a few minutes, then try again."


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; trusts X-Forwarded-For only as far as NUM_PROXIES says."""
    if settings.NUM_PROXIES:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= settings.NUM_PROXIES:
            return forwarded[-settings.NUM_PROXIES]
    return request.META.get("REMOTE_ADDR") or None


def throttle_key(username: str) -> str:
    """The counter a sign-in attempt counts against: one per name authentication can't tell apart.

    Django's sign-in form normalises the name (NFKC) before it looks the user up,
    so "sthrottle" typed with a fullwidth s signs in as "sthrottle". Case and surrounding
    spaces are folded too, so "STHROTTLE " guesses count against the same name.
    Invisible and control characters are dropped: they only tell variants apart
    (and PostgreSQL refuses NUL in text).
    """
    name = User.normalize_username(str(username or ""))
    name = unicodedata.normalize("NFKC", name.casefold())
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    return name.strip()[:150]


def is_locked(request: HttpRequest, username: str) -> bool:
    """True when this IP or this username has used up its failures for the window."""
    now = timezone.now()
    ip_limit, ip_window = settings.LOGIN_THROTTLE_IP
    user_limit, user_window = settings.LOGIN_THROTTLE_USER
    ip = client_ip(request)
    if ip and (
        LoginFailure.objects.filter(ip=ip, at__gte=now - timedelta(seconds=ip_window)).count()
        >= ip_limit
    ):
        return True
    name = throttle_key(username)
    return bool(name) and (
        LoginFailure.objects.filter(
            username=name, at__gte=now - timedelta(seconds=user_window)
        ).count()
        >= user_limit
    )


def record_failure(request: HttpRequest, username: str, door: str) -> None:
    ip = client_ip(request)
    LoginFailure.objects.create(ip=ip, username=throttle_key(username), door=door)
    # The log line carries the attempted name so operators can feed fail2ban.
    log.warning("failed sign-in door=%s ip=%s username=%r", door, ip, throttle_key(username))
    horizon = timezone.now() - timedelta(seconds=max(settings.LOGIN_THROTTLE_USER[1], 3600))
    LoginFailure.objects.filter(at__lt=horizon).delete()


def clear(username: str) -> None:
    """A successful sign-in forgives that username's failures (not the IP's)."""
    LoginFailure.objects.filter(username=throttle_key(username)).delete()
