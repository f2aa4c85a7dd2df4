"""Revoking a user's API tokens when their password changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.crypto import salted_hmac
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import Token

if TYPE_CHECKING:
    from accounts.models import User

# A claim in every token we issue: a keyed fingerprint of the password hash at
# issue time. `iat` has one-second resolution, so a token obtained in the same
# second as a password change would pass an `iat` comparison; this claim
# cannot, whichever door (web, API, Django admin, admin reset) changed the password.
PASSWORD_CLAIM = "pwd"


def password_fingerprint(user: AbstractBaseUser) -> str:
    return salted_hmac("netkeep.jwt.password", user.password or "", algorithm="sha256").hexdigest()[
        :20
    ]


def token_is_stale(user: AbstractBaseUser, token: Token) -> bool:
    """True when the token was issued for a password the user no longer has."""
    claim = token.get(PASSWORD_CLAIM)
    if claim is not None and claim != password_fingerprint(user):
        return True
    changed = getattr(user, "password_changed_at", None)
    issued = token.get("iat")
    return bool(changed and issued is not None and int(issued) < int(changed.timestamp()))


def revoke_refresh_tokens(user: User) -> int:
    """Blacklist every refresh token the user holds; access tokens die by `iat`."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True
    )
    return len(outstanding)


def after_password_change(user: User) -> None:
    """The user chose a new password: lift the bootstrap flag and revoke old tokens."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password", "is_staff"])
    revoke_refresh_tokens(user)
