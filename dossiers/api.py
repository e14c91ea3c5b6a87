"""Public REST API of dossiers: status lookup by code (the same data as /tra-cuu/)."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from common import ratelimit
from dossiers.selectors import LOOKUP_SCOPE, dossier_public_status


class LookupThrottle(BaseThrottle):
    """The public lookup's limit (`DOSSIER_LOOKUP_RATE` per minute and address, through
    `common.ratelimit`), counted together with /tra-cuu/: the same data by another door,
    so trying codes one by one costs the same on both."""

    def allow_request(self, request, view) -> bool:
        return ratelimit.request_allowed(
            request, scope=LOOKUP_SCOPE, limit=settings.DOSSIER_LOOKUP_RATE
        )


class DossierStatusSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Dossier code, <agency code>-<yymmdd>-<NNNN>.")
    procedure = serializers.CharField(help_text="Name of the procedure.")
    procedure_code = serializers.CharField(help_text="National procedure code.")
    agency = serializers.CharField(help_text="Receiving agency.")
    status = serializers.CharField(help_text="Machine status (national status list).")
    status_label = serializers.CharField(help_text="Status as shown to people.")
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="Appointment date.")
    finished_at = serializers.DateTimeField(allow_null=True)


class NotFoundSerializer(serializers.Serializer):
    detail = serializers.CharField()


class DossierStatusView(APIView):
    """Status of a dossier by its code. No personal data: no name, ID number or files."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [LookupThrottle]

    @extend_schema(
        operation_id="dossier_status",
        summary="Dossier status by code",
        responses={
            200: DossierStatusSerializer,
            404: OpenApiResponse(NotFoundSerializer, description="No dossier with this code."),
        },
        tags=["dossiers"],
    )
    def get(self, request, code: str):
        status = dossier_public_status(code)
        if status is None:
            return Response({"detail": "Not found."}, status=404)
        return Response(DossierStatusSerializer(status).data)
