"""Revoking a user's API tokens when their password changes."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken


def revoke_refresh_tokens(user: Any) -> int:
    """Blacklist every refresh token the user holds; access tokens die by `iat`."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True
    )
    return len(outstanding)


def after_password_change(user: Any) -> None:
    """The user chose a new password: lift the bootstrap flag and revoke old tokens."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password", "is_staff"])
    revoke_refresh_tokens(user)
