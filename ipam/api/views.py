"""API viewsets: CRUD for VRFs, VLANs, tags, subnets and hosts; allocation; CSV import."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, ProtectedError, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import audit
from ipam.allocation import SubnetFull, allocate, allocate_subnet
from ipam.api import serializers
from ipam.api.pagination import HostCursorPagination
from ipam.filters import HostFilter, SubnetFilter, VLANFilter, VRFFilter
from ipam.importing import ImportFileError, decode, run_import
from ipam.models import VLAN, VRF, Host, Subnet, Tag
from netkeep import importing
from netkeep.api.pagination import StandardPagination
from netkeep.api.schema import one_of_field_errors
from netkeep.api.serializers import ImportBatchSerializer


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class CleanDeleteMixin:
    """A delete the model refuses (hosts still inside, objects still using it) is a 409."""

    def perform_destroy(self, instance: Model) -> None:
        try:
            instance.delete()
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        except ProtectedError as error:
            used = sorted({str(o) for o in error.protected_objects})[:5]
            raise Conflict(
                f"{instance} is still used by {', '.join(used)}"
                f"{' and others' if len(error.protected_objects) > 5 else ''}: "
                "move or delete them first."
            ) from None


class TagViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Tags shared by subnets, hosts and VLANs."""

    queryset = Tag.objects.all()
    serializer_class = serializers.TagSerializer
    pagination_class = StandardPagination
    filterset_fields = ["name"]
    ordering_fields = ["name"]


class VRFViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """VRFs (routing tables); subnets and hosts are unique per VRF."""

    queryset = VRF.objects.all()
    serializer_class = serializers.VRFSerializer
    pagination_class = StandardPagination
    filterset_class = VRFFilter
    ordering_fields = ["name", "rd"]


class VLANViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """VLANs, plain LANs (no VLAN id) first."""

    queryset = VLAN.objects.prefetch_related("tags")
    serializer_class = serializers.VLANSerializer
    pagination_class = StandardPagination
    filterset_class = VLANFilter
    ordering_fields = ["vid", "name"]


class SubnetViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Subnets with their utilisation; allocation of free addresses."""

    queryset = Subnet.objects.select_related("vrf", "vlan").prefetch_related("tags").with_usage()
    serializer_class = serializers.SubnetSerializer
    pagination_class = StandardPagination
    filterset_class = SubnetFilter
    ordering_fields = ["network", "name", "prefix_length", "used"]

    def get_queryset(self) -> QuerySet[Subnet]:
        qs = super().get_queryset()
        # The default ordering is the address order of the tree.
        if "ordering" not in self.request.query_params:
            qs = qs.order_by("vrf_key", "family", "start_key", "prefix_length")
        return qs

    def get_permissions(self) -> Any:
        if self.action == "allocate":
            self.required_permission = "ipam.add_host"
        if self.action == "allocate_subnet":
            self.required_permission = "ipam.add_subnet"
        return super().get_permissions()

    def _subnet_and(
        self, params: type[drf_serializers.Serializer]
    ) -> tuple[Subnet, dict[str, Any]]:
        """The subnet of an allocation (which needs seeing it too) and its valid parameters."""
        if not self.request.user.has_perm("ipam.view_subnet"):
            raise PermissionDenied
        subnet = self.get_object()
        given = params(data=self.request.data)
        given.is_valid(raise_exception=True)
        return subnet, dict(given.validated_data)

    @extend_schema(
        request=serializers.AllocateSubnetSerializer,
        responses={
            201: serializers.SubnetSerializer,
            409: OpenApiResponse(description="No free block of that size in the subnet."),
        },
        summary="Allocate the first free child prefix",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="allocate-subnet",
        filter_backends=[],
        pagination_class=None,
    )
    def allocate_subnet(self, request: Request, pk: str | None = None) -> Response:
        """Create a child subnet on the first free block; concurrent calls never overlap."""
        parent, data = self._subnet_and(serializers.AllocateSubnetSerializer)
        try:
            with audit.context(door="api", request=request._request):
                child = allocate_subnet(parent, data.pop("prefix_length"), **data)
        except DjangoValidationError as error:
            raise drf_serializers.ValidationError(
                drf_serializers.as_serializer_error(error)
            ) from None
        except SubnetFull as error:
            raise Conflict(str(error)) from None
        child = self.get_queryset().get(pk=child.pk)
        out = serializers.SubnetSerializer(child, context={"request": request})
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.AllocateSerializer,
        responses={
            201: serializers.HostSerializer(many=True),
            409: OpenApiResponse(description="Not enough free addresses in the subnet."),
        },
        summary="Allocate the next free addresses",
    )
    # One subnet's action: the list's filters and pages do not apply (nor are documented).
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def allocate(self, request: Request, pk: str | None = None) -> Response:
        """Create hosts on the first `count` free addresses; concurrent calls never collide."""
        subnet, data = self._subnet_and(serializers.AllocateSerializer)
        count, tags = data.pop("count"), data.pop("tags", [])
        try:
            with audit.context(door="api", request=request._request):
                hosts = allocate(subnet, count, **data)
                for host in hosts:
                    host.tags.set(tags)
        except SubnetFull as error:
            raise Conflict(str(error)) from None
        out = serializers.HostSerializer(hosts, many=True, context={"request": request})
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("count", int, description="How many (1–1024, default 1)."),
            OpenApiParameter("after", str, description="Start after this address."),
        ],
        responses={200: serializers.FreeSerializer},
        summary="The next free addresses (nothing is reserved)",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def free(self, request: Request, pk: str | None = None) -> Response:
        subnet = self.get_object()
        count_text = request.query_params.get("count", "1")
        if not count_text.isdigit() or not 1 <= int(count_text) <= 1024:
            raise drf_serializers.ValidationError({"count": "Give a count from 1 to 1024."})
        after = request.query_params.get("after")
        after_key = None
        if after:
            from ipam.addresses import address_key, parse_address

            try:
                address = parse_address(after)
            except DjangoValidationError as error:
                raise drf_serializers.ValidationError({"after": error.messages}) from None
            after_key = address_key(address)
        free = subnet.next_free(int(count_text), after=after_key)
        return Response({"subnet": subnet.network, "addresses": [str(a) for a in free]})


class HostViewSet(CleanDeleteMixin, viewsets.ModelViewSet):
    """Hosts (IP addresses), in address order with a cursor."""

    # The list serializer reads ids of the subnet and VRF (no join) and the tags per page.
    queryset = Host.objects.all()
    serializer_class = serializers.HostSerializer
    pagination_class = HostCursorPagination
    filterset_class = HostFilter
    # The cursor fixes the order; an ordering parameter would break it.
    ordering_fields: list[str] = []

    def get_queryset(self) -> QuerySet[Host]:
        if self.action == "list":
            # Plain rows: building a model object per host was most of a list's time.
            return serializers.host_rows(Host.objects.all())
        return super().get_queryset()


class ImportView(APIView):
    """CSV import of hosts, subnets or VLANs: every row's outcome; all or nothing by default."""

    required_permission = "ipam.add_host"

    @extend_schema(
        request={
            "application/json": serializers.ImportRequestSerializer,
            "multipart/form-data": serializers.ImportRequestSerializer,
        },
        responses={
            200: serializers.ImportResultSerializer,
            202: ImportBatchSerializer,
            400: OpenApiResponse(
                response=one_of_field_errors("ImportResult"),
                description="The request's fields are wrong (field errors), or the import "
                "was refused because rows have errors (the result, nothing written).",
            ),
            429: OpenApiResponse(description="Too many import jobs: wait a minute."),
        },
        summary="Import CSV (preview with dry_run)",
        description=(
            "Files of up to NETKEEP_IMPORT_INLINE_ROWS rows (1,000 by default) are imported "
            "in the request (200, or 400 when rows have errors and nothing was written). "
            "Larger files are stored and previewed by a background job (202): follow `url` "
            "(/api/imports/{id}) until its status is ready, applied or failed (`run` is the "
            "job's id on /api/jobs/); with dry_run false the job applies it as soon as the "
            "preview allows."
        ),
    )
    def post(self, request: Request) -> Response:
        params = serializers.ImportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        importer = importing.get_importer(data["kind"])
        if not request.user.has_perms(importer.permissions(data["mode"])):
            raise PermissionDenied
        text = decode(data["file"].read()) if data.get("file") else data["csv"]
        if importing.estimate_rows(text) > settings.NETKEEP_IMPORT_INLINE_ROWS:
            # A large file becomes a background job: follow the batch's url.
            batch = importing.upload(
                text,
                data["kind"],
                data["mode"],
                request.user,
                getattr(data.get("file"), "name", "") or "",
                auto_apply=not data["dry_run"],
                valid_only=data["valid_only"],
            )
            out = ImportBatchSerializer(batch, context={"request": request})
            return Response(out.data, status=status.HTTP_202_ACCEPTED)
        try:
            result = run_import(
                text,
                data["kind"],
                data["mode"],
                dry_run=data["dry_run"],
                valid_only=data["valid_only"],
                user=request.user,
            )
        except ImportFileError as error:
            raise drf_serializers.ValidationError({"csv": [str(error)]}) from None
        refused = not result.dry_run and not result.applied
        return Response(
            result.as_dict(), status=status.HTTP_400_BAD_REQUEST if refused else status.HTTP_200_OK
        )
