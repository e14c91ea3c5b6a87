import pytest
from django.test import Client

from api import clients
from api.constants import Scope


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def make_client(db):
    """An API client for `agencies` with `scopes` (all by default); returns the issued
    key (`.client`, `.key`)."""

    def make(agencies, scopes=tuple(Scope.values), **kwargs):
        return clients.api_client_create(
            name=kwargs.pop("name", "Cổng dịch vụ công quốc gia"),
            agencies=agencies,
            scopes=scopes,
            **kwargs,
        )

    return make


@pytest.fixture
def api():
    return Client()
