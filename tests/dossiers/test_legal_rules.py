"""The one-stop rules of `dossiers.legal`, each through the services: the supplement at
the desk and once, the clock restarted after a supplement, the apology before the
deadline and at most once, the transfer by the 15:00 rule. A refused rule writes
nothing.

The procedure of `World` takes 3 working days; times are Vietnam's (UTC+7)."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from dossiers import legal, services
from dossiers.constants import Action, StandardForm, Status
from dossiers.errors import DossierError
from dossiers.models import Dossier
from dossiers.workflow import APOLOGY_FIRST, TRANSITIONS, TransitionNotAllowed
from tests.dossiers.factories import pdf
from tests.helpers import ignore_triggers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]

VN = dt.timezone(dt.timedelta(hours=7))


def at(*args):
    return mock.patch("django.utils.timezone.now", return_value=dt.datetime(*args, tzinfo=VN))


def local(moment):
    return timezone.localtime(moment).replace(tzinfo=None)


def unchanged(dossier):
    """What a refused rule must leave as it was: the row and the log."""
    d = Dossier.objects.get(pk=dossier.pk)
    return (d.status, d.due_at, d.paused_at, d.log.count(), d.issued.count())


def last(dossier, action):
    return dossier.log.filter(action=action).order_by("-seq").first()


# --- every citation in one place -------------------------------------------------------


def test_every_edge_cites_the_one_legal_module():
    for (state, action), edge in TRANSITIONS.items():
        assert isinstance(edge.basis, legal.Citation), (state, action)
    basis = TRANSITIONS[(Status.SUBMITTED, Action.REQUEST_SUPPLEMENT)].basis
    assert basis.text(vietnamese=False) == (
        "Decree 118/2025/NĐ-CP (receipt: an incomplete dossier is sent back for a "
        "supplement) — Decree 61/2018/NĐ-CP art. 17 cl. 1 a, art. 15 cl. 3; form 02 "
        "Circular 03/2025/TT-VPCP"
    )
    assert "Điều 19 khoản 9" in legal.APOLOGY.text(vietnamese=True)
    # Withdrawal is the applicant's right, not a prohibited act (art. 5).
    withdraw = TRANSITIONS[(Status.PROCESSING, Action.WITHDRAW)].basis
    assert "art. 5" not in withdraw.text(vietnamese=False)


def test_the_seven_forms_carry_the_2025_titles():
    assert [f.value for f in StandardForm] == ["01", "02", "03", "04", "05", "06", "07"]
    assert legal.FORM_TITLES["04"] == "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"
    assert legal.FORM_TITLES["05"] == "Thông báo dừng giải quyết hồ sơ"


# --- 1. the supplement at the desk -----------------------------------------------------


def test_the_desk_asks_for_a_supplement_and_the_answer_comes_back_to_it(world):
    dossier = world.dossier_in(Status.SUBMITTED)
    services.dossier_request_supplement(
        dossier_id=dossier.pk, actor=world.receptionist, note="Thiếu tờ khai có chữ ký"
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.DESK_SUPPLEMENT
    assert dossier.due_at is None and dossier.received_at is None  # no clock yet
    row = last(dossier, Action.REQUEST_SUPPLEMENT)
    assert row.data["phase"] == "desk" and row.data["document"]["form"] == "02"
    assert row.actor_role == "receptionist" and row.note == "Thiếu tờ khai có chữ ký"

    services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, uploads=[pdf()])
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED  # back at the desk, not in processing
    assert dossier.due_at is None
    assert last(dossier, Action.SUPPLEMENT).data["phase"] == "desk"

    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None


def test_the_desk_asks_once(world):
    dossier = world.dossier_in(Status.SUBMITTED)
    services.dossier_request_supplement(dossier_id=dossier.pk, actor=world.receptionist, note="a")
    services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, note="đã bổ sung")
    before = unchanged(dossier)
    with pytest.raises(DossierError, match="đã yêu cầu bổ sung một lần"):
        services.dossier_request_supplement(
            dossier_id=dossier.pk, actor=world.receptionist, note="b"
        )
    assert unchanged(dossier) == before


def test_only_the_desk_asks_before_receipt(world):
    dossier = world.dossier_in(Status.SUBMITTED)
    before = unchanged(dossier)
    with pytest.raises(TransitionNotAllowed):
        services.dossier_request_supplement(dossier_id=dossier.pk, actor=world.specialist, note="a")
    assert unchanged(dossier) == before


# --- 2. the supplement during processing -----------------------------------------------


def test_a_request_within_3_working_days_is_on_time_and_after_is_late(world):
    with ignore_triggers():  # a published version is frozen
        world.version.channels.update(processing_time=10)
    with at(2026, 3, 2, 9, 0):  # Monday
        early = world.dossier_in(Status.PROCESSING)
        late = world.dossier_in(Status.PROCESSING)
    with at(2026, 3, 5, 16, 0):  # Thursday: 3 working days after receipt
        services.dossier_request_supplement(dossier_id=early.pk, actor=world.specialist, note="a")
    with at(2026, 3, 6, 9, 0):  # Friday: the 4th
        services.dossier_request_supplement(dossier_id=late.pk, actor=world.specialist, note="a")
    assert last(early, Action.REQUEST_SUPPLEMENT).data["timeliness"] == "on_time"
    row = last(late, Action.REQUEST_SUPPLEMENT)
    assert row.data["timeliness"] == "late" and row.data["phase"] == "processing"
    assert Dossier.objects.get(pk=late.pk).status == Status.SUPPLEMENT_REQUESTED  # allowed


def _second_request_ready(world):
    dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)
    services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, uploads=[pdf()])
    return dossier


def test_a_second_request_is_refused_to_a_specialist(world):
    dossier = _second_request_ready(world)
    before = unchanged(dossier)
    with pytest.raises(DossierError, match="phải được lãnh đạo xác nhận"):
        services.dossier_request_supplement(
            dossier_id=dossier.pk, actor=world.specialist, note="còn thiếu", confirmation="x"
        )
    assert unchanged(dossier) == before


def test_a_second_request_needs_the_leaders_written_reason(world):
    dossier = _second_request_ready(world)
    before = unchanged(dossier)
    with pytest.raises(DossierError, match="Ghi rõ lý do"):
        services.dossier_request_supplement(dossier_id=dossier.pk, actor=world.leader, note="x")
    assert unchanged(dossier) == before
    services.dossier_request_supplement(
        dossier_id=dossier.pk,
        actor=world.leader,
        note="Bản sao chưa chứng thực",
        confirmation="Giấy tờ nộp bổ sung không hợp lệ",
    )
    row = last(dossier, Action.REQUEST_SUPPLEMENT)
    assert row.actor_role == "leader" and row.data["repeat"] is True
    assert row.data["confirmation"] == "Giấy tờ nộp bổ sung không hợp lệ"


# --- 3. the clock restarts after a supplement ------------------------------------------


def test_the_full_time_counts_again_from_the_supplement_across_tet(world):
    with at(2026, 2, 2, 9, 0):  # Monday
        dossier = world.dossier_in(Status.PROCESSING)
    assert local(dossier.due_at) == dt.datetime(2026, 2, 5, 17, 0)
    with at(2026, 2, 3, 10, 0):
        services.dossier_request_supplement(dossier_id=dossier.pk, actor=world.specialist, note="x")
    # Friday before Tết (14-22 February 2026 are days off): the day counts as day zero,
    # then three working days after the holiday.
    with at(2026, 2, 13, 10, 0):
        services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, uploads=[pdf()])
    dossier.refresh_from_db()
    assert local(dossier.due_at) == dt.datetime(2026, 2, 25, 17, 0)
    row = last(dossier, Action.SUPPLEMENT)
    assert row.data["clock"] == "restarted" and row.data["clock_rule"] == "restart"
    assert dossier.paused_at is None and dossier.paused_days == 8


def test_a_supplement_after_the_cut_off_on_friday_restarts_on_monday(world):
    with at(2026, 3, 2, 9, 0):
        dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)
    with at(2026, 3, 6, 16, 0):  # Friday after 15:00: the clock starts on Monday
        services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, uploads=[pdf()])
    dossier.refresh_from_db()
    assert local(dossier.due_at) == dt.datetime(2026, 3, 12, 17, 0)


def test_the_pause_setting_only_adds_the_days_waited(world, settings):
    settings.LEGAL_SUPPLEMENT_CLOCK = "pause"
    with at(2026, 2, 2, 9, 0):
        dossier = world.dossier_in(Status.PROCESSING)
    with at(2026, 2, 3, 10, 0):
        services.dossier_request_supplement(dossier_id=dossier.pk, actor=world.specialist, note="x")
    with at(2026, 2, 13, 10, 0):
        services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, uploads=[pdf()])
    dossier.refresh_from_db()
    # 8 working days waited (4-13 February) added to 5 February.
    assert local(dossier.due_at) == dt.datetime(2026, 2, 24, 17, 0)


def test_a_bad_rule_setting_is_a_system_check_error(settings):
    from config.checks import check_legal_settings

    assert check_legal_settings() == []
    settings.LEGAL_SUPPLEMENT_CLOCK = "stop"
    settings.LEGAL_TRANSFER_MORNING_END = "noon"
    errors = check_legal_settings()
    assert [e.id for e in errors] == ["motcua.E002", "motcua.E002"]
    assert "LEGAL_SUPPLEMENT_CLOCK" in errors[0].msg


# --- 4. the apology and the extension --------------------------------------------------


def _apologise(world, dossier, new_date, reason="Chờ ý kiến của sở"):
    return services.dossier_apologise(
        dossier_id=dossier.pk, actor=world.specialist, reason=reason, new_date=new_date
    )


@pytest.fixture
def due_thursday(world):
    with at(2026, 3, 2, 9, 0):  # Monday; due Thursday 5 March at 17:00
        return world.dossier_in(Status.PROCESSING)


def test_no_apology_before_the_dossier_is_due_soon(world, due_thursday):
    before = unchanged(due_thursday)
    with at(2026, 3, 2, 10, 0), pytest.raises(DossierError, match="sắp đến hạn hoặc đã quá hạn"):
        _apologise(world, due_thursday, dt.date(2026, 3, 10))
    assert unchanged(due_thursday) == before


def test_an_apology_before_the_deadline_is_on_time_and_a_second_is_refused(world, due_thursday):
    with at(2026, 3, 4, 10, 0):  # Wednesday: one working day before
        _apologise(world, due_thursday, dt.date(2026, 3, 10))
    due_thursday.refresh_from_db()
    assert local(due_thursday.due_at) == dt.datetime(2026, 3, 10, 17, 0)
    row = last(due_thursday, Action.APOLOGISE)
    assert row.data["timeliness"] == "on_time" and row.data["overdue"] is False
    assert row.data["document"]["form"] == "04"
    before = unchanged(due_thursday)
    with at(2026, 3, 9, 10, 0), pytest.raises(DossierError, match="chỉ được gia hạn một lần"):
        _apologise(world, due_thursday, dt.date(2026, 3, 12))
    assert unchanged(due_thursday) == before


def test_an_apology_on_the_last_day_is_late(world, due_thursday):
    with at(2026, 3, 5, 9, 0):
        _apologise(world, due_thursday, dt.date(2026, 3, 9))
    assert last(due_thursday, Action.APOLOGISE).data["timeliness"] == "late"


def test_the_new_appointment_is_after_the_current_one(world, due_thursday):
    before = unchanged(due_thursday)
    with at(2026, 3, 4, 10, 0), pytest.raises(DossierError, match="sau ngày 05/03/2026"):
        _apologise(world, due_thursday, dt.date(2026, 3, 5))
    with at(2026, 3, 4, 10, 0), pytest.raises(DossierError, match="ngày làm việc"):
        _apologise(world, due_thursday, dt.date(2026, 3, 7))  # a Saturday
    assert unchanged(due_thursday) == before


def test_overdue_the_apology_is_still_required_first_and_counted_late(world, due_thursday):
    with at(2026, 3, 6, 9, 0):
        before = unchanged(due_thursday)
        with pytest.raises(DossierError, match=str(APOLOGY_FIRST)[:30]):
            services.dossier_propose(dossier_id=due_thursday.pk, actor=world.specialist)
        assert unchanged(due_thursday) == before
        _apologise(world, due_thursday, dt.date(2026, 3, 11))
        row = last(due_thursday, Action.APOLOGISE)
        assert row.data["timeliness"] == "late" and row.data["overdue"] is True
        services.dossier_propose(dossier_id=due_thursday.pk, actor=world.specialist)
    # Late again after its one extension: late, not blocked.
    with at(2026, 3, 12, 9, 0):
        services.dossier_approve(dossier_id=due_thursday.pk, actor=world.leader)
    assert Dossier.objects.get(pk=due_thursday.pk).status == Status.RESULT_READY


# --- 5. the transfer by the 15:00 rule -------------------------------------------------


@pytest.mark.parametrize(
    ("received", "transfer_by"),
    [
        ((2026, 3, 2, 14, 59), (2026, 3, 2, 17, 0)),  # before the cut-off: same day
        ((2026, 3, 2, 15, 0), (2026, 3, 3, 11, 30)),  # at it: next working morning
        ((2026, 3, 6, 16, 0), (2026, 3, 9, 11, 30)),  # Friday afternoon: Monday morning
        ((2026, 2, 13, 16, 0), (2026, 2, 23, 11, 30)),  # before Tết: after the holiday
        ((2026, 2, 13, 10, 0), (2026, 2, 13, 17, 0)),
    ],
)
def test_the_transfer_deadline_follows_the_cut_off(world, received, transfer_by):
    dossier = world.dossier_in(Status.SUBMITTED)
    with at(*received):
        services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    dossier.refresh_from_db()
    assert local(dossier.transfer_due_at) == dt.datetime(*transfer_by)
    assert last(dossier, Action.RECEIVE).data["transfer_due_at"]


def test_a_late_transfer_is_logged_and_an_early_one_is_not(world):
    with at(2026, 3, 2, 15, 30):
        late = world.dossier_in(Status.RECEIVED)
        on_time = world.dossier_in(Status.RECEIVED)
    with at(2026, 3, 3, 11, 0):
        services.dossier_assign(
            dossier_id=on_time.pk, actor=world.receptionist, assignee=world.specialist
        )
    with at(2026, 3, 3, 13, 0):
        services.dossier_assign(
            dossier_id=late.pk, actor=world.receptionist, assignee=world.specialist
        )
    assert last(on_time, Action.ASSIGN).data["transfer"] == "on_time"
    assert last(late, Action.ASSIGN).data["transfer"] == "late"


# --- what the workbench offers follows the same rules ----------------------------------


def _offered(world, dossier, official):
    from dossiers import queues

    dossier = Dossier.objects.get(pk=dossier.pk)
    return [a for a, _role in queues.official_actions(dossier, queues.official_scope(official))]


def test_the_apology_is_offered_from_due_soon_once(world, due_thursday):
    with at(2026, 3, 2, 10, 0):
        assert Action.APOLOGISE not in _offered(world, due_thursday, world.specialist)
    with at(2026, 3, 4, 10, 0):
        offered = _offered(world, due_thursday, world.specialist)
        assert Action.APOLOGISE in offered and Action.PROPOSE in offered
        _apologise(world, due_thursday, dt.date(2026, 3, 10))
        assert Action.APOLOGISE not in _offered(world, due_thursday, world.specialist)


def test_overdue_without_apology_only_the_apology_is_offered(world, due_thursday):
    with at(2026, 3, 6, 10, 0):
        offered = _offered(world, due_thursday, world.specialist)
    assert [a for a in offered if a not in (Action.MESSAGE, Action.NOTE)] == [Action.APOLOGISE]


def test_the_desk_is_offered_one_supplement_request(world):
    dossier = world.dossier_in(Status.SUBMITTED)
    assert Action.REQUEST_SUPPLEMENT in _offered(world, dossier, world.receptionist)
    services.dossier_request_supplement(dossier_id=dossier.pk, actor=world.receptionist, note="a")
    # An online dossier is answered by its applicant, not recorded by the desk.
    assert Action.SUPPLEMENT not in _offered(world, dossier, world.receptionist)
    services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, note="đã bổ sung")
    offered = _offered(world, dossier, world.receptionist)
    assert Action.REQUEST_SUPPLEMENT not in offered and Action.RECEIVE in offered


def test_the_workbench_asks_a_leader_for_the_confirmation_of_a_second_request(client, world):
    from tests.helpers import force_login_verified

    dossier = _second_request_ready(world)
    force_login_verified(client, world.leader)
    # The panel's form, fetched when the leader opens it.
    page = client.get(
        f"/mot-cua/ho-so/{dossier.ref}/thao-tac/request_supplement/mau/"
    ).content.decode()
    assert "id_request_supplement_confirmation" in page
    assert "Yêu cầu lần hai phải có xác nhận bằng văn bản của lãnh đạo" in page
    client.post(
        f"/mot-cua/ho-so/{dossier.ref}/thao-tac/request_supplement/",
        {"note": "Bản sao chưa chứng thực", "confirmation": "Giấy tờ bổ sung không hợp lệ"},
    )
    row = last(dossier, Action.REQUEST_SUPPLEMENT)
    assert row.data["repeat"] is True and row.actor_role == "leader"
