"""The portal and back-office pages of feedback: scoping (404), roles (403), forms,
bad input (never a 500, nothing half-written), overdue highlighted, bounded queries."""

import datetime as dt
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers.constants import Status as DossierStatus
from feedback import services
from feedback.constants import Kind, Status
from feedback.models import Feedback, FeedbackAttachment
from identity.constants import OfficialRole
from tests.dossiers.factories import pdf
from tests.helpers import force_login_verified
from tests.identity.factories import make_official
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db
SEND = reverse("portal:feedback-send")
VN = dt.timezone(dt.timedelta(hours=7))


def form(world, **kw):
    return {
        "kind": Kind.FEEDBACK,
        "agency": world.agency.pk,
        "title": "Thái độ tiếp dân",
        "text": "Cán bộ hướng dẫn chưa rõ ràng.",
        **kw,
    }


# --- portal ---------------------------------------------------------------------------


def test_send_page_needs_sign_in(client):
    response = client.get(SEND)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_citizen_sends_with_a_file_and_gets_the_code(world, client):
    client.force_login(world.applicant)
    assert client.get(SEND).status_code == 200
    response = client.post(
        SEND, {**form(world, public_consent="on"), "files": [pdf("bien-ban.pdf")]}, follow=True
    )
    item = Feedback.objects.get()
    assert response.redirect_chain[-1][0] == reverse("portal:feedback-detail", args=[item.ref])
    page = response.content.decode()
    assert item.code in page and "bien-ban.pdf" in page
    assert item.public_consent and item.agency == world.agency
    attachment = FeedbackAttachment.objects.get()
    download = client.get(reverse("portal:feedback-file", args=[item.ref, attachment.pk]))
    assert download.status_code == 200


def test_a_bad_file_re_renders_the_form_in_vietnamese_and_writes_nothing(world, client):
    client.force_login(world.applicant)
    bad = SimpleUploadedFile("hoa-don.pdf", b"MZ not really a pdf")
    response = client.post(SEND, {**form(world), "files": [bad]})
    assert response.status_code == 400
    assert "không thuộc loại được chấp nhận" in response.content.decode()
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"agency": "abc"},
        {"agency": "999999"},
        {"kind": "khieu-nai"},
        {"title": ""},
        {"text": "x" * (services.TEXT_MAX + 1)},
    ],
)
def test_bad_input_is_a_400_never_a_500(world, client, data):
    client.force_login(world.applicant)
    assert client.post(SEND, form(world, **data)).status_code == 400
    assert not Feedback.objects.exists()


def test_send_from_a_dossier_page_and_a_procedure_page(world, client):
    dossier = world.dossier_built(DossierStatus.PROCESSING)
    client.force_login(world.applicant)
    page = client.get(reverse("portal:dossier-detail", args=[dossier.ref])).content.decode()
    assert f"{SEND}?ho-so={dossier.ref}" in page
    response = client.post(f"{SEND}?ho-so={dossier.ref}", form(world, agency=""))
    assert response.status_code == 302
    assert Feedback.objects.get().dossier == dossier
    world.procedure.competent_agencies.set([world.agency])
    response = client.post(f"{SEND}?thu-tuc={world.procedure.code}", form(world, agency=""))
    assert response.status_code == 302
    assert Feedback.objects.latest("pk").procedure == world.procedure


def test_another_persons_dossier_or_unknown_procedure_is_a_404(world, client):
    dossier = world.dossier_built(DossierStatus.PROCESSING)
    client.force_login(world.other)
    assert client.get(f"{SEND}?ho-so={dossier.ref}").status_code == 404
    assert client.post(f"{SEND}?ho-so={dossier.ref}", form(world)).status_code == 404
    assert client.get(f"{SEND}?ho-so=not-a-uuid").status_code == 404
    assert client.get(f"{SEND}?thu-tuc=9.999999").status_code == 404
    assert not Feedback.objects.exists()


def test_another_persons_feedback_is_a_404(world, send, client):
    item = send(uploads=[pdf()])
    attachment = FeedbackAttachment.objects.get()
    client.force_login(world.other)
    assert client.get(reverse("portal:feedback-detail", args=[item.ref])).status_code == 404
    url = reverse("portal:feedback-file", args=[item.ref, attachment.pk])
    assert client.get(url).status_code == 404
    assert item.code not in client.get(reverse("portal:feedback-list")).content.decode()


def test_my_feedback_list_is_keyset_paginated(world, send, client, django_assert_max_num_queries):
    items = [send(title=f"Phản ánh số {i}") for i in range(23)]
    client.force_login(world.applicant)
    url = reverse("portal:feedback-list")
    with django_assert_max_num_queries(8):
        first = client.get(url)
    assert items[-1].code in first.content.decode()
    cursor = first.context["page"].next_cursor
    second = client.get(url, {"sau": cursor}).content.decode()
    assert items[0].code in second and items[-1].code not in second
    assert client.get(url, {"sau": "garbage"}).status_code == 200


# --- back office ---------------------------------------------------------------------


def official(client, user):
    return force_login_verified(client, user)


def test_queue_shows_the_agencys_items_and_highlights_overdue(
    world, send, client, settings, django_assert_max_num_queries
):
    settings.FEEDBACK_ANSWER_DAYS = 1
    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    ):
        late = send(title="Quá hạn")
    fresh = send(title="Mới")
    other = AgencyFactory(code="000.00.32.H29")
    elsewhere = send(agency=other, title="Cơ quan khác")
    official(client, world.specialist)
    url = reverse("backoffice:feedback-queue")
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert late.code in page and fresh.code in page and elsewhere.code not in page
    assert page.index(late.code) < page.index(fresh.code)  # soonest deadline first
    assert "bo-table__row--overdue" in page
    overdue = client.get(url, {"hang": "overdue"}).content.decode()
    assert late.code in overdue and fresh.code not in overdue
    assert client.get(url, {"hang": "nonsense", "sau": "x"}).status_code == 200


def test_another_agencys_item_is_a_404(world, send, client):
    other = AgencyFactory(code="000.00.32.H29")
    item = send(agency=other)
    official(client, world.leader)
    assert client.get(reverse("backoffice:feedback", args=[item.ref])).status_code == 404
    response = client.post(
        reverse("backoffice:feedback-assign", args=[item.ref]), {"assignee": world.specialist.pk}
    )
    assert response.status_code == 404
    assert Feedback.objects.get().status == Status.RECEIVED


def test_leader_assigns_specialist_answers_in_the_back_office(world, send, client):
    item = send(public_consent=True)
    official(client, world.specialist)
    page = client.get(reverse("backoffice:feedback", args=[item.ref])).content.decode()
    assert (
        "feedback-assign" not in page
        and reverse("backoffice:feedback-assign", args=[item.ref]) not in page
    )
    refused = client.post(
        reverse("backoffice:feedback-assign", args=[item.ref]), {"assignee": world.specialist.pk}
    )
    assert refused.status_code == 403
    official(client, world.leader)
    response = client.post(
        reverse("backoffice:feedback-assign", args=[item.ref]), {"assignee": world.specialist.pk}
    )
    assert response.status_code == 302
    official(client, world.specialist)
    page = client.get(reverse("backoffice:feedback", args=[item.ref])).content.decode()
    assert reverse("backoffice:feedback-answer", args=[item.ref]) in page
    response = client.post(
        reverse("backoffice:feedback-answer", args=[item.ref]),
        {"answer": "Đã chấn chỉnh.", "public_question": "Một công dân phản ánh thái độ."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.ANSWERED and item.public_question.startswith("Một công dân")


def test_answer_by_someone_else_changes_nothing(world, send, client):
    item = send()
    services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=world.specialist)
    other_specialist = make_official(OfficialRole.SPECIALIST, world.agency.code)
    official(client, other_specialist)
    response = client.post(
        reverse("backoffice:feedback-answer", args=[item.ref]), {"answer": "Trả lời"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.ASSIGNED and item.answer == ""


def test_leader_closes_and_a_bad_assignee_is_a_400(world, send, client):
    item = send()
    official(client, world.leader)
    bad = client.post(reverse("backoffice:feedback-assign", args=[item.ref]), {"assignee": "x"})
    assert bad.status_code == 400
    response = client.post(
        reverse("backoffice:feedback-close", args=[item.ref]), {"reason": "Không thuộc thẩm quyền"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.CLOSED
    official(client, world.specialist)
    refused = client.post(reverse("backoffice:feedback-close", args=[item.ref]), {"reason": "x"})
    assert refused.status_code == 403


def test_forged_cursors_give_the_first_page(world, send, client):
    import base64
    import json

    item = send()
    cursor = base64.urlsafe_b64encode(json.dumps([None, 1]).encode()).decode().rstrip("=")
    client.force_login(world.applicant)
    mine = client.get(reverse("portal:feedback-list"), {"sau": cursor})
    assert mine.status_code == 200 and item.code in mine.content.decode()
    official(client, world.leader)
    queue = client.get(reverse("backoffice:feedback-queue"), {"sau": cursor})
    assert queue.status_code == 200 and item.code in queue.content.decode()
    assert client.get(reverse("portal:feedback-public"), {"sau": cursor}).status_code == 200
