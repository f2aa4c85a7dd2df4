"""API tokens through the API: list, create (the key shown once), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import APIToken, User
from accounts.permissions import Authenticated, PasswordChanged
from accounts.roles import NO_TOKEN_ROLE, may_hold_tokens
from netkeep.api.pagination import StandardPagination

TOKENS_FROM_TOKENS = (
    "An API token cannot create tokens: sign in with your password (JWT or the web) to do it."
)
EXPIRY_PAST = "The expiry must lie in the future; leave it out for a token that does not expire."


class TokenSerializer(serializers.ModelSerializer):
    user: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = APIToken
        fields = [
            "id",
            "user",
            "name",
            "prefix",
            "scope",
            "expires_at",
            "created",
            "last_used",
            "revoked_at",
            "active",
        ]
        read_only_fields = ["prefix", "created", "last_used", "revoked_at"]

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(EXPIRY_PAST)
        return value


class NewTokenSerializer(TokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The key, shown in this response only: store it now."
    )

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]


class MayHoldTokens(permissions.BasePermission):
    """Tokens are for users with a role; tokens cannot mint more tokens."""

    message = NO_TOKEN_ROLE

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not may_hold_tokens(request.user):
            return False
        if getattr(view, "action", None) == "create" and isinstance(request.auth, APIToken):
            self.message = TOKENS_FROM_TOKENS
            return False
        return True


class APITokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Your API tokens (admins: everyone's). The key is in the create response only."""

    serializer_class = TokenSerializer
    permission_classes = [Authenticated, PasswordChanged, MayHoldTokens]
    pagination_class = StandardPagination
    filterset_fields = ["scope"]
    ordering_fields = ["created", "last_used", "name"]

    def get_queryset(self) -> QuerySet[APIToken]:
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a user
            return APIToken.objects.none()
        return APIToken.objects.visible_to(self.request.user).select_related("user")

    @extend_schema(request=TokenSerializer, responses={201: NewTokenSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        data = TokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The permission refused anonymous callers.
        token, key = APIToken.issue(cast(User, request.user), **data.validated_data)
        token.key = key  # type: ignore[attr-defined]
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Revoke the token for good; revoking a revoked token changes nothing."""
        token = self.get_object()
        token.revoke()
        return Response(TokenSerializer(token).data)
