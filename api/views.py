"""The partner API's own endpoints about the calling client."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.response import Response

from api.access import ApiView, client_rate
from api.schema import PROBLEMS_AUTH
from common.ratelimit import PublicRateThrottle


class ClientSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    name = serializers.CharField()
    agencies = serializers.ListField(child=serializers.CharField(), help_text="Agency codes.")
    scopes = serializers.ListField(child=serializers.CharField())
    rate = serializers.CharField(help_text='Requests allowed per period, e.g. "600/minute".')


class ClientView(ApiView):
    """The calling client: its agencies, scopes and rate limit (any valid key)."""

    @extend_schema(
        operation_id="client_me",
        summary="The calling API client",
        responses={200: ClientSerializer, **PROBLEMS_AUTH},
        tags=["client"],
    )
    def get(self, request):
        client = request.auth
        return Response(
            ClientSerializer(
                {
                    "client_id": client.client_id,
                    "name": client.name,
                    "agencies": sorted(client.agencies.values_list("code", flat=True)),
                    "scopes": client.scopes,
                    "rate": client_rate(client),
                }
            ).data
        )


class DocsThrottle(PublicRateThrottle):
    """The schema and its pages are public: counted per address like the catalogue."""

    scope = "api-docs"

    def get_rate(self) -> str:
        return settings.API_ANON_RATE


class SchemaView(SpectacularAPIView):
    throttle_classes = [DocsThrottle]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from local static files; its start script is a second request
    (`?script`), so the page needs no inline script under the content security policy."""

    throttle_classes = [DocsThrottle]
    url_name = "api-schema"
