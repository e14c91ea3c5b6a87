"""The transition table: every allowed edge works and logs once; every other
(state, action) pair and every wrong role is refused and writes nothing.

The allowed edges start from dossiers walked through the services (`dossier_in`): they
test the services. The refusals (test_workflow_refusals.py) start from dossiers built
in their state by the factory."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from dossiers import documents, services
from dossiers.constants import Action, EvaluationMoment, Status
from dossiers.evaluation import CRITERIA, dossier_moments_reached
from dossiers.models import Dossier, DossierDocument, DossierLog, Payment, Rating, StoredFile
from dossiers.workflow import TRANSITION_ACTIONS, TRANSITIONS, TransitionNotAllowed, actions_for
from procedures.calendar import WorkingCalendar
from tests.dossiers.factories import pdf

pytestmark = pytest.mark.django_db


def _rate(w, pk, a):
    # The first moment the dossier reached (any, for a refusal that reads the state).
    reached = dossier_moments_reached(Dossier.objects.get(pk=pk))
    moment = reached[0] if reached else EvaluationMoment.RECEIPT
    scores = dict.fromkeys(CRITERIA[moment], 5)
    return services.dossier_rate(dossier_id=pk, actor=a, moment=moment, scores=scores)


def with_a_moment(w, state):
    """A dossier in `state` with a moment to evaluate: a dossier filed and not received
    yet has one once the desk asked for a supplement; a withdrawn one once received."""
    if state == Status.SUBMITTED:
        dossier = w.dossier_in(Status.DESK_SUPPLEMENT)
        services.dossier_supplement(dossier_id=dossier.pk, actor=w.applicant, note="Đã bổ sung")
    elif state == Status.WITHDRAWN:
        dossier = w.dossier_in(Status.RECEIVED)
        services.dossier_withdraw(dossier_id=dossier.pk, actor=w.applicant, reason="Nộp nhầm")
    else:
        return w.dossier_in(state)
    dossier.refresh_from_db()
    return dossier


def _apologise_later(w, pk, a):
    # Forty days on, every open dossier of the world is overdue and may apologise.
    later = timezone.now() + dt.timedelta(days=40)
    with mock.patch.object(timezone, "now", return_value=later):
        new_date = WorkingCalendar().next_working_day(timezone.localdate())
        return services.dossier_apologise(dossier_id=pk, actor=a, reason="x", new_date=new_date)


# action -> (who acts, how to call the service)
CALLS = {
    Action.APOLOGISE: ("receptionist", _apologise_later),
    Action.RECORD_RESULT: (
        "leader",
        lambda w, pk, a: services.dossier_record_result(dossier_id=pk, actor=a, upload=pdf()),
    ),
    Action.SUBMIT: ("applicant", lambda w, pk, a: services.dossier_submit(dossier_id=pk, actor=a)),
    Action.DISCARD: (
        "applicant",
        lambda w, pk, a: services.dossier_discard(dossier_id=pk, actor=a),
    ),
    Action.RECEIVE: (
        "receptionist",
        lambda w, pk, a: services.dossier_receive(dossier_id=pk, actor=a),
    ),
    Action.REFUSE: (
        "receptionist",
        lambda w, pk, a: services.dossier_refuse(dossier_id=pk, actor=a, reason="x"),
    ),
    Action.WITHDRAW: (
        "applicant",
        lambda w, pk, a: services.dossier_withdraw(dossier_id=pk, actor=a, reason="x"),
    ),
    Action.ASSIGN: (
        "receptionist",
        lambda w, pk, a: services.dossier_assign(dossier_id=pk, actor=a, assignee=w.specialist),
    ),
    Action.FORWARD: (
        "leader",
        lambda w, pk, a: services.dossier_forward(dossier_id=pk, actor=a, assignee=w.specialist),
    ),
    Action.RETURN: (
        "leader",
        lambda w, pk, a: services.dossier_send_back(dossier_id=pk, actor=a, note="x"),
    ),
    Action.PROPOSE: (
        "specialist",
        lambda w, pk, a: services.dossier_propose(dossier_id=pk, actor=a),
    ),
    Action.APPROVE: (
        "leader",
        lambda w, pk, a: services.dossier_approve(dossier_id=pk, actor=a, result_upload=pdf()),
    ),
    Action.REQUEST_SUPPLEMENT: (
        "specialist",
        lambda w, pk, a: services.dossier_request_supplement(dossier_id=pk, actor=a, note="x"),
    ),
    Action.SUPPLEMENT: (
        "applicant",
        lambda w, pk, a: services.dossier_supplement(dossier_id=pk, actor=a, uploads=[pdf()]),
    ),
    Action.REQUIRE_PAYMENT: (
        "specialist",
        lambda w, pk, a: services.dossier_require_payment(
            dossier_id=pk, actor=a, amount=1000, reason="x"
        ),
    ),
    Action.PAY: (
        "applicant",
        # Paying goes through the gateway callback; a direct call is the forged case.
        lambda w, pk, a: services.dossier_transition(dossier_id=pk, action=Action.PAY, actor=a),
    ),
    Action.STOP: (
        "specialist",
        lambda w, pk, a: services.dossier_stop(dossier_id=pk, actor=a, reason="x"),
    ),
    Action.RETURN_RESULT: (
        "receptionist",
        lambda w, pk, a: services.dossier_return_result(dossier_id=pk, actor=a),
    ),
    Action.RATE: ("applicant", _rate),
}


def _snapshot(pk):
    d = Dossier.objects.get(pk=pk)
    return (
        d.status,
        d.code,
        d.due_at,
        d.assignee_id,
        DossierLog.objects.count(),
        DossierDocument.objects.count(),
        StoredFile.objects.count(),
        Payment.objects.count(),
        Rating.objects.count(),
    )


def test_the_table_covers_every_action():
    assert set(CALLS) == set(TRANSITION_ACTIONS)


FORBIDDEN = [
    (state, action)
    for state in Status.values
    for action in sorted(TRANSITION_ACTIONS)
    if (state, action) not in TRANSITIONS
]


# Who takes an edge when it is not the action's usual actor (CALLS): the desk asks for
# a supplement before receipt.
EDGE_ACTORS = {(Status.SUBMITTED, Action.REQUEST_SUPPLEMENT): "receptionist"}


def actor_for(state, action) -> str:
    return EDGE_ACTORS.get((state, action), CALLS[action][0])


@pytest.mark.parametrize(("state", "action"), sorted(TRANSITIONS))
def test_allowed_edges_move_and_log_once(world, state, action):
    dossier = with_a_moment(world, state) if action == Action.RATE else world.dossier_in(state)
    who, call = actor_for(state, action), CALLS[action][1]
    logs = dossier.log.exclude(action=Action.DOCUMENT_WRITTEN).count()
    if action == Action.PAY:
        payment = dossier.payments.get()
        services.payment_mark_paid(
            reference=payment.reference, amount=payment.amount, transaction_id="T1", gateway="t"
        )
    else:
        call(world, dossier.pk, getattr(world, who))

    dossier.refresh_from_db()
    assert dossier.status == TRANSITIONS[(state, action)].target
    # The action's own row; a form it issues adds the row of its file's writing.
    rows = dossier.log.exclude(action=Action.DOCUMENT_WRITTEN)
    last = rows.order_by("-seq").first()
    assert rows.count() == logs + 1
    assert dossier.log.filter(action=Action.DOCUMENT_WRITTEN).count() == (
        documents.issued_for_official(dossier).count()
    )
    assert (last.action, last.from_status, last.to_status) == (action, state, dossier.status)


def test_an_official_of_another_agency_cannot_act(world):
    from identity.constants import OfficialRole
    from tests.identity.factories import make_official

    dossier = world.dossier_in(Status.SUBMITTED)
    outsider = make_official(OfficialRole.RECEPTIONIST, "000.00.99.H29")
    with pytest.raises(TransitionNotAllowed):
        services.dossier_receive(dossier_id=dossier.pk, actor=outsider)


def test_actions_for_lists_what_the_ui_offers():
    assert actions_for(Status.PROCESSING, "applicant") == [Action.WITHDRAW, Action.RATE]
    assert actions_for(Status.RETURNED, "applicant") == [Action.RATE]
    assert Action.WITHDRAW not in actions_for(Status.RESULT_READY, "applicant")
