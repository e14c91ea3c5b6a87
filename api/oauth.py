"""OAuth2 client credentials (RFC 6749 section 4.4): `POST /api/v1/oauth/token` trades
the client's id and key for a short-lived access token, for partner systems whose
gateways speak OAuth2 rather than a static key. Answers in OAuth2's own JSON shape
(`error`, `error_description`), as the RFC requires, not as problem details."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api import clients, problems
from common.ratelimit import PublicRateThrottle


class TokenThrottle(PublicRateThrottle):
    """Unauthenticated until the credentials are checked: counted per address."""

    scope = "api-token"

    def get_rate(self) -> str:
        return settings.API_TOKEN_RATE


TokenRequest = inline_serializer(
    "TokenRequest",
    {
        "grant_type": serializers.ChoiceField(choices=["client_credentials"]),
        "client_id": serializers.CharField(required=False, help_text="Or HTTP Basic auth."),
        "client_secret": serializers.CharField(
            required=False, help_text="The client's API key (or HTTP Basic auth)."
        ),
        "scope": serializers.CharField(required=False, help_text="Space-separated, optional."),
    },
)
TokenResponse = inline_serializer(
    "TokenResponse",
    {
        "access_token": serializers.CharField(),
        "token_type": serializers.CharField(),
        "expires_in": serializers.IntegerField(),
        "scope": serializers.CharField(),
    },
)
TokenError = inline_serializer(
    "TokenError",
    {"error": serializers.CharField(), "error_description": serializers.CharField()},
)


def _error(code: str, description: str, status: int = 400) -> Response:
    response = Response({"error": code, "error_description": description}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="api"'
    response["Cache-Control"] = "no-store"
    return response


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    parser_classes = [FormParser]

    def get_exception_handler(self):
        return problems.exception_handler

    @extend_schema(
        operation_id="oauth_token",
        summary="OAuth2 client credentials: an access token for the client",
        description=(
            "Send `grant_type=client_credentials` with the client id and its API key as "
            "`client_id`/`client_secret` (form fields or HTTP Basic auth). The token is "
            "used like the key (`Authorization: Bearer <token>`) until `expires_in` "
            "seconds; rotating the key or revoking the client ends it at once."
        ),
        request={"application/x-www-form-urlencoded": TokenRequest},
        responses={
            200: TokenResponse,
            400: OpenApiResponse(TokenError, description="invalid_request, invalid_scope, …"),
            401: OpenApiResponse(TokenError, description="invalid_client"),
            (415, problems.PROBLEM_CONTENT_TYPE): OpenApiResponse(description="Not form-encoded."),
            (429, problems.PROBLEM_CONTENT_TYPE): OpenApiResponse(description="Rate-limited."),
        },
        tags=["client"],
    )
    def post(self, request):
        data = request.data
        if data.get("grant_type") != "client_credentials":
            return _error("unsupported_grant_type", "Only client_credentials is offered.")
        client_id, secret = data.get("client_id", ""), data.get("client_secret", "")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.lower().startswith("basic "):
            try:
                client_id, _sep, secret = (
                    base64.b64decode(header[6:].strip()).decode().partition(":")
                )
            except (binascii.Error, UnicodeDecodeError):
                return _error("invalid_client", "Unreadable Basic credentials.", 401)
        if not client_id or not secret:
            return _error("invalid_request", "Send client_id and client_secret.")
        client = clients.api_client_for_credentials(client_id, secret)
        if client is None:
            return _error("invalid_client", "Unknown client or wrong secret.", 401)
        try:
            token = clients.access_token_issue(
                client=client,
                scopes=(data.get("scope") or "").split() or None,
                lifetime=settings.API_TOKEN_LIFETIME,
            )
        except ValidationError:
            return _error("invalid_scope", "A scope this client does not hold.")
        response = Response(
            {
                "access_token": token.token,
                "token_type": "Bearer",
                "expires_in": token.expires_in,
                "scope": " ".join(token.scopes),
            }
        )
        response["Cache-Control"] = "no-store"
        return response
