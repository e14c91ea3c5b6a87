"""Reading dossiers through the partner API: the list of changes (scoped, filtered,
keyset-paged, bounded queries), one dossier with its declaration, documents, deadline
and log, and the downloads; every refusal."""

import datetime as dt

import pytest
from django.utils import timezone

from api.constants import Scope
from dossiers import services
from dossiers.constants import Status
from tests.api.conftest import bearer
from tests.dossiers.factories import DossierFactory, World
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/dossiers/"


@pytest.fixture
def world():
    return World()


@pytest.fixture
def reader(world, make_client):
    return make_client([world.agency], scopes=[Scope.DOSSIERS_READ, Scope.DOCUMENTS_READ])


def elsewhere(world):
    """A received dossier of another agency."""
    return DossierFactory(
        version=world.version, case=world.case, receiving_agency=AgencyFactory(), received=True
    )


def _detail(code):
    return f"/api/v1/dossiers/{code}/"


def test_list_shows_the_clients_agencies_only_in_change_order(api, world, reader):
    mine = [world.dossier_built(s) for s in (Status.SUBMITTED, Status.PROCESSING)]
    world.dossier_built(Status.DRAFT)  # never reached an agency
    elsewhere(world)  # another agency's
    body = api.get(LIST, **bearer(reader.key)).json()
    assert [r["code"] for r in body["results"]] == [d.code for d in mine]
    row = body["results"][0]
    assert row["status"] == "submitted" and row["receiving_agency"] == world.agency.code
    assert row["url"].endswith(_detail(mine[0].code))
    assert body["next"] is None


def test_list_filters_and_pages(api, world, reader, django_assert_max_num_queries):
    old = world.dossier_built(Status.SUBMITTED)
    old.updated_at = timezone.now() - dt.timedelta(days=3)
    old.save(update_fields=["updated_at"])
    fresh = [world.dossier_built(Status.PROCESSING) for _ in range(3)]
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    seen, url = [], f"{LIST}?page_size=2&updated_since={since.replace('+', '%2B')}"
    while url:
        # key, client's agencies, two sides of the page, the call log row: bounded
        with django_assert_max_num_queries(6):
            body = api.get(url, **bearer(reader.key)).json()
        seen += [r["code"] for r in body["results"]]
        url = body["next"]
    assert seen == [d.code for d in fresh]
    only = api.get(LIST, {"status": "submitted"}, **bearer(reader.key)).json()["results"]
    assert [r["code"] for r in only] == [old.code]
    agency = api.get(LIST, {"agency": world.agency.code}, **bearer(reader.key)).json()
    assert len(agency["results"]) == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "draft"}, "status"),
        ({"status": "nonsense"}, "status"),
        ({"agency": "000.99.99.H29"}, "agency"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_list_refuses_bad_parameters_with_422(api, reader, params, field):
    response = api.get(LIST, params, **bearer(reader.key))
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:motcua:problem:validation"
    assert [e["field"] for e in body["errors"]] == [field]


def test_detail_has_declaration_documents_deadline_and_public_log(api, world, reader):
    dossier = world.dossier_in(Status.PROCESSING)
    services.dossier_note_add(dossier_id=dossier.pk, actor=world.specialist, note="Nội bộ: gọi lại")
    body = api.get(_detail(dossier.code), **bearer(reader.key)).json()
    assert body["code"] == dossier.code and body["status"] == "processing"
    assert body["declaration"] == {"full_name": "Phạm Thu Hà"}
    assert body["applicant"]["full_name"] == "Phạm Thu Hà"
    assert body["due_at"] and body["received_at"]
    assert body["procedure_code"] == world.procedure.code
    actions = [e["action"] for e in body["log"]]
    assert actions[:3] == ["create", "submit", "receive"] and "note" not in actions
    assert {e["visibility"] for e in body["log"]} == {"public"}
    (doc,) = body["documents"]
    assert doc["document"] == world.document.code and doc["content_type"] == "application/pdf"
    response = api.get(doc["download_url"], **bearer(reader.key))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    (receipt,) = [i for i in body["issued_documents"] if i["form"] == "01"]
    pdf = api.get(receipt["download_url"], **bearer(reader.key))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_a_client_that_acts_sees_the_internal_log(api, world, make_client):
    dossier = world.dossier_in(Status.PROCESSING)
    services.dossier_note_add(dossier_id=dossier.pk, actor=world.specialist, note="Nội bộ")
    actor = make_client([world.agency], scopes=[Scope.DOSSIERS_READ, Scope.DOSSIERS_ACT])
    body = api.get(_detail(dossier.code), **bearer(actor.key)).json()
    assert "note" in [e["action"] for e in body["log"]]


def test_refusals(api, world, reader, make_client):
    ours = world.dossier_built(Status.RECEIVED)
    theirs = elsewhere(world)
    # Another agency's dossier, or one that does not exist: the same 404.
    for code in (theirs.code, "000.00.31.H29-260101-9999"):
        response = api.get(_detail(code), **bearer(reader.key))
        assert response.status_code == 404
        assert response.json()["type"] == "urn:motcua:problem:not-found"
    doc = ours.documents.first()
    other_doc = theirs.documents.first()
    assert (
        api.get(
            f"{_detail(ours.code)}documents/{other_doc.pk}/file", **bearer(reader.key)
        ).status_code
        == 404
    )
    # Without the scope: 403, even for its own dossier.
    catalogue_only = make_client([world.agency], scopes=[Scope.CATALOGUE_READ])
    for url in (LIST, _detail(ours.code), f"{_detail(ours.code)}documents/{doc.pk}/file"):
        response = api.get(url, **bearer(catalogue_only.key))
        assert response.status_code == 403, url
        assert (
            "dossiers:read" in response.json()["detail"]
            or "documents:read" in response.json()["detail"]
        )
    # Without a key: 401.
    assert api.get(_detail(ours.code)).status_code == 401


def test_public_status_lookup_is_still_there(api, world):
    dossier = world.dossier_built(Status.RECEIVED)
    response = api.get(f"/api/v1/dossiers/{dossier.code}/status")
    assert response.status_code == 200 and response.json()["status"] == "received"
