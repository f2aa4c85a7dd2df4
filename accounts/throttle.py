"""Login throttling shared across processes: failures are rows in the database."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import LoginFailure

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


def _normal(username: str) -> str:
    return (username or "").strip().lower()[:150]


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
    name = _normal(username)
    return bool(name) and (
        LoginFailure.objects.filter(
            username=name, at__gte=now - timedelta(seconds=user_window)
        ).count()
        >= user_limit
    )


def record_failure(request: HttpRequest, username: str, door: str) -> None:
    ip = client_ip(request)
    LoginFailure.objects.create(ip=ip, username=_normal(username), door=door)
    # The log line carries the attempted name so operators can feed fail2ban.
    log.warning("failed sign-in door=%s ip=%s username=%r", door, ip, _normal(username))
    horizon = timezone.now() - timedelta(seconds=max(settings.LOGIN_THROTTLE_USER[1], 3600))
    LoginFailure.objects.filter(at__lt=horizon).delete()


def clear(username: str) -> None:
    """A successful sign-in forgives that username's failures (not the IP's)."""
    LoginFailure.objects.filter(username=_normal(username)).delete()
