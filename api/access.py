"""Who is calling: Bearer-key authentication, the scope each endpoint needs, the
per-client rate limit, and the log of every call. `ApiView` puts them together; every
endpoint of the partner API derives from it."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.views import APIView

from api import clients, problems
from api.models import ApiCall, ApiClient
from common import ratelimit


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>` (the API key, or an access token from the OAuth2
    token endpoint): the request's user is the client's service account and
    `request.auth` the client. A revoked, rotated-away or unknown key is a 401; a
    known key from an address outside the client's allow-list is a 403."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as: Authorization: Bearer <key>.")
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        client = clients.api_client_for_key(key) or clients.api_client_for_token(key)
        if client is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        # Known from here on: the call is logged against the client whatever follows.
        request._request.api_client = client
        if not clients.address_allowed(client, ratelimit.client_ip(request)):
            raise exceptions.PermissionDenied(_("This address may not use this client's key."))
        return client.user, client

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class HasScope(permissions.BasePermission):
    """The client holds the view's `required_scope` (per method: `required_scopes`)."""

    def has_permission(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        needed = view.scope_for(request)
        if needed and not client.has_scope(needed):
            self.message = _("This client lacks the scope %(scope)s.") % {"scope": needed}
            return False
        return True


def client_rate(client: ApiClient) -> str:
    return client.rate or settings.API_CLIENT_RATE


class ClientRateThrottle(throttling.BaseThrottle):
    """Per-client budget, counted by the one rate limiter (`common.ratelimit`)."""

    scope = "api-client"

    def allow_request(self, request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return True
        limit, self._window = ratelimit.parse_rate(client_rate(client))
        return ratelimit.hit(scope=self.scope, key=str(client.pk), limit=limit, window=self._window)

    def wait(self) -> float | None:
        return getattr(self, "_window", None)


class ApiView(APIView):
    """Base of the partner API's views: authentication by key, scope, rate limit, RFC
    9457 errors, and one `ApiCall` row per call of a known client."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [permissions.IsAuthenticated, HasScope]
    throttle_classes = [ClientRateThrottle]
    required_scope: str = ""
    required_scopes: dict[str, str] = {}

    def scope_for(self, request) -> str:
        return self.required_scopes.get(request.method, self.required_scope)

    def get_exception_handler(self):
        return problems.exception_handler

    def permission_denied(self, request, message=None, code=None):
        # Unauthenticated (no or bad key) is a 401 before any scope question.
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(_("Send an API key: Authorization: Bearer <key>."))
        raise exceptions.PermissionDenied(detail=message, code=code)

    def initial(self, request, *args, **kwargs):
        self._started = time.monotonic()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request._request, "api_client", None)
        if client is not None:
            match = request._request.resolver_match
            started = getattr(self, "_started", None)
            ApiCall.objects.create(
                client=client,
                method=request.method[:10],
                endpoint=(match.route if match else "")[:200],
                path=request.path[:300],
                status=response.status_code,
                duration_ms=int((time.monotonic() - started) * 1000) if started else 0,
                ip_address=ratelimit.client_ip(request),
            )
        return response
