"""Filing through the partner API: the same services and checks as the portal and the
desk, every refusal as a 422 with its field, and idempotent retries (one after the
other, and two racing on two connections)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client

from api.constants import Scope
from api.models import ApiIntake
from dossiers.constants import Action, ActorRole, Status
from dossiers.models import Dossier
from identity.models import Business, RegistryResident, User
from tests.api.conftest import bearer
from tests.dossiers.factories import PDF, World
from tests.helpers import code_counter_held_for, statements
from tests.procedures.factories import AgencyFactory, CaseFactory, ChannelFactory

LIST = "/api/v1/dossiers/"
ID, BIRTH = "079190000123", dt.date(1990, 5, 12)
PERSON = {"full_name": "Ai", "birth_date": "1990-01-01"}


def setup_world():
    world = World()
    # A second case that asks for no document: filed and submitted in one request.
    world.bare_case = CaseFactory(version=world.version, name="Không kèm giấy tờ")
    ChannelFactory(version=world.version, method="direct", processing_time=3)
    RegistryResident.objects.create(
        id_number=ID,
        full_name="Trần Thị Mai",
        birth_date=BIRTH,
        sex="female",
        permanent_address="12 Nguyễn Huệ, Phường Sài Gòn",
    )
    return world


@pytest.fixture
def world(db):
    return setup_world()


@pytest.fixture
def writer(world, make_client):
    return make_client(
        [world.agency], scopes=[Scope.DOSSIERS_READ, Scope.DOSSIERS_WRITE, Scope.DOCUMENTS_WRITE]
    )


def body(world, **changes):
    data = {
        "external_id": "G22.99-261127-000123",
        "procedure": world.procedure.code,
        "case": "Không kèm giấy tờ",
        "channel": "online",
        "receiving_agency": world.agency.code,
        "applicant": {"id_number": ID, "full_name": "Trần Thị Mai", "birth_date": str(BIRTH)},
        "declaration": {"full_name": "Trần Thị Mai", "purpose": "Kết hôn"},
    }
    data.update(changes)
    return data


def post(api, key, data):
    return api.post(LIST, data, content_type="application/json", **bearer(key))


@pytest.mark.django_db(transaction=True)
def test_filing_takes_the_code_counter_last(api, make_client):
    # The idempotency row is written before the submission, which takes the agency's
    # day code counter: every submission there waits on it until this one commits.
    world = setup_world()
    writer = make_client([world.agency], scopes=[Scope.DOSSIERS_WRITE])
    with statements() as seen:
        response = post(api, writer.key, body(world))
    assert response.status_code == 201, response.content
    assert code_counter_held_for(seen) == ['UPDATE "dossiers_dossier"', "COMMIT"]
    assert ApiIntake.objects.get().dossier.code == response.json()["code"]


@pytest.mark.django_db
def test_online_filing_creates_the_account_and_submits_as_the_applicant(api, world, writer):
    response = post(api, writer.key, body(world))
    assert response.status_code == 201, response.content
    got = response.json()
    dossier = Dossier.objects.get(code=got["code"])
    assert got["status"] == "submitted" and response["Location"].endswith(f"/{dossier.code}/")
    assert got["external_id"] == "G22.99-261127-000123"
    applicant = User.objects.get(id_number=ID)
    assert dossier.applicant == applicant and applicant.verification_level == 1
    assert dossier.form_data == {"full_name": "Trần Thị Mai", "purpose": "Kết hôn"}
    submit = dossier.log.get(action=Action.SUBMIT)
    assert submit.actor == applicant and submit.actor_role == ActorRole.APPLICANT
    assert submit.data["via"] == "api" and submit.data["external_id"] == "G22.99-261127-000123"


@pytest.mark.django_db
def test_paper_filing_is_the_desks(api, world, writer):
    response = post(api, writer.key, body(world, channel="direct"))
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    submit = dossier.log.get(action=Action.SUBMIT)
    assert submit.actor == writer.client.user and submit.actor_role == ActorRole.RECEPTIONIST


@pytest.mark.django_db
def test_retry_returns_the_same_dossier_and_another_body_is_a_conflict(api, world, writer):
    first = post(api, writer.key, body(world))
    again = post(api, writer.key, body(world))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == 1
    changed = post(api, writer.key, body(world, declaration={"full_name": "Khác"}))
    assert changed.status_code == 409
    assert changed.json()["type"] == "urn:motcua:problem:idempotency-conflict"
    # Another client's id space is its own.
    other = post(api, _other_writer(world).key, body(world))
    assert other.status_code == 201 and other.json()["code"] != first.json()["code"]


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["online", "direct"])
@pytest.mark.parametrize("acts", [False, True])
def test_the_filings_answer_is_the_dossier_as_read_back(api, world, make_client, channel, acts):
    # The 201 is built from the rows just written; the retry's 200 reads them back.
    scopes = [Scope.DOSSIERS_READ, Scope.DOSSIERS_WRITE] + ([Scope.DOSSIERS_ACT] if acts else [])
    client = make_client([world.agency], scopes=scopes)
    first = post(api, client.key, body(world, channel=channel))
    again = post(api, client.key, body(world, channel=channel))
    assert (first.status_code, again.status_code) == (201, 200), first.content
    assert first.json() == again.json()
    assert [e["action"] for e in first.json()["log"]] == [Action.CREATE, Action.SUBMIT]


@pytest.mark.django_db
def test_a_call_signed_by_key_makes_no_session(api, world, writer, settings):
    response = post(api, writer.key, body(world))
    assert response.status_code == 201, response.content
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    read = api.get(response["Location"], **bearer(writer.key))
    assert read.status_code == 200 and settings.SESSION_COOKIE_NAME not in read.cookies


def _other_writer(world):
    from api import clients

    return clients.api_client_create(
        name="Hệ thống khác",
        agencies=[world.agency],
        scopes=[Scope.DOSSIERS_WRITE, Scope.DOSSIERS_READ],
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"procedure": "9.999999"}, "/procedure"),
        ({"case": "Không có"}, "/case"),
        ({"channel": "postal"}, "/channel"),
        ({"channel": "fax"}, "/channel"),
        ({"receiving_agency": "000.99.99.H29"}, "/receiving_agency"),
        ({"declaration": {"purpose": "Thiếu họ tên"}}, "/declaration/full_name"),
        ({"declaration": {"full_name": "A", "hack": "1"}}, "/declaration/hack"),
        ({"applicant": {**PERSON, "id_number": "079190000999"}}, "/applicant/id_number"),
        ({"applicant": {**PERSON, "id_number": "12"}}, "/applicant/id_number"),
        ({"case": "Đăng ký lần đầu"}, "/documents"),
        ({"external_id": ""}, "/external_id"),
    ],
)  # fmt: skip
def test_invalid_filings_are_422_with_the_field_and_write_nothing(
    api, world, writer, changes, pointer
):
    response = post(api, writer.key, body(world, **changes))
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["type"] == "urn:motcua:problem:validation"
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert not Dossier.objects.exists() and not ApiIntake.objects.exists()
    assert not User.objects.filter(id_number=ID).exists() or pointer != "/applicant/id_number"


@pytest.mark.django_db
def test_refusals(api, world, writer, make_client):
    reader = make_client([world.agency], scopes=[Scope.DOSSIERS_READ])
    assert post(api, reader.key, body(world)).status_code == 403
    assert post(api, "mck_nope_nope", body(world)).status_code == 401
    elsewhere = make_client([AgencyFactory()], scopes=[Scope.DOSSIERS_WRITE])
    response = post(api, elsewhere.key, body(world))
    assert response.status_code == 422  # the agency is not one of its own
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_an_agency_taken_from_the_client_is_refused_at_once(api, world, writer):
    # The agency comes from the catalogue cache; whether it is the client's does not.
    assert post(api, writer.key, body(world)).status_code == 201
    writer.client.agencies.remove(world.agency)
    response = post(api, writer.key, body(world, external_id="G22.99-261127-000124"))
    assert response.status_code == 422, response.content
    assert [e["pointer"] for e in response.json()["errors"]] == ["/receiving_agency"]


@pytest.mark.django_db
def test_draft_then_documents_with_the_portals_checks(api, world, writer):
    data = body(world, case="Đăng ký lần đầu", submit=False)
    got = post(api, writer.key, data).json()
    assert got["status"] == "draft" and got["code"] is None
    url = f"{LIST}{got['ref']}/documents/"
    bad = api.post(url, {"file": _upload(b"MZ not a pdf", "x.pdf")}, **bearer(writer.key))
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/file"
    wrong_doc = api.post(
        url, {"file": _upload(PDF, "a.pdf"), "document": "nope"}, **bearer(writer.key)
    )
    assert wrong_doc.status_code == 422
    ok = api.post(
        url,
        {"file": _upload(PDF, "a.pdf"), "document": str(world.document.pk)},
        **bearer(writer.key),
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["document_id"] == world.document.pk
    detail = api.get(f"{LIST}{got['ref']}/", **bearer(writer.key)).json()
    assert len(detail["documents"]) == 1
    # Another client does not see this draft.
    other = _other_writer(world)
    assert api.get(f"{LIST}{got['ref']}/", **bearer(other.key)).status_code == 404
    submitted = api.post(f"{LIST}{got['ref']}/actions/submit/", **bearer(writer.key))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and submitted.json()["code"]
    again = api.post(f"{LIST}{got['ref']}/actions/submit/", **bearer(writer.key))
    assert again.status_code == 409


def _upload(content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.django_db(transaction=True)
def test_two_racing_retries_make_one_dossier():
    world = setup_world()
    from api import clients

    issued = clients.api_client_create(
        name="Cổng quốc gia", agencies=[world.agency], scopes=[Scope.DOSSIERS_WRITE]
    )
    data = body(world)
    barrier, results = threading.Barrier(2), []

    def retry():
        try:
            barrier.wait()
            response = post(Client(), issued.key, data)
            results.append((response.status_code, response.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(status for status, _code in results) == [200, 201]
    assert len({code for _status, code in results}) == 1
    assert Dossier.objects.filter(status=Status.SUBMITTED).count() == 1
    assert Business.objects.count() == 0


@pytest.mark.django_db
def test_filing_for_a_business(api, world, writer):
    person = {"id_number": ID, "full_name": "Trần Thị Mai", "birth_date": str(BIRTH)}
    new = {**person, "enterprise_code": "0100109106", "business_name": "Công ty Mai"}
    response = post(api, writer.key, body(world, applicant=new))
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.business.enterprise_code == "0100109106"
    assert response.json()["applicant"]["business_name"] == "Công ty Mai"
    # A known business: the person must be one of its members.
    Business.objects.create(enterprise_code="0312345672", name="Khác", legal_representative="B")
    other = {**person, "enterprise_code": "0312345672"}
    refused = post(api, writer.key, body(world, external_id="x-2", applicant=other))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["pointer"] == "/applicant/enterprise_code"
    bad = {**person, "enterprise_code": "0100109107", "business_name": "Sai"}
    wrong = post(api, writer.key, body(world, external_id="x-3", applicant=bad))
    assert wrong.status_code == 422 and Dossier.objects.count() == 1
    phone = {**person, "phone": "12345"}
    assert post(api, writer.key, body(world, external_id="x-4", applicant=phone)).status_code == 422


@pytest.mark.django_db
def test_the_filing_client_relays_the_applicants_supplement_and_withdrawal(
    api, world, writer, make_client
):
    code = post(api, writer.key, body(world)).json()["code"]
    desk = make_client([world.agency], scopes=[Scope.DOSSIERS_ACT], name="Một cửa")

    def act(key, action, data):
        url = f"{LIST}{code}/actions/{action}/"
        return api.post(url, data, content_type="application/json", **bearer(key))

    asked = act(desk.key, "request_supplement", {"note": "Thiếu bản sao giấy khai sinh"})
    assert asked.json()["status"] == "desk_supplement", asked.content
    # Only the client that filed the online dossier relays the applicant's answer.
    assert act(desk.key, "supplement", {"note": "Đã bổ sung"}).status_code in (403, 409)
    answered = act(writer.key, "supplement", {"note": "Đã bổ sung bản sao"})
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "submitted"
    assert act(desk.key, "withdraw", {"reason": "Nộp nhầm"}).status_code == 403
    assert act(writer.key, "withdraw", {"reason": ""}).status_code == 422
    withdrawn = act(writer.key, "withdraw", {"reason": "Nộp nhầm thủ tục"})
    assert withdrawn.json()["status"] == "withdrawn"
    dossier = Dossier.objects.get(code=code)
    rows = dossier.log.filter(action__in=[Action.SUPPLEMENT, Action.WITHDRAW])
    assert {(r.actor_id, r.actor_role) for r in rows} == {(dossier.applicant_id, "applicant")}
