"""JWT authentication that refuses tokens issued before the user's last password change."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed


def issued_before_password_change(user: Any, token: Any) -> bool:
    changed = getattr(user, "password_changed_at", None)
    issued = token.get("iat")
    return bool(changed and issued is not None and int(issued) < int(changed.timestamp()))


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)
        if issued_before_password_change(user, validated_token):
            raise AuthenticationFailed(
                "This token was issued before the password was changed. Sign in again.",
                code="token_revoked",
            )
        return user
