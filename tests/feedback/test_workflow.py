"""Assign, answer, close: the right roles only, in the right states, one history row
and one event each; a refusal changes nothing."""

import pytest

from dossiers.models import OutboxEvent
from feedback import services
from feedback.constants import TRANSITIONS, Action, Status
from feedback.errors import FeedbackError, FeedbackNotAllowed
from feedback.models import Feedback, FeedbackLog
from identity.constants import OfficialRole
from tests.identity.factories import make_official

pytestmark = pytest.mark.django_db


def kinds():
    return list(OutboxEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_leader_assigns_and_the_assignee_answers(world, send):
    item = send()
    services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=world.specialist)
    item = services.feedback_answer(
        feedback_id=item.pk, actor=world.specialist, answer="Đã chấn chỉnh cán bộ."
    )
    assert item.status == Status.ANSWERED and item.answered_at is not None
    log = list(FeedbackLog.objects.filter(feedback=item).values_list("action", "to_status"))
    assert log == [
        (Action.SEND, Status.RECEIVED),
        (Action.ASSIGN, Status.ASSIGNED),
        (Action.ANSWER, Status.ANSWERED),
    ]
    assert kinds() == ["feedback_received", "feedback_assigned", "feedback_answered"]


@pytest.mark.parametrize("who", ["receptionist", "specialist", "applicant"])
def test_only_a_leader_assigns(world, send, who):
    item = send()
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_assign(
            feedback_id=item.pk, actor=getattr(world, who), assignee=world.specialist
        )
    assert Feedback.objects.get().status == Status.RECEIVED
    assert FeedbackLog.objects.count() == 1


def test_a_leader_of_another_agency_cannot_assign(world, send):
    item = send()
    stranger = make_official(OfficialRole.LEADER, "000.00.32.H29")
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_assign(feedback_id=item.pk, actor=stranger, assignee=world.specialist)


def test_assignee_must_answer_for_the_agency(world, send):
    item = send()
    outsider = make_official(OfficialRole.SPECIALIST, "000.00.32.H29")
    for wrong in (outsider, world.receptionist, world.applicant):
        with pytest.raises(FeedbackError):
            services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=wrong)
    assert Feedback.objects.get().assignee is None


@pytest.mark.parametrize("who", ["leader", "receptionist", "applicant"])
def test_only_the_assigned_official_answers(world, send, who):
    item = send()
    services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=world.specialist)
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_answer(feedback_id=item.pk, actor=getattr(world, who), answer="Trả lời")
    assert Feedback.objects.get().status == Status.ASSIGNED


def test_an_unassigned_item_cannot_be_answered(world, send):
    item = send()
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_answer(feedback_id=item.pk, actor=world.specialist, answer="Trả lời")


def test_leader_closes_with_a_reason_and_the_item_stays_closed(world, send):
    item = send()
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_close(feedback_id=item.pk, actor=world.specialist, reason="Trùng")
    with pytest.raises(FeedbackError):
        services.feedback_close(feedback_id=item.pk, actor=world.leader, reason="  ")
    item = services.feedback_close(
        feedback_id=item.pk, actor=world.leader, reason="Trùng với PA-260302-0001"
    )
    assert item.status == Status.CLOSED and item.closed_at
    for call in (
        lambda: services.feedback_assign(
            feedback_id=item.pk, actor=world.leader, assignee=world.specialist
        ),
        lambda: services.feedback_close(feedback_id=item.pk, actor=world.leader, reason="x"),
    ):
        with pytest.raises(FeedbackNotAllowed):
            call()
    assert kinds() == ["feedback_received", "feedback_closed"]


def test_an_answered_item_cannot_be_answered_or_closed_again(world, send):
    item = send()
    services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=world.leader)
    services.feedback_answer(feedback_id=item.pk, actor=world.leader, answer="Trả lời")
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_answer(feedback_id=item.pk, actor=world.leader, answer="Lần hai")
    with pytest.raises(FeedbackNotAllowed):
        services.feedback_close(feedback_id=item.pk, actor=world.leader, reason="x")


def test_every_edge_outside_the_table_is_refused():
    for status in Status.values:
        for action in (Action.ASSIGN, Action.ANSWER, Action.CLOSE):
            allowed = (status, action) in TRANSITIONS
            assert allowed == (
                status in (Status.RECEIVED, Status.ASSIGNED)
                and not (status == Status.RECEIVED and action == Action.ANSWER)
            )


def test_history_rows_cannot_be_changed_or_deleted(send):
    from django.db import ProgrammingError, transaction

    send()
    row = FeedbackLog.objects.get()
    with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic():
        FeedbackLog.objects.filter(pk=row.pk).update(note="sửa")
    with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic():
        FeedbackLog.objects.filter(pk=row.pk).delete()
