"""The partner API's own endpoints about the calling client."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.access import ApiView, client_rate
from api.schema import PROBLEMS_AUTH


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
