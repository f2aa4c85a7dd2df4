"""The keyset cursor for host lists (every other list uses netkeep's StandardPagination)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.db.models.sql.where import AND, WhereNode
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

if TYPE_CHECKING:
    from ipam.models import Host


class HostCursorPagination(CursorPagination):
    """Cursor over (VRF, family, address): every page is one indexed range read.

    DRF's cursor positions on the first ordering field only, which would mean
    ever larger offsets here (most hosts share a VRF); this cursor carries the
    whole unique triple instead, so the cost of a page never grows.
    """

    ordering = ("vrf_key", "family", "key")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def _get_position_from_instance(
        self, instance: Host | tuple[object, ...], ordering: object
    ) -> str:
        # List rows (ipam.api.serializers.host_rows) end with the triple.
        vrf, family, key = (
            instance[-3:]
            if isinstance(instance, tuple)
            else (
                instance.vrf_key,
                instance.family,
                instance.key,
            )
        )
        return f"{vrf}:{family}:{key}"

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Host], request: Request, view: APIView | None = None
    ) -> list[Host] | None:
        self.request = request
        self.page_size = self.get_page_size(request) or HostCursorPagination.page_size
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        # Our cursor's position is text, where DRF's stubs say int.
        position: Any = self.cursor.position if self.cursor else None
        order = [f"-{f}" for f in self.ordering] if reverse else list(self.ordering)
        queryset = queryset.order_by(*order)
        if position is None:
            results = list(queryset[: self.page_size + 1])
        else:
            results = _beyond(queryset, position, self.page_size + 1, before=reverse)
        self.page = results[: self.page_size]
        following: str | None = (
            self._get_position_from_instance(results[-1], None)
            if len(results) > len(self.page)
            else None
        )
        if reverse:
            self.page.reverse()
            self.has_next, self.next_position = position is not None, position
            self.has_previous, self.previous_position = following is not None, following
        else:
            self.has_next, self.next_position = following is not None, following
            self.has_previous, self.previous_position = position is not None, position
        self.display_page_controls = self.has_previous or self.has_next
        return self.page


def _beyond(queryset: QuerySet[Host], position: str, limit: int, before: bool) -> list[Host]:
    """Up to `limit` rows strictly after (or before) the (vrf_key, family, key) triple.

    Read as up to three plain ranges (the rest of the cursor's VRF and family, the
    rest of its VRF, the VRFs after it), each one seek in the host index: the same
    condition as one OR, or as a row comparison `(vrf_key, family, key) > (…)`, was
    no index range to SQLite (nor the OR to PostgreSQL) beside the `within` filter's
    range, so page 98 of a /8 read the 97,000 rows before it again.
    """
    try:
        vrf_text, family_text, key = position.split(":")
        vrf, family = int(vrf_text), int(family_text)
    except ValueError:
        from rest_framework.exceptions import NotFound

        raise NotFound("Invalid cursor.") from None
    op = "lt" if before else "gt"
    rows: list[Host] = []
    for beyond in (
        {"vrf_key": vrf, "family": family, f"key__{op}": key},
        {"vrf_key": vrf, f"family__{op}": family},
        {f"vrf_key__{op}": vrf},
    ):
        rows += _first(queryset, **beyond)[: limit - len(rows)]
        if len(rows) == limit:
            break
    return rows


def _first(queryset: QuerySet[Host], **lookups: object) -> QuerySet[Host]:
    """The queryset with `lookups` ANDed in front of its own conditions.

    Given two lower bounds on `key` (a `within` filter's and the cursor's), SQLite
    seeks to the one written first and filters by the other: the cursor's must
    come first (tests/ipam/test_api.py counts SQLite's steps for a deep page).
    """
    ahead = queryset.model._default_manager.filter(**lookups).query.where
    clone = queryset.all()
    clone.query.where = WhereNode([ahead, clone.query.where], AND)
    return clone
