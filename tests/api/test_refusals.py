"""Every partner endpoint refuses alike: no key or a revoked one is a 401, a key without
the endpoint's scope a 403, another agency's dossier a 404 (the same as an unknown
code), always as problem+json, and nothing changes."""

import pytest

from api import clients
from api.constants import Scope
from dossiers.constants import Status
from tests.api.conftest import bearer
from tests.dossiers.factories import DossierFactory, World
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db

# (method, URL template, the scope it needs); {code} a dossier, {doc} one of its files.
ENDPOINTS = [
    ("get", "/api/v1/dossiers/", Scope.DOSSIERS_READ),
    ("post", "/api/v1/dossiers/", Scope.DOSSIERS_WRITE),
    ("get", "/api/v1/dossiers/{code}/", Scope.DOSSIERS_READ),
    ("post", "/api/v1/dossiers/{code}/documents/", Scope.DOCUMENTS_WRITE),
    ("get", "/api/v1/dossiers/{code}/documents/{doc}/file", Scope.DOCUMENTS_READ),
    ("get", "/api/v1/dossiers/{code}/issued/{doc}/file", Scope.DOCUMENTS_READ),
    ("get", "/api/v1/dossiers/{code}/actions/", Scope.DOSSIERS_ACT),
    ("post", "/api/v1/dossiers/{code}/actions/receive/", Scope.DOSSIERS_ACT),
    ("post", "/api/v1/dossiers/{code}/actions/submit/", Scope.DOSSIERS_WRITE),
]
PER_DOSSIER = [e for e in ENDPOINTS if "{code}" in e[1]]


@pytest.fixture
def setup():
    world = World()
    ours = world.dossier_built(Status.SUBMITTED)
    theirs = DossierFactory(
        version=world.version, case=world.case, receiving_agency=AgencyFactory(), submitted=True
    )
    return world, ours, theirs


def _call(api, method, template, dossier, key):
    url = template.format(code=dossier.code, doc=dossier.documents.first().pk)
    headers = bearer(key) if key else {}
    if method == "get":
        return api.get(url, **headers)
    return api.post(url, {}, content_type="application/json", **headers)


def _is_problem(response, status, slug):
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == f"urn:motcua:problem:{slug}"


@pytest.mark.parametrize(("method", "template", "scope"), ENDPOINTS)
def test_no_key_and_revoked_key_are_401(api, setup, make_client, method, template, scope):
    world, ours, _theirs = setup
    issued = make_client([world.agency])
    clients.api_client_revoke(client=issued.client)
    for key in ("", issued.key):
        _is_problem(_call(api, method, template, ours, key), 401, "unauthenticated")
    ours.refresh_from_db()
    assert ours.status == Status.SUBMITTED


@pytest.mark.parametrize(("method", "template", "scope"), ENDPOINTS)
def test_a_missing_scope_is_403(api, setup, make_client, method, template, scope):
    world, ours, _theirs = setup
    others = [s for s in Scope.values if s != scope]
    issued = make_client([world.agency], scopes=others)
    _is_problem(_call(api, method, template, ours, issued.key), 403, "forbidden")
    assert scope in _call(api, method, template, ours, issued.key).json()["detail"]
    ours.refresh_from_db()
    assert ours.status == Status.SUBMITTED


@pytest.mark.parametrize(("method", "template", "scope"), PER_DOSSIER)
def test_another_agencys_dossier_is_404(api, setup, make_client, method, template, scope):
    world, _ours, theirs = setup
    issued = make_client([world.agency])
    _is_problem(_call(api, method, template, theirs, issued.key), 404, "not-found")
    theirs.refresh_from_db()
    assert theirs.status == Status.SUBMITTED
