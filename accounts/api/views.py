"""API sign-in: JWT obtain (throttled), refresh with rotation, logout, me, password."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import password_validation
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import AuthenticationFailed, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import throttle
from accounts.authentication import TOKEN_REVOKED
from accounts.forms import SAME_PASSWORD
from accounts.models import User
from accounts.permissions import Authenticated
from accounts.tokens import (
    PASSWORD_CLAIM,
    after_password_change,
    password_fingerprint,
    token_is_stale,
)


class ObtainSerializer(TokenObtainPairSerializer):
    def validate(self, attrs: dict[str, str]) -> dict[str, str]:
        # The same name the sign-in page authenticates: NFKC, as Django's form does.
        attrs[self.username_field] = User.normalize_username(attrs[self.username_field])
        return super().validate(attrs)

    @classmethod
    def get_token(cls, user: Any) -> Token:  # simplejwt's user is a constrained TypeVar
        token = super().get_token(user)
        token[PASSWORD_CLAIM] = password_fingerprint(user)
        return token


class RefreshSerializer(TokenRefreshSerializer):
    """Refuse refresh tokens of deleted users or issued before a password change."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = RefreshToken(attrs["refresh"])
        user = User.objects.filter(pk=refresh.get("user_id")).first()
        if user is None or not user.is_active:
            raise AuthenticationFailed(
                "No active account found for the given token.", code="no_active_account"
            )
        if token_is_stale(user, refresh):
            raise AuthenticationFailed(TOKEN_REVOKED, code="token_revoked")
        return super().validate(attrs)


class ObtainView(TokenObtainPairView):
    """Exchange a username and password for an access and a refresh token."""

    serializer_class = ObtainSerializer

    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        username = str(request.data.get("username", "")) if hasattr(request.data, "get") else ""
        if throttle.is_locked(request._request, username):
            throttle.record_failure(request._request, username, "api")
            return Response(
                {"detail": throttle.LOCKED_MESSAGE}, status=status.HTTP_429_TOO_MANY_REQUESTS
            )
        response = super().post(request, *args, **kwargs)
        if response.status_code == status.HTTP_200_OK:
            throttle.clear(username)
        return response

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if response.status_code == status.HTTP_401_UNAUTHORIZED:
            username = (
                str(self.request.data.get("username", ""))
                if hasattr(self.request.data, "get")
                else ""
            )
            throttle.record_failure(self.request._request, username, "api")
        return response


class RefreshView(TokenRefreshView):
    """Trade a refresh token for new tokens; the used refresh token is blacklisted."""

    serializer_class = RefreshSerializer


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class LogoutView(APIView):
    """Blacklist a refresh token so it can never be used again."""

    permission_classes = [Authenticated]

    @extend_schema(request=LogoutSerializer, responses={205: None})
    def post(self, request: Request) -> Response:
        data = LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
            if (
                token.get("user_id") != str(request.user.pk)
                and token.get("user_id") != request.user.pk
            ):
                raise TokenError("not yours")
            token.blacklist()
        except TokenError:
            return Response(
                {"refresh": ["This refresh token is invalid, expired or already revoked."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    must_change_password = serializers.BooleanField()


class MeView(APIView):
    """Who the token belongs to; answers even while a password change is required."""

    permission_classes = [Authenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class PasswordSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True)
    new_password = serializers.CharField(write_only=True)

    def validate_old_password(self, value: str) -> str:
        if not self.context["user"].check_password(value):
            raise serializers.ValidationError("The current password is not correct.")
        return value

    def validate_new_password(self, value: str) -> str:
        if self.context["user"].check_password(value):
            raise serializers.ValidationError(SAME_PASSWORD)
        password_validation.validate_password(value, self.context["user"])
        return value


class PasswordView(APIView):
    """Change one's own password; every token issued before is revoked."""

    permission_classes = [Authenticated]

    @extend_schema(request=PasswordSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        user = cast(User, request.user)  # Authenticated: only signed-in users get here.
        # Guessing the current password with a stolen token counts like failed sign-ins.
        if throttle.is_locked(request._request, user.username):
            return Response(
                {"detail": throttle.LOCKED_MESSAGE}, status=status.HTTP_429_TOO_MANY_REQUESTS
            )
        data = PasswordSerializer(data=request.data, context={"user": user})
        if not data.is_valid():
            if "old_password" in data.errors:
                throttle.record_failure(request._request, user.username, "password")
            raise ValidationError(data.errors)
        user.set_password(data.validated_data["new_password"])
        user.save()
        after_password_change(user)
        return Response(status=status.HTTP_204_NO_CONTENT)
