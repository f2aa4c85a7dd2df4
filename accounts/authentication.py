"""JWT authentication that refuses tokens issued before the user's last password change."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.tokens import token_is_stale

TOKEN_REVOKED = "This token was issued before the password was changed. Sign in again."


class JWTAuthentication(authentication.JWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        user = super().get_user(validated_token)
        if token_is_stale(user, validated_token):
            raise AuthenticationFailed(TOKEN_REVOKED, code="token_revoked")
        return user
