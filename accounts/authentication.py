"""API authentication: JWTs checked against password changes, and personal API tokens."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication
from rest_framework.request import Request
from rest_framework_simplejwt import authentication as jwt_authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import Token

from accounts.backends import with_permission_ids
from accounts.models import APIToken, TokenError, User
from accounts.tokens import token_is_stale

TOKEN_REVOKED = "This token was issued before the password was changed. Sign in again."
TOKEN_HEADER_MALFORMED = (
    "Malformed Authorization header: send `Authorization: Token <key>` with the key "
    "shown when the token was created."
)


class UsersWithPermissions:
    """What simplejwt asks of `user_model`: users come with their permission ids.

    simplejwt reads the token's user with `user_model.objects.get(...)`; through
    this, the same query brings the ids that the permission checks of the request
    need (accounts.backends.with_permission_ids), one query fewer per API call.
    """

    DoesNotExist = User.DoesNotExist

    @property
    def objects(self) -> Any:
        return with_permission_ids(User._default_manager.all())


class JWTAuthentication(jwt_authentication.JWTAuthentication):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_model = UsersWithPermissions()  # type: ignore[assignment]

    def get_user(self, validated_token: Token) -> Any:  # simplejwt types it as an unbound TypeVar
        user = super().get_user(validated_token)
        if token_is_stale(user, validated_token):
            raise AuthenticationFailed(TOKEN_REVOKED, code="token_revoked")
        return user


class APITokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`: a personal API token acting as its user.

    `request.auth` is the APIToken; accounts.permissions.TokenScope keeps a
    read-only token to safe methods. Tokens survive password changes (they are
    credentials of their own) but stop with a deactivated account.
    """

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, APIToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise AuthenticationFailed(TOKEN_HEADER_MALFORMED, code="token_malformed")
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(TOKEN_HEADER_MALFORMED, code="token_malformed") from None
        try:
            token = APIToken.objects.authenticate(key)
        except TokenError as error:
            raise AuthenticationFailed(str(error), code="token_invalid") from None
        token.touch()
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
