"""API clients: the command and the admin issue a key once, the key authenticates,
rotation and revocation stop the old one, the allow-list and the rate limit apply,
every call is logged, and the service account holds exactly its scopes' roles."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from api import clients
from api.constants import Scope
from api.models import ApiCall, ApiClient
from identity.models import OfficialMembership
from tests.api.conftest import bearer
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/client/"


def _problem(response, status, slug):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:motcua:problem:{slug}"
    assert body["status"] == status
    assert body["title"] and body["title_en"] and body["title"] != body["title_en"]
    return body


def test_command_creates_a_client_and_prints_its_key_once(api):
    agency = AgencyFactory(code="000.00.11.H29")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_client", "create", "--name", "Cổng quốc gia", "--agency", agency.code,
        "--scope", "dossiers:read", "--scope", "dossiers:act", stdout=out, stderr=err,
    )  # fmt: skip
    lines = dict(line.split(":", 1) for line in out.getvalue().splitlines())
    key = lines["api_key"].strip()
    client = ApiClient.objects.get(client_id=lines["client_id"].strip())
    assert client.scopes == ["dossiers:act", "dossiers:read"]
    assert key not in client.key_hash and client.key_hash == clients.key_digest(key)
    body = api.get(URL, **bearer(key)).json()
    assert body["agencies"] == ["000.00.11.H29"] and body["name"] == "Cổng quốc gia"
    # The roles of `dossiers:act` at its agency, nothing else.
    roles = set(OfficialMembership.objects.filter(user=client.user).values_list("role", flat=True))
    assert roles == {"receptionist", "specialist", "leader"}
    assert not client.user.has_usable_password()


def test_command_refuses_an_unknown_agency():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown agency"):
        call_command(
            "api_client", "create", "--name", "X", "--agency", "nope", "--scope", "dossiers:read"
        )
    assert not ApiClient.objects.exists()


def test_rotate_and_revoke_by_command(api, make_client):
    issued = make_client([AgencyFactory()])
    out = io.StringIO()
    call_command(
        "api_client", "rotate", str(issued.client.client_id), stdout=out, stderr=io.StringIO()
    )
    new_key = out.getvalue().split("api_key:")[1].strip()
    _problem(api.get(URL, **bearer(issued.key)), 401, "unauthenticated")
    assert api.get(URL, **bearer(new_key)).status_code == 200
    call_command("api_client", "revoke", str(issued.client.client_id), stdout=io.StringIO())
    body = _problem(api.get(URL, **bearer(new_key)), 401, "unauthenticated")
    assert body["instance"] == URL
    issued.client.refresh_from_db()
    assert not OfficialMembership.objects.filter(user=issued.client.user).exists()
    assert not issued.client.user.is_active


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer mck_x_y", "Bearer nonsense", "Basic dXNlcjpwYXNz"]
)
def test_missing_or_bad_key_is_401(api, make_client, header):
    make_client([AgencyFactory()])
    response = api.get(URL, HTTP_AUTHORIZATION=header) if header else api.get(URL)
    _problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_allow_list(api, make_client):
    issued = make_client([AgencyFactory()], allowed_ips=["10.1.0.0/16"])
    _problem(api.get(URL, **bearer(issued.key)), 403, "forbidden")
    assert api.get(URL, REMOTE_ADDR="10.1.2.3", **bearer(issued.key)).status_code == 200


def test_rate_limit_per_client_answers_429_with_retry_after(api, make_client):
    one = make_client([AgencyFactory()], rate="3/minute")
    two = make_client([AgencyFactory()], rate="3/minute")
    for _ in range(3):
        assert api.get(URL, **bearer(one.key)).status_code == 200
    response = api.get(URL, **bearer(one.key))
    _problem(response, 429, "rate-limited")
    assert int(response["Retry-After"]) > 0
    assert api.get(URL, **bearer(two.key)).status_code == 200  # its own budget


def test_every_call_of_a_known_client_is_logged(api, make_client):
    issued = make_client([AgencyFactory()], allowed_ips=["10.0.0.1"])
    api.get(URL, REMOTE_ADDR="10.0.0.1", **bearer(issued.key))
    api.get(URL, REMOTE_ADDR="10.0.0.9", **bearer(issued.key))
    calls = list(ApiCall.objects.filter(client=issued.client).order_by("pk"))
    assert [(c.method, c.endpoint, c.status, c.ip_address) for c in calls] == [
        ("GET", "api/v1/client/", 200, "10.0.0.1"),
        ("GET", "api/v1/client/", 403, "10.0.0.9"),
    ]


def test_scopes_give_roles_and_changes_follow(make_client):
    a, b = AgencyFactory(), AgencyFactory()
    issued = make_client([a], scopes=[Scope.DOSSIERS_READ])
    client = issued.client
    assert not OfficialMembership.objects.filter(user=client.user).exists()
    client.scopes = [Scope.DOSSIERS_WRITE]
    client.save()
    client.agencies.set([a, b])
    clients.api_client_update(client=client)
    held = set(OfficialMembership.objects.filter(user=client.user).values_list("agency", "role"))
    assert held == {(a.pk, "receptionist"), (b.pk, "receptionist")}


def test_unknown_scope_or_no_agency_is_refused(make_client):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_client([AgencyFactory()], scopes=["dossiers:everything"])
    with pytest.raises(ValidationError):
        make_client([])
    assert not ApiClient.objects.exists()


def test_admin_creates_a_client_and_shows_the_key_once(admin_client):
    agency = AgencyFactory()
    response = admin_client.post(
        reverse("admin:api_apiclient_add"),
        {"name": "Hệ thống đất đai", "agencies": [agency.pk], "scopes": ["dossiers:read"],
         "allowed_ips": "", "rate": "", "contact": ""},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    client = ApiClient.objects.get()
    shown = [str(m) for m in response.context["messages"] if "mck_" in str(m)]
    assert len(shown) == 1
    key = shown[0].split(": ")[-1]
    assert clients.api_client_for_key(key) == client
    added = [str(m) for m in response.context["messages"] if "mck_" not in str(m)]
    assert any(f"/{client.pk}/change/" in m for m in added), added


def test_problems_speak_vietnamese_first_with_an_english_title(api, make_client):
    make_client([AgencyFactory()])
    body = api.get(URL, HTTP_AUTHORIZATION="Bearer mck_0_nope").json()
    assert body["title"] == "Chưa xác thực" and body["title_en"] == "Not authenticated"
    assert body["detail"] == "Khóa API không hợp lệ hoặc đã bị thu hồi."


def test_old_calls_are_purged(api, make_client):
    import datetime as dt

    from django.utils import timezone

    from api.tasks import calls_purge

    issued = make_client([AgencyFactory()])
    api.get(URL, **bearer(issued.key))
    api.get(URL, **bearer(issued.key))
    old = ApiCall.objects.order_by("pk").first()
    ApiCall.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=91))
    assert calls_purge() == 1
    assert ApiCall.objects.count() == 1
