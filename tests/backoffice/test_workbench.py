"""The dossier workbench: access only within the official's agencies, every action
through the page (a POST calling one service), clear messages when too late."""

import pytest

from dossiers.constants import Action, Status, Visibility
from dossiers.models import DossierLog
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World, pdf
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


def _last(dossier):
    """The last row an action wrote (not the system's row for a form's file)."""
    return dossier.log.exclude(action=Action.DOCUMENT_WRITTEN).last()


def _url(dossier, action=None):
    base = f"/mot-cua/ho-so/{dossier.ref}/"
    return f"{base}thao-tac/{action}/" if action else base


def _form_url(dossier, action):
    """The form of one action panel, fetched when the panel is opened."""
    return f"{_url(dossier, action)}mau/"


def _act(client, dossier, action, data=None, **kw):
    return client.post(_url(dossier, action), data or {}, follow=True, **kw)


@pytest.fixture
def world():
    return World()


def test_another_agencys_dossier_is_not_found():
    a, b = two_wards()
    theirs = b.dossier_in(Status.SUBMITTED)
    from django.test import Client

    client = force_login_verified(Client(), a.receptionist)
    document = theirs.documents.first()

    assert client.get(_url(theirs)).status_code == 404
    assert client.get(f"{_url(theirs)}tep/{document.pk}/").status_code == 404
    assert client.post(_url(theirs, "receive")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.SUBMITTED
    # A draft is the applicant's own business, even in the official's agency.
    assert client.get(_url(a.draft())).status_code == 404


def test_workbench_shows_everything_including_internal_notes(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    force_login_verified(client, world.specialist)
    _act(client, dossier, "note", {"note": "Gọi điện xác minh địa chỉ"})

    html = client.get(_url(dossier)).content.decode()

    assert dossier.code in html
    assert "Phạm Thu Hà" in html
    assert "Mức 1" in html or "Mức 2" in html  # verification level
    assert "Họ và tên" in html  # declaration, with the field's label
    assert "giay-to.pdf" in html
    assert "Gọi điện xác minh địa chỉ" in html
    assert "Nội bộ" in html
    assert DossierLog.objects.get(dossier=dossier, action=Action.NOTE).visibility == (
        Visibility.INTERNAL
    )
    # The specialist's actions for PROCESSING, not the desk's.
    assert 'id="action-propose"' in html
    assert 'id="action-receive"' not in html


def test_official_downloads_a_document(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)
    document = dossier.documents.first()

    response = client.get(f"{_url(dossier)}tep/{document.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"


def _status(dossier):
    dossier.refresh_from_db()
    return dossier.status


def test_the_whole_path_through_the_pages(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)
    response = _act(client, dossier, "receive", {"note": ""})
    assert "Đã thực hiện" in response.content.decode()
    assert _status(dossier) == Status.RECEIVED
    assert dossier.due_at is not None

    response = _act(client, dossier, "assign", {"assignee": world.specialist.pk, "note": "Gấp"})
    assert _status(dossier) == Status.PROCESSING
    assert dossier.assignee == world.specialist

    force_login_verified(client, world.specialist)
    _act(client, dossier, "propose", {"note": "Đủ điều kiện"})
    assert _status(dossier) == Status.AWAITING_APPROVAL

    force_login_verified(client, world.leader)
    response = _act(client, dossier, "return", {"note": ""})
    assert response.status_code == 400  # a reason is needed to send back
    assert _status(dossier) == Status.AWAITING_APPROVAL
    _act(client, dossier, "return", {"note": "Sửa lại căn cứ pháp lý"})
    assert _status(dossier) == Status.PROCESSING

    force_login_verified(client, world.specialist)
    _act(client, dossier, "propose", {"note": ""})
    force_login_verified(client, world.leader)
    _act(client, dossier, "approve", {"note": "", "result": pdf("ket-qua.pdf")})
    assert _status(dossier) == Status.RESULT_READY
    assert dossier.documents.filter(is_result=True).exists()

    force_login_verified(client, world.receptionist)
    _act(client, dossier, "return_result", {"note": "Trả tại quầy"})
    assert _status(dossier) == Status.RETURNED
    actions = list(DossierLog.objects.filter(dossier=dossier).values_list("action", flat=True))
    assert actions[-8:] == [
        "receive",
        "document_written",  # form 01's file, by the system
        "assign",
        "propose",
        "return",
        "propose",
        "approve",
        "return_result",
    ]


def test_refuse_needs_reasons(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)

    response = _act(client, dossier, "refuse", {"reason": "  "})
    assert response.status_code == 400
    assert _status(dossier) == Status.SUBMITTED

    _act(client, dossier, "refuse", {"reason": "Không thuộc thẩm quyền"})
    assert _status(dossier) == Status.REFUSED
    assert _last(dossier).note == "Không thuộc thẩm quyền"


@pytest.mark.parametrize(
    ("action", "data", "target"),
    [
        ("request_supplement", {"note": "Thiếu giấy khai sinh"}, "supplement_requested"),
        ("require_payment", {"amount": "50000", "reason": "Lệ phí"}, "awaiting_payment"),
        ("stop", {"reason": "Không đủ điều kiện"}, "stopped"),
        ("forward", {"assignee": None, "note": ""}, "processing"),
    ],
)
def test_specialist_actions(client, world, action, data, target):
    dossier = world.dossier_built(Status.PROCESSING)
    if "assignee" in data:
        data["assignee"] = world.specialist.pk
    force_login_verified(client, world.specialist)

    _act(client, dossier, action, data)

    assert _status(dossier) == target
    assert _last(dossier).action == action


def test_assign_only_to_a_specialist_of_the_competent_agency(client, world):
    dossier = world.dossier_built(Status.RECEIVED)
    force_login_verified(client, world.receptionist)

    response = _act(client, dossier, "assign", {"assignee": world.leader.pk})

    assert response.status_code == 400
    assert _status(dossier) == Status.RECEIVED


def test_someone_else_acted_first(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)
    # Another desk official received it a moment ago.
    from dossiers import services

    services.dossier_refuse(dossier_id=dossier.pk, actor=world.receptionist, reason="Trùng")

    response = _act(client, dossier, "receive", {"note": ""})

    html = response.content.decode()
    assert "người khác đã xử lý trước" in html
    assert _status(dossier) == Status.REFUSED
    assert not dossier.log.filter(action=Action.RECEIVE).exists()


def test_wrong_role_cannot_act(client, world):
    dossier = world.dossier_built(Status.AWAITING_APPROVAL)
    force_login_verified(client, world.specialist)

    response = _act(client, dossier, "approve", {"note": ""})

    # The state allows approval, the specialist's role does not: a 403 that says so,
    # not "someone else acted first".
    assert response.status_code == 403
    html = response.content.decode()
    assert "Vai trò của bạn không cho phép" in html and "người khác đã xử lý trước" not in html
    assert _status(dossier) == Status.AWAITING_APPROVAL
    assert not dossier.log.filter(action=Action.APPROVE).exists()


def test_an_action_the_state_no_longer_allows_says_the_dossier_changed(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    force_login_verified(client, world.leader)

    response = _act(client, dossier, "approve", {"note": ""})

    assert "người khác đã xử lý trước" in response.content.decode()
    assert _status(dossier) == Status.PROCESSING


def test_unknown_action_is_not_found(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)
    assert client.post(_url(dossier, "explode")).status_code == 404
    assert client.get(_url(dossier, "receive")).status_code == 405


def test_message_to_the_applicant_and_payments_shown(client, world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    force_login_verified(client, world.specialist)

    response = _act(client, dossier, "message", {"body": "Vui lòng nộp lệ phí trước thứ Sáu"})

    html = response.content.decode()
    assert dossier.messages.get().from_agency
    assert "Vui lòng nộp lệ phí trước thứ Sáu" in html
    assert "50.000 đ" in html  # the pending financial obligation
    assert _last(dossier).visibility == Visibility.PUBLIC  # the applicant sees it


def test_an_official_message_can_carry_a_file_the_applicant_downloads(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    force_login_verified(client, world.specialist)

    _act(client, dossier, "message", {"body": "Mẫu tờ khai đính kèm", "attachment": pdf("mau.pdf")})

    message = dossier.messages.get()
    assert message.from_agency and message.attachment is not None
    client.force_login(world.applicant)
    download = client.get(f"/ho-so/{dossier.ref}/tin-nhan/{message.pk}/tep/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_an_official_message_with_a_bad_file_writes_nothing(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = world.dossier_built(Status.PROCESSING)
    force_login_verified(client, world.specialist)
    logged = dossier.log.count()

    bad = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = _act(client, dossier, "message", {"body": "Xem tệp", "attachment": bad})

    assert response.status_code == 200
    assert not dossier.messages.exists() and dossier.log.count() == logged


def test_action_buttons_say_what_they_do(client, world):
    """A button is a verb ("Tiếp nhận hồ sơ"); the log keeps the past tense."""
    import re

    dossier = world.dossier_built(Status.SUBMITTED)
    force_login_verified(client, world.receptionist)
    html = "".join(
        client.get(_form_url(dossier, action)).content.decode()
        for action in (Action.RECEIVE, Action.REFUSE)
    )
    buttons = re.findall(
        r'<button class="button button--primary[^"]*" type="submit">([^<]*)<', html
    )
    assert "Tiếp nhận hồ sơ" in buttons and "Từ chối tiếp nhận" in buttons
    assert not [b for b in buttons if b.startswith("Đã ")]


@pytest.mark.parametrize(
    ("channel", "expected"), [("online", "online"), ("direct", "in_person"), ("postal", "post")]
)
def test_the_result_goes_back_the_way_the_dossier_came(client, world, channel, expected):
    import re

    dossier = world.dossier_built(Status.RESULT_READY)
    type(dossier).objects.filter(pk=dossier.pk).update(channel=channel)
    force_login_verified(client, world.receptionist)
    html = client.get(_form_url(dossier, Action.RETURN_RESULT)).content.decode()
    checked = re.findall(r'<input type="radio" name="mode" value="(\w+)"[^>]*checked', html)
    assert checked == [expected]


def test_assigning_lists_every_specialist_with_their_open_and_overdue_dossiers(client, world):
    """Whoever assigns sees who is free: the agency's specialists, each with the open
    dossiers they hold (from the queue tallies) and how many are overdue."""
    import datetime as dt

    from django.utils import timezone

    from identity.constants import OfficialRole
    from tests.identity.factories import make_official

    second = make_official(OfficialRole.SPECIALIST, world.agency.code, full_name="Oanh")
    busy = world.dossier_built(Status.PROCESSING)
    late = world.dossier_built(Status.PROCESSING)
    type(late).objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    dossier = world.dossier_built(Status.RECEIVED)
    assert busy.assignee == world.specialist == late.assignee
    force_login_verified(client, world.receptionist)
    assign = client.get(_form_url(dossier, Action.ASSIGN)).content.decode()
    assert "Minh: 2 hồ sơ đang giải quyết, 1 quá hạn" in assign
    assert "Oanh: 0 hồ sơ đang giải quyết" in assign
    assert f'value="{second.pk}"' in assign
