"""Your watches through the API, at /api/auth/watches: list, watch, unwatch.

Under /api/auth/ with the other personal endpoints: a watch is the caller's own,
so a viewer may create one (anyone who may read events and the object).
"""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import Authenticated, PasswordChanged
from discovery import eventlog
from netkeep.api.pagination import StandardPagination
from netkeep.filtering import FilterSet
from netkeep.models import Watch
from netkeep.params import MAX_PK

WATCHABLE = [s.label for s in eventlog.SUBJECTS.values() if s.watchable]


class WatchSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(
        choices=WATCHABLE, source="content_type.model", help_text="What is watched."
    )
    object_id = serializers.IntegerField(min_value=1, max_value=MAX_PK, help_text="Its id.")

    class Meta:
        model = Watch
        fields = ["id", "type", "object_id", "created"]
        read_only_fields = ["created"]


class WatchFilter(FilterSet):
    type = django_filters.ChoiceFilter(
        field_name="content_type__model", choices=[(w, w) for w in WATCHABLE], label="Type"
    )

    class Meta:
        model = Watch
        fields = ["type"]


class MayReadEvents(permissions.BasePermission):
    message = "Watching is for people who may read events: ask an admin for a role."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.has_perm("netkeep.view_event"))


class WatchViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What you watch: its events come first on the events page (`?watched=true`: only them)."""

    serializer_class = WatchSerializer
    permission_classes = [Authenticated, PasswordChanged, MayReadEvents]
    pagination_class = StandardPagination
    filterset_class = WatchFilter

    def get_queryset(self) -> QuerySet[Watch]:
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a user
            return Watch.objects.none()
        user = cast(User, self.request.user)  # the permissions refused anonymous callers
        # Watches are made with numeric ids only; anything else (an admin's typo) is not listed.
        mine = Watch.objects.filter(user=user, object_id__regex=r"^[0-9]+$")
        return mine.select_related("content_type")

    @extend_schema(
        responses={
            201: WatchSerializer,
            400: OpenApiResponse(description="Not a watchable type, or no such object."),
            403: OpenApiResponse(description="You may not read this type of object."),
        }
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = WatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subject = eventlog.SUBJECTS[data.validated_data["content_type"]["model"]]
        pk = data.validated_data["object_id"]
        if not eventlog.may_watch(request.user, subject):
            raise PermissionDenied(f"You may not read {subject.plural.lower()}, so not watch one.")
        try:
            eventlog.set_watch(request.user, subject, pk, True)
        except ObjectDoesNotExist as error:
            raise serializers.ValidationError({"object_id": [str(error)]}) from None
        watch = self.get_queryset().get(content_type__model=subject.label, object_id=str(pk))
        return Response(WatchSerializer(watch).data, status=status.HTTP_201_CREATED)
