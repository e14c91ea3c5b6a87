"""Public, read-only catalogue API (DESIGN: /api/v1/, schema at /api/schema/)."""

from django.conf import settings
from django.http import Http404
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from common.ratelimit import PublicRateThrottle
from procedures import selectors
from procedures.api.serializers import (
    AgencyDetailSerializer,
    FieldSerializer,
    ProcedureDetailSerializer,
    ProcedureListSerializer,
)
from procedures.constants import Level, OnlineLevel
from procedures.models import Agency, Field
from procedures.selectors import (
    agency_list_for_public,
    field_list_for_public,
    parse_query,
    procedure_get_for_public,
    procedure_list_for_public,
)


class CatalogueThrottle(PublicRateThrottle):
    scope = "catalogue-api"

    def get_rate(self) -> str:
        return settings.API_ANON_RATE


class CataloguePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


NOT_FOUND = OpenApiResponse(
    inline_serializer("CatalogueNotFound", {"detail": serializers.CharField()}),
    description="Not found.",
)


FILTERS = [
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="Search text (accents optional) or procedure code"
    ),
    OpenApiParameter("field", OpenApiTypes.STR, description="Field code, e.g. G09-TP01"),
    OpenApiParameter("level", OpenApiTypes.STR, enum=Level.values),
    OpenApiParameter(
        "agency", OpenApiTypes.STR, description="Agency code; includes the units below it"
    ),
    OpenApiParameter("online", OpenApiTypes.STR, enum=OnlineLevel.values),
]


@extend_schema_view(
    list=extend_schema(
        summary="Search and list published procedures",
        parameters=FILTERS,
        responses={200: ProcedureListSerializer(many=True), 404: NOT_FOUND},
    ),
    retrieve=extend_schema(
        summary="One published procedure with its current version",
        responses={200: ProcedureDetailSerializer, 404: NOT_FOUND},
    ),
)
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [CatalogueThrottle]
    pagination_class = CataloguePagination
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.\-]+"

    def get_serializer_class(self):
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureListSerializer

    def get_queryset(self):
        params = self.request.query_params
        field_id = agency_id = None
        if params.get("field"):
            field_id = (
                Field.objects.filter(code=params["field"]).values_list("pk", flat=True).first()
                or -1
            )
        if params.get("agency"):
            agency_id = (
                Agency.objects.filter(code=params["agency"]).values_list("pk", flat=True).first()
                or -1
            )
        level = params.get("level") if params.get("level") in Level.values else None
        online = params.get("online") if params.get("online") in OnlineLevel.values else None
        return procedure_list_for_public(
            query=parse_query(params.get("q")),
            field_id=field_id,
            level=level,
            agency_id=agency_id,
            online_level=online,
        )

    def list(self, request, *args, **kwargs):
        """The list through the cache of recent searches (see `procedures.selectors`):
        same generation token, so any catalogue change drops these entries too. The
        key is the whole absolute URL (the links to other pages name the host) and the
        language; throttling has run already."""
        if not selectors.SEARCH_CACHE_ENABLED:
            return super().list(request, *args, **kwargs)
        build = super().list
        name = repr(("api", get_language(), request.build_absolute_uri()))
        return Response(
            selectors.cached_with_catalogue(name, lambda: build(request, *args, **kwargs).data)
        )

    def get_object(self):
        procedure = procedure_get_for_public(code=self.kwargs["code"][:40])
        if procedure is None:
            raise Http404
        return procedure


class CodePagination(CursorPagination):
    """Keyset pages in code order: the same cost on any page."""

    ordering = "code"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            return None  # a forged or stale cursor: the first page (as common.keyset)


@extend_schema_view(
    list=extend_schema(
        summary="List active agencies (the agency tree, any depth)",
        parameters=[
            OpenApiParameter(
                "parent", OpenApiTypes.STR, description="Only the direct units of this agency code"
            ),
            OpenApiParameter(
                "receiving", OpenApiTypes.BOOL, description="Only agencies with a one-stop desk"
            ),
        ],
    ),
    retrieve=extend_schema(
        summary="One agency by its code", responses={200: AgencyDetailSerializer, 404: NOT_FOUND}
    ),
)
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [CatalogueThrottle]
    pagination_class = CodePagination
    serializer_class = AgencyDetailSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9A-Za-z.\-]+"

    def get_queryset(self):
        params = self.request.query_params
        receiving = {"true": True, "1": True, "false": False, "0": False}.get(
            params.get("receiving", "").lower()
        )
        return agency_list_for_public(
            parent_code=params.get("parent", "")[:40], receiving=receiving
        )


@extend_schema_view(
    list=extend_schema(summary="List the fields of procedures"),
    retrieve=extend_schema(
        summary="One field by its code", responses={200: FieldSerializer, 404: NOT_FOUND}
    ),
)
class FieldViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [CatalogueThrottle]
    pagination_class = CodePagination
    serializer_class = FieldSerializer
    queryset = field_list_for_public()
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
