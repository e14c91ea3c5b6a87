"""The one rate limiter of public doors: whose address counts, and the shared budgets."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import Client, RequestFactory

from common.ratelimit import client_address

pytestmark = pytest.mark.django_db

UNKNOWN = "000.00.31.H29-000000-9999"


def _request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # No proxy: the header is the client's to forge and is ignored.
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (0, "203.0.113.9", None, "203.0.113.9"),
        # One proxy: the address it appended, whatever the client put before it.
        (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.2", "6.6.6.6, 7.7.7.7, 203.0.113.9", "203.0.113.9"),
        # Two proxies: the outer one wrote the client, the inner one the outer one.
        (2, "10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # Not through all the proxies, or garbage where the proxy writes: the peer.
        (2, "10.0.0.3", "203.0.113.9", "10.0.0.3"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "6.6.6.6, not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_through_trusted_proxies(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = _request(remote, forwarded)
    assert client_address(request) == expected
    # django-axes keys lockouts on the very same address.
    assert get_client_ip_address(request) == expected


def test_a_forged_forwarded_for_does_not_reset_the_lookup_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.DOSSIER_LOOKUP_RATE = 3
    for n in range(3):
        response = client.get("/tra-cuu/", {"ma": UNKNOWN}, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}")
        assert response.status_code == 200
    response = client.get("/tra-cuu/", {"ma": UNKNOWN}, HTTP_X_FORWARDED_FOR="6.6.6.99")
    assert response.status_code == 429
    api = client.get(f"/api/v1/dossiers/{UNKNOWN}/status", HTTP_X_FORWARDED_FOR="6.6.6.100")
    assert api.status_code == 429


def test_the_page_and_the_status_api_share_one_budget(client, settings):
    settings.DOSSIER_LOOKUP_RATE = 4
    codes = []
    for _ in range(3):
        codes.append(client.get("/tra-cuu/", {"ma": UNKNOWN}).status_code)
        codes.append(client.get(f"/api/v1/dossiers/{UNKNOWN}/status").status_code)
    assert codes == [200, 404, 200, 404, 429, 429]
    # Someone else is not affected.
    other = Client(REMOTE_ADDR="10.7.7.7")
    assert other.get(f"/api/v1/dossiers/{UNKNOWN}/status").status_code == 404


def test_behind_one_proxy_each_client_is_keyed_by_its_own_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.DOSSIER_LOOKUP_RATE = 2
    # Everyone arrives from the proxy's address; the proxy appends the real one.
    first = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    second = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert [first.get("/tra-cuu/", {"ma": UNKNOWN}).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert second.get("/tra-cuu/", {"ma": UNKNOWN}).status_code == 200
    # The first client cannot start afresh by putting a made-up address in front.
    forged = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    assert forged.get(f"/api/v1/dossiers/{UNKNOWN}/status").status_code == 429
