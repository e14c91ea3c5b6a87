"""The public list of answers: only answered items whose sender consented, without
personal data, per agency, keyset pages, behind the public rate limiter."""

import pytest
from django.urls import reverse

from feedback import selectors, services
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db
URL = reverse("portal:feedback-public")


def answered(world, send, *, consent=True, agency=None, leader=None, text=None, answer="Đã xử lý."):
    from feedback.models import Feedback

    agency = agency or world.agency
    item = send(public_consent=consent, agency=agency, text=text or "Nội dung phản ánh")
    leader = leader or world.leader
    services.feedback_assign(feedback_id=item.pk, actor=leader, assignee=leader)
    services.feedback_answer(feedback_id=item.pk, actor=leader, answer=answer)
    return Feedback.objects.get(pk=item.pk)


def test_only_consented_answered_items_are_listed(world, send, client):
    shown = answered(world, send, text="Hướng dẫn thủ tục chưa rõ")
    answered(world, send, consent=False, text="Không muốn công khai")
    send(public_consent=True, text="Chưa được trả lời")
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert shown.code in html and "Hướng dẫn thủ tục chưa rõ" in html
    assert "Không muốn công khai" not in html and "Chưa được trả lời" not in html


def test_no_personal_data_is_published(world, send, client):
    world.applicant.email = "ha.pham@example.vn"
    world.applicant.phone = "0912345678"
    world.applicant.id_number = "079190000777"
    world.applicant.save()
    answered(
        world,
        send,
        text="Tôi là Phạm Thu Hà, CCCD 079190000777, điện thoại 0912 345 678, "
        "email ha.pham@example.vn; cán bộ hẹn lại nhiều lần.",
        answer="Kính gửi bà Phạm Thu Hà: đã liên hệ số 0912.345.678 để xin lỗi.",
    )
    html = client.get(URL).content.decode()
    for secret in (
        "Phạm Thu Hà",
        "079190000777",
        "0912 345 678",
        "0912.345.678",
        "0912345678",
        "ha.pham@example.vn",
        world.applicant.username,
    ):
        assert secret not in html
    assert "cán bộ hẹn lại nhiều lần" in html and "để xin lỗi" in html
    # The page reads the published columns only.
    row = selectors.feedback_public_page().rows[0]
    assert set(row) == set(selectors.PUBLIC_FIELDS)


def test_the_official_edits_the_published_question(world, send):
    item = send(public_consent=True, text="Ông Trần Văn Tư ở tổ 5 hỏi về lệ phí.")
    services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=world.specialist)
    item = services.feedback_answer(
        feedback_id=item.pk,
        actor=world.specialist,
        answer="Lệ phí theo quy định.",
        public_question="Một công dân hỏi về lệ phí.",
    )
    assert item.public_question == "Một công dân hỏi về lệ phí."
    assert item.text.startswith("Ông Trần Văn Tư")  # the sender's own text is kept


def test_filter_by_agency_and_keyset_pages(world, send, client):
    other = AgencyFactory(code="000.00.32.H29", name="Sở Tư pháp")
    from identity.constants import OfficialRole
    from tests.identity.factories import make_official

    other_leader = make_official(OfficialRole.LEADER, other.code)
    mine = [answered(world, send) for _ in range(3)]
    theirs = answered(world, send, agency=other, leader=other_leader)
    page = selectors.feedback_public_page(agency_id=world.agency.pk, size=2)
    assert [r["code"] for r in page.rows] == [mine[2].code, mine[1].code]
    rest = selectors.feedback_public_page(agency_id=world.agency.pk, after=page.next_cursor, size=2)
    assert [r["code"] for r in rest.rows] == [mine[0].code] and rest.next_cursor is None
    html = client.get(URL, {"co-quan": other.pk}).content.decode()
    assert theirs.code in html and mine[0].code not in html
    # A bad filter or cursor is ignored, never an error.
    assert client.get(URL, {"co-quan": "abc", "sau": "!!"}).status_code == 200
    assert client.get(URL, {"co-quan": "999999"}).status_code == 200


def test_the_public_list_is_rate_limited(world, client, settings):
    settings.FEEDBACK_PUBLIC_RATE = 2
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 429
