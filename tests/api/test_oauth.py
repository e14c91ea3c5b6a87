"""OAuth2 client credentials: the client's id and key buy a short-lived token used like
the key, with the client's scopes or fewer; a wrong secret, another grant or a scope
the client lacks is refused in OAuth2's shape; rotating the key ends the token."""

import base64

import pytest

from api import clients
from api.constants import Scope
from tests.api.conftest import bearer
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/oauth/token"


def _token(api, issued, **extra):
    data = {
        "grant_type": "client_credentials",
        "client_id": str(issued.client.client_id),
        "client_secret": issued.key,
        **extra,
    }
    return api.post(TOKEN, data)


def test_token_works_like_the_key_until_the_key_rotates(api, make_client):
    issued = make_client([AgencyFactory()], scopes=[Scope.DOSSIERS_READ, Scope.DOSSIERS_ACT])
    response = _token(api, issued)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "dossiers:act dossiers:read"
    me = api.get("/api/v1/client/", **bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["name"] == issued.client.name
    assert api.get("/api/v1/dossiers/", **bearer(body["access_token"])).status_code == 200
    clients.api_client_rotate(client=issued.client)
    assert api.get("/api/v1/client/", **bearer(body["access_token"])).status_code == 401


def test_basic_auth_and_a_narrower_scope(api, make_client):
    issued = make_client([AgencyFactory()], scopes=[Scope.DOSSIERS_READ, Scope.DOSSIERS_ACT])
    basic = base64.b64encode(f"{issued.client.client_id}:{issued.key}".encode()).decode()
    response = api.post(
        TOKEN,
        {"grant_type": "client_credentials", "scope": "dossiers:act"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    token = response.json()["access_token"]
    # The token carries only dossiers:act: the list needs dossiers:read.
    assert api.get("/api/v1/dossiers/", **bearer(token)).status_code == 403


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "mck_0_wrong"}, 401, "invalid_client"),
        ({"client_id": "00000000-0000-0000-0000-000000000000"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": "documents:write"}, 400, "invalid_scope"),
        ({"client_secret": ""}, 400, "invalid_request"),
    ],
)
def test_refusals_in_oauth2_shape(api, make_client, change, status, error):
    issued = make_client([AgencyFactory()], scopes=[Scope.DOSSIERS_READ])
    response = _token(api, issued, **change)
    assert response.status_code == status
    assert response.json()["error"] == error


def test_a_revoked_client_gets_no_token(api, make_client):
    issued = make_client([AgencyFactory()])
    clients.api_client_revoke(client=issued.client)
    assert _token(api, issued).status_code == 401
