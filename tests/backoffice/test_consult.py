"""Inter-agency consultation (liên thông): the competent agency asks, the consulted
agency reads the dossier (guardian grant) and answers, the answer enters the log, the
grant ends; a third agency never sees anything."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from dossiers import consultation as consult
from dossiers.constants import Action, ConsultationStatus, Status, Visibility
from dossiers.models import Consultation, DossierGroupObjectPermission, DossierLog
from identity.constants import OfficialRole
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import pdf
from tests.helpers import force_login_verified
from tests.identity.factories import make_official
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db

THIRD = "000.00.33.H29"


@pytest.fixture
def setup():
    """Ward A decides the dossier; ward B is consulted; a third ward stays outside."""
    a, b = two_wards()
    third = AgencyFactory(code=THIRD, name="Phường C")
    outsider = make_official(OfficialRole.SPECIALIST, THIRD, full_name="Ngoài")
    dossier = a.dossier_built(Status.PROCESSING)
    return a, b, third, outsider, dossier


def _client(user):
    return force_login_verified(Client(), user)


def _wb(dossier):
    return f"/mot-cua/ho-so/{dossier.ref}/"


def _ask_form(client, dossier):
    """The ask form, as its panel fetches it when opened."""
    return client.get(f"{_wb(dossier)}lien-thong/mau/").content.decode()


def _ask(client, dossier, target, **over):
    data = {
        "agency": target.pk,
        "question": "Thửa đất có nằm trong quy hoạch không?",
        "reply_by": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
        **over,
    }
    return client.post(f"{_wb(dossier)}lien-thong/", data)


def test_ask_grant_answer_log_and_revoke(setup):
    a, b, _third, outsider, dossier = setup
    asker, consulted = _client(a.specialist), _client(b.specialist)
    assert consulted.get(_wb(dossier)).status_code == 404  # not shared yet

    response = _ask(asker, dossier, b.agency)

    assert response.status_code == 302
    row = Consultation.objects.get()
    assert (row.asking_agency, row.consulted_agency) == (a.agency, b.agency)
    assert row.status == ConsultationStatus.OPEN
    grant = DossierGroupObjectPermission.objects.get()
    assert grant.content_object_id == dossier.pk
    assert grant.group.name == f"agency:{b.agency.code}"
    assert grant.permission.codename == "view_dossier"
    log = DossierLog.objects.get(dossier=dossier, action=Action.CONSULT)
    assert log.visibility == Visibility.INTERNAL and log.data["agency"] == b.agency.code

    # The consulted agency: in its queue, a read-only workbench with only "answer".
    queue = consulted.get("/mot-cua/lien-thong/").content.decode()
    assert dossier.code in queue
    bench = consulted.get(_wb(dossier))
    html = bench.content.decode()
    assert bench.status_code == 200
    assert "Thửa đất có nằm trong quy hoạch không?" in html
    assert f"{_wb(dossier)}lien-thong/{row.pk}/tra-loi/" in html
    assert "/thao-tac/" not in html  # no workflow action, no note, no message
    assert f'{_wb(dossier)}lien-thong/"' not in html  # cannot ask in turn
    document = dossier.documents.first()
    assert consulted.get(f"{_wb(dossier)}tep/{document.pk}/").status_code == 200
    # ...and cannot act on the dossier: the state allows "propose", their roles here do
    # not (403 that says so).
    refused = consulted.post(f"{_wb(dossier)}thao-tac/propose/")
    assert refused.status_code == 403
    assert "Vai trò của bạn không cho phép" in refused.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert not DossierLog.objects.filter(dossier=dossier, action=Action.PROPOSE).exists()

    # A third agency sees nothing.
    third = _client(outsider)
    assert third.get(_wb(dossier)).status_code == 404
    assert dossier.code not in third.get("/mot-cua/lien-thong/").content.decode()
    assert (
        third.post(f"{_wb(dossier)}lien-thong/{row.pk}/tra-loi/", {"answer": "x"}).status_code
        == 404
    )

    # The answer: text and a file; the log; the grant ends.
    answered = consulted.post(
        f"{_wb(dossier)}lien-thong/{row.pk}/tra-loi/",
        {"answer": "Không nằm trong quy hoạch.", "file": pdf("y-kien.pdf")},
    )
    assert answered.status_code == 302
    row.refresh_from_db()
    assert row.status == ConsultationStatus.ANSWERED
    assert row.answered_by == b.specialist and row.answer_file.name == "y-kien.pdf"
    entry = DossierLog.objects.get(dossier=dossier, action=Action.ANSWER)
    assert entry.note == "Không nằm trong quy hoạch." and entry.actor == b.specialist
    assert entry.data["file"]["name"] == "y-kien.pdf"
    assert not DossierGroupObjectPermission.objects.exists()
    assert consulted.get(_wb(dossier)).status_code == 404

    # The asking agency sees the opinion and its file.
    html = asker.get(_wb(dossier)).content.decode()
    assert "Không nằm trong quy hoạch." in html
    file_url = f"{_wb(dossier)}lien-thong/{row.pk}/tep/"
    assert file_url in html
    assert asker.get(file_url).status_code == 200


def test_the_applicant_never_sees_consultations(setup, client):
    a, b, _third, _outsider, dossier = setup
    consult.consultation_ask(
        dossier_id=dossier.pk,
        actor=a.leader,
        consulted_agency=b.agency,
        question="Câu hỏi nội bộ",
        reply_by=timezone.localdate(),
    )
    client.force_login(a.applicant)
    html = client.get(f"/ho-so/{dossier.ref}/").content.decode()
    assert "Câu hỏi nội bộ" not in html


def test_finishing_the_dossier_closes_the_question_and_the_grant(setup):
    a, b, _third, _outsider, dossier = setup
    row = consult.consultation_ask(
        dossier_id=dossier.pk,
        actor=a.specialist,
        consulted_agency=b.agency,
        question="?",
        reply_by=timezone.localdate(),
    )
    from dossiers import services

    services.dossier_stop(dossier_id=dossier.pk, actor=a.specialist, reason="Không đủ điều kiện")

    row.refresh_from_db()
    assert row.status == ConsultationStatus.CLOSED
    assert not DossierGroupObjectPermission.objects.exists()
    assert DossierLog.objects.filter(dossier=dossier, action=Action.CONSULT_CLOSE).count() == 1
    assert _client(b.specialist).get(_wb(dossier)).status_code == 404


@pytest.mark.parametrize("who", ["receptionist", "citizen", "anonymous", "outsider", "consulted"])
def test_who_may_not_ask(setup, who):
    a, b, _third, outsider, dossier = setup
    if who == "anonymous":
        client = Client()
    else:
        user = {
            "receptionist": a.receptionist,
            "citizen": a.applicant,
            "outsider": outsider,
            "consulted": b.leader,
        }[who]
        client = _client(user)
    response = _ask(client, dossier, b.agency)
    assert response.status_code in (302, 403, 404)
    assert not Consultation.objects.exists()
    assert not DossierGroupObjectPermission.objects.exists()


@pytest.mark.parametrize(
    "over",
    [{"question": ""}, {"reply_by": "2000-01-01"}, {"agency": "999999"}],
    ids=["no question", "past date", "forged agency"],
)
def test_bad_questions_write_nothing(setup, over):
    a, b, _third, _outsider, dossier = setup
    client = _client(a.specialist)
    before = DossierLog.objects.count()
    response = _ask(client, dossier, b.agency, **over)
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 200
    assert not Consultation.objects.exists()
    assert DossierLog.objects.count() == before


def test_asking_own_agency_or_twice_is_refused(setup):
    a, b, _third, _outsider, dossier = setup
    from dossiers.errors import DossierError

    with pytest.raises(DossierError):
        consult.consultation_ask(
            dossier_id=dossier.pk,
            actor=a.specialist,
            consulted_agency=a.agency,
            question="?",
            reply_by=timezone.localdate(),
        )
    kw = {
        "dossier_id": dossier.pk,
        "actor": a.specialist,
        "consulted_agency": b.agency,
        "question": "?",
        "reply_by": timezone.localdate(),
    }
    consult.consultation_ask(**kw)
    with pytest.raises(DossierError):
        consult.consultation_ask(**kw)
    assert Consultation.objects.count() == 1


def test_answer_needs_a_role_at_the_consulted_agency(setup):
    a, b, _third, _outsider, dossier = setup
    row = consult.consultation_ask(
        dossier_id=dossier.pk,
        actor=a.specialist,
        consulted_agency=b.agency,
        question="?",
        reply_by=timezone.localdate(),
    )
    # The asking agency cannot answer its own question; the consulted desk neither.
    for user in (a.specialist, b.receptionist):
        response = _client(user).post(
            f"{_wb(dossier)}lien-thong/{row.pk}/tra-loi/", {"answer": "Tự trả lời"}
        )
        assert response.status_code in (302, 403)
    row.refresh_from_db()
    assert row.status == ConsultationStatus.OPEN
    # An empty opinion is refused, nothing written.
    _client(b.specialist).post(f"{_wb(dossier)}lien-thong/{row.pk}/tra-loi/", {"answer": " "})
    row.refresh_from_db()
    assert row.status == ConsultationStatus.OPEN
    assert not DossierLog.objects.filter(action=Action.ANSWER).exists()


def test_consultations_queue_has_bounded_queries(setup, django_assert_max_num_queries):
    a, b, _third, _outsider, _dossier = setup
    for _ in range(3):
        d = a.dossier_built(Status.PROCESSING)
        consult.consultation_ask(
            dossier_id=d.pk,
            actor=a.specialist,
            consulted_agency=b.agency,
            question="?",
            reply_by=timezone.localdate(),
        )
    client = _client(b.specialist)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/mot-cua/lien-thong/").status_code == 200
    for _ in range(6):
        d = a.dossier_built(Status.PROCESSING)
        consult.consultation_ask(
            dossier_id=d.pk,
            actor=a.specialist,
            consulted_agency=b.agency,
            question="?",
            reply_by=timezone.localdate(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/mot-cua/lien-thong/")
    assert page.content.decode().count("/mot-cua/ho-so/") == 9


def test_consultations_queue_keyset_pages(setup):
    a, b, _third, _outsider, _dossier = setup
    for days in range(4):
        d = a.dossier_built(Status.PROCESSING)
        consult.consultation_ask(
            dossier_id=d.pk,
            actor=a.specialist,
            consulted_agency=b.agency,
            question="?",
            reply_by=timezone.localdate() + datetime.timedelta(days=days),
        )
    first, cursor = consult.consultation_list_for_agencies(agency_ids={b.agency.pk}, size=3)
    second, end = consult.consultation_list_for_agencies(
        agency_ids={b.agency.pk}, size=3, after=cursor
    )
    assert len(first) == 3 and len(second) == 1 and end is None
    assert [r.reply_by for r in first + second] == sorted(r.reply_by for r in first + second)


def test_queue_and_shared_check_are_index_backed(setup):
    """With sequential scans and sorts off (as on a large table, where reading the
    ordered index beats sorting; on a few rows the two plans tie), the consultations
    queue uses `consult_queue` and the "shared with my agency" check probes the grant
    table's unique index."""
    from django.db import connection

    from dossiers.models import Dossier

    a, b, _third, _outsider, dossier = setup
    consult.consultation_ask(
        dossier_id=dossier.pk,
        actor=a.specialist,
        consulted_agency=b.agency,
        question="?",
        reply_by=timezone.localdate(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    queue_plan = (
        Consultation.objects.filter(consulted_agency_id__in={b.agency.pk}, status="open")
        .order_by("reply_by", "pk")[:26]
        .explain()
    )
    assert "consult_queue" in queue_plan
    shared_plan = Dossier.objects.filter(
        pk__in=consult.shared_dossier_ids({b.agency.code}), ref=dossier.ref
    ).explain()
    grant_table = DossierGroupObjectPermission._meta.db_table
    assert "Seq Scan" not in shared_plan, shared_plan
    assert grant_table in shared_plan


def test_the_agency_list_follows_the_catalogue_though_it_is_cached(setup):
    """The "ask another agency" list is cached (dossiers.consultation.agency_choices):
    an agency added, renamed or closed shows so on the next workbench."""
    a, _b, third, _outsider, dossier = setup
    client = _client(a.specialist)
    assert "Phường C" in _ask_form(client, dossier)

    AgencyFactory(code="000.00.34.H29", name="Phường Mới Lập")
    third.name = "Phường C đổi tên"
    third.save()
    page = _ask_form(client, dossier)
    assert "Phường Mới Lập (000.00.34.H29)" in page
    assert "Phường C đổi tên (000.00.33.H29)" in page

    third.is_active = False
    third.save()
    assert "000.00.33.H29" not in _ask_form(client, dossier)
    # The asking agency itself is never offered.
    assert (a.agency.pk, f"{a.agency.name} ({a.agency.code})") not in consult.agency_choices(
        exclude_id=a.agency.pk
    )


def test_the_consulted_agency_sees_the_question_not_the_internal_notes(setup):
    """A consulted agency reads the dossier and its own consultation, and what the
    applicant sees of the log; the deciding agency's internal notes stay with it."""
    from dossiers import services

    a, b, _third, _outsider, dossier = setup
    services.dossier_note_add(
        dossier_id=dossier.pk, actor=a.specialist, note="Ghi chú nội bộ: chờ ý kiến lãnh đạo"
    )
    asker, consulted = _client(a.specialist), _client(b.specialist)
    assert _ask(asker, dossier, b.agency).status_code == 302

    theirs = consulted.get(_wb(dossier)).content.decode()
    assert "Thửa đất có nằm trong quy hoạch không?" in theirs  # their question
    assert "Ghi chú nội bộ" not in theirs
    ours = asker.get(_wb(dossier)).content.decode()
    assert "Ghi chú nội bộ: chờ ý kiến lãnh đạo" in ours


def test_form_06_stays_with_the_deciding_agency(setup):
    """The process control sheet lists every handover with its note: the consulted
    agency neither sees the link nor gets the PDF."""
    a, b, _third, _outsider, dossier = setup
    asker, consulted = _client(a.specialist), _client(b.specialist)
    assert _ask(asker, dossier, b.agency).status_code == 302
    sheet = f"{_wb(dossier)}mau-06.pdf"

    assert sheet in asker.get(_wb(dossier)).content.decode()
    assert asker.get(sheet)["Content-Type"] == "application/pdf"
    page = consulted.get(_wb(dossier))
    assert page.status_code == 200 and sheet not in page.content.decode()
    assert consulted.get(sheet).status_code == 404


def test_a_consulted_agency_reads_its_own_questions_only(setup):
    """Two agencies consulted: each sees (and may fetch the file of) its own question,
    not the other's; the deciding agency sees both (`consultations_visible_to`)."""
    a, b, third, outsider, dossier = setup
    asker = _client(a.specialist)
    assert _ask(asker, dossier, b.agency, question="Câu hỏi cho phường B").status_code == 302
    assert _ask(asker, dossier, third, question="Câu hỏi cho phường C").status_code == 302
    to_third = Consultation.objects.get(consulted_agency=third)
    consult.consultation_answer(
        consultation_id=to_third.pk, actor=outsider, answer="Ý kiến C", upload=pdf("y-kien.pdf")
    )

    at_b = _client(b.specialist)
    page = at_b.get(_wb(dossier)).content.decode()
    assert "Câu hỏi cho phường B" in page and "Câu hỏi cho phường C" not in page
    assert at_b.get(f"{_wb(dossier)}lien-thong/{to_third.pk}/tep/").status_code == 404
    # Nor may B answer C's question (closed anyway): not found, nothing written.
    response = at_b.post(f"{_wb(dossier)}lien-thong/{to_third.pk}/tra-loi/", {"answer": "x"})
    assert response.status_code == 404

    ours = asker.get(_wb(dossier)).content.decode()
    assert "Câu hỏi cho phường B" in ours and "Câu hỏi cho phường C" in ours
    assert asker.get(f"{_wb(dossier)}lien-thong/{to_third.pk}/tep/").status_code == 200


def test_only_the_citys_agencies_and_the_procedures_ministries_are_offered(setup):
    """Imported national records bring other provinces' agencies and every ministry
    along: the list offers the city's tree and the ministries this procedure names."""
    from procedures.constants import AgencyKind

    a, b, third, _outsider, dossier = setup
    city = AgencyFactory(code="000.00.00.H29", name="Ủy ban nhân dân Thành phố", kind="city")
    for ward in (a.agency, b.agency, third):
        ward.parent = city
        ward.save()
    hanoi = AgencyFactory(code="000.00.01.H01", name="Sở Tư pháp Hà Nội", kind="other")
    justice = AgencyFactory(code="G05", name="Bộ Tư pháp", kind=AgencyKind.MINISTRY)
    AgencyFactory(code="G09", name="Bộ Xây dựng", kind=AgencyKind.MINISTRY)
    dossier.version.procedure.competent_agencies.add(justice)

    client = _client(a.specialist)
    page = _ask_form(client, dossier)
    assert "Phường C" in page and "Bộ Tư pháp (G05)" in page
    assert "Sở Tư pháp Hà Nội" not in page and "Bộ Xây dựng" not in page

    # A hand-made request naming an agency outside the list changes nothing.
    _ask(client, dossier, hanoi)
    assert not Consultation.objects.exists()
    assert _ask(client, dossier, justice).status_code == 302
    assert Consultation.objects.get().consulted_agency == justice


def test_the_ask_panel_fetches_its_form_when_opened(setup):
    """The agency list is long: the workbench carries the panel closed, without it; the
    panel fetches the form when opened (htmx), or the page is asked again with it open
    (its link without script); the form is refused to whoever may not ask."""
    a, b, _third, outsider, dossier = setup
    client = _client(a.specialist)
    page = client.get(_wb(dossier)).content.decode()
    panel = page[
        page.index('id="action-consult"') : page.index(
            "</details>", page.index('id="action-consult"')
        )
    ]
    assert 'name="agency"' not in page
    assert f'hx-get="{_wb(dossier)}lien-thong/mau/"' in panel
    assert 'href="?hanh-dong=consult#action-consult"' in panel

    opened = client.get(f"{_wb(dossier)}?hanh-dong=consult").content.decode()
    assert '<details class="bo-action" id="action-consult" open>' in opened
    assert 'name="agency"' in opened and f'action="{_wb(dossier)}lien-thong/"' in opened

    fragment = client.get(f"{_wb(dossier)}lien-thong/mau/")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.startswith("<form") and body.rstrip().endswith("</form>")
    assert "csrfmiddlewaretoken" in body
    for name in ("agency", "question", "reply_by"):
        assert f'id="id_consult_{name}"' in body

    for user in (a.receptionist, b.leader, outsider):
        assert _client(user).get(f"{_wb(dossier)}lien-thong/mau/").status_code == 404
        assert 'id="action-consult"' not in _client(user).get(_wb(dossier)).content.decode()
    dossier.status = Status.RESULT_READY
    dossier.save(update_fields=["status"])
    assert client.get(f"{_wb(dossier)}lien-thong/mau/").status_code == 404
