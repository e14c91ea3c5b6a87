"""The evaluation of a dossier (legal.EVALUATION), through the services: the
applicant's at each moment (receipt, supplement, refusal, result), once per moment; the
agency's own, computed from the log when the dossier finishes and recomputed by
`assess_dossiers`. A refused evaluation writes nothing.

The procedure of `World` takes 3 working days; times are Vietnam's (UTC+7)."""

import datetime as dt
import io
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from dossiers import evaluation, services
from dossiers.constants import Action, EvaluationMoment, Status
from dossiers.errors import DossierError
from dossiers.evaluation import CRITERIA
from dossiers.models import Dossier, DossierAssessment, Rating
from dossiers.selectors import applicant_evaluations
from dossiers.workflow import TRANSITIONS, TransitionNotAllowed
from tests.dossiers.factories import pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]

VN = dt.timezone(dt.timedelta(hours=7))
R, S, F = EvaluationMoment.RECEIPT, EvaluationMoment.SUPPLEMENT, EvaluationMoment.REFUSAL
RES = EvaluationMoment.RESULT


def at(*args):
    return mock.patch("django.utils.timezone.now", return_value=dt.datetime(*args, tzinfo=VN))


def written(dossier):
    """What a refused evaluation must leave as it was."""
    d = Dossier.objects.get(pk=dossier.pk)
    return (d.status, d.updated_at, d.log.count(), Rating.objects.count())


def rate(world, dossier, moment, score=4, **kw):
    return services.dossier_rate(
        dossier_id=dossier.pk,
        actor=kw.pop("actor", world.applicant),
        moment=moment,
        scores=dict.fromkeys(CRITERIA[moment], score),
        **kw,
    )


# --- the applicant's evaluation ----------------------------------------------------------


def test_every_filed_state_has_the_rate_self_edge_for_the_applicant():
    for state in Status.values:
        edge = TRANSITIONS.get((state, Action.RATE))
        if state in (Status.DRAFT, Status.DISCARDED):
            assert edge is None
        else:
            assert edge.target == state and edge.roles == {"applicant"}
            assert "art. 31" in edge.basis.text(vietnamese=False)


@pytest.mark.parametrize(
    ("state", "moments"),
    [
        (Status.SUBMITTED, []),
        (Status.DESK_SUPPLEMENT, [S]),
        (Status.REFUSED, [F]),
        (Status.RECEIVED, [R]),
        (Status.PROCESSING, [R]),
        (Status.SUPPLEMENT_REQUESTED, [R, S]),
        (Status.RESULT_READY, [R, RES]),
        (Status.RETURNED, [R, RES]),
    ],
)
def test_the_moments_follow_the_state_and_the_log(world, state, moments):
    dossier = world.dossier_in(state)
    assert [e.moment for e in applicant_evaluations(dossier)] == moments
    assert all(e.given is None for e in applicant_evaluations(dossier))


@pytest.mark.parametrize(
    ("state", "moment"),
    [
        (Status.RECEIVED, R),
        (Status.DESK_SUPPLEMENT, S),
        (Status.SUPPLEMENT_REQUESTED, S),
        (Status.REFUSED, F),
        (Status.RESULT_READY, RES),
        (Status.RETURNED, RES),
    ],
)
def test_the_applicant_evaluates_each_moment_once(world, state, moment):
    dossier = world.dossier_in(state)
    rating = rate(world, dossier, moment, score=5, comment="  Cán bộ nhiệt tình  ")
    assert (rating.moment, rating.overall, rating.comment) == (moment, 5, "Cán bộ nhiệt tình")
    row = dossier.log.order_by("-seq").first()
    assert (row.action, row.from_status, row.to_status) == (Action.RATE, state, state)
    assert row.data == {"moment": moment, "overall": 5} and row.actor_role == "applicant"
    # The criteria the moment does not ask are left empty.
    asked = set(CRITERIA[moment])
    for name in evaluation.ALL_CRITERIA:
        assert (getattr(rating, name) is not None) == (name in asked), name

    before = written(dossier)
    with translation.override("en"), pytest.raises(DossierError, match="already evaluated"):
        rate(world, dossier, moment)
    assert written(dossier) == before
    given = {e.moment: e.given for e in applicant_evaluations(dossier)}
    assert given[moment] == rating


def test_a_moment_not_reached_is_refused_and_writes_nothing(world):
    dossier = world.dossier_in(Status.PROCESSING)
    before = written(dossier)
    for moment in (S, F, RES):
        with pytest.raises(DossierError):
            rate(world, dossier, moment)
    with pytest.raises(DossierError):
        services.dossier_rate(
            dossier_id=dossier.pk, actor=world.applicant, moment="later", scores={"overall": 5}
        )
    # The scores of another moment, or out of the scale.
    with pytest.raises(DossierError):
        services.dossier_rate(
            dossier_id=dossier.pk,
            actor=world.applicant,
            moment=R,
            scores=dict.fromkeys(CRITERIA[RES], 5),
        )
    with pytest.raises(DossierError):
        services.dossier_rate(
            dossier_id=dossier.pk,
            actor=world.applicant,
            moment=R,
            scores={**dict.fromkeys(CRITERIA[R], 5), "overall": 6},
        )
    assert written(dossier) == before


def test_only_the_applicant_evaluates(world):
    dossier = world.dossier_in(Status.RECEIVED)
    before = written(dossier)
    for person in (world.other, world.receptionist):
        with pytest.raises(TransitionNotAllowed):
            rate(world, dossier, R, actor=person)
    assert written(dossier) == before


def test_a_draft_is_not_evaluated(world):
    draft = world.complete_draft()
    with pytest.raises(TransitionNotAllowed):
        rate(world, draft, R)
    assert not Rating.objects.exists()


def test_an_overdue_dossier_may_still_be_evaluated(world):
    with at(2026, 3, 2, 9, 0):  # Monday; due Thursday 5 March at 17:00
        dossier = world.dossier_in(Status.PROCESSING)
    with at(2026, 3, 9, 9, 0):  # overdue and not apologised for
        rate(world, dossier, R)
    assert dossier.ratings.get().moment == R


def test_the_three_levels_of_the_reports():
    levels = [evaluation.satisfaction_level(s) for s in (5, 4, 3, 2, 1)]
    assert levels == ["very_satisfied", "satisfied", "satisfied", "dissatisfied", "dissatisfied"]


# --- the agency's own evaluation ------------------------------------------------------------


def indices(dossier):
    a = DossierAssessment.objects.get(dossier=dossier)
    return {name: getattr(a, name) for name in DossierAssessment.INDICES}


def test_an_on_time_dossier_is_assessed_when_returned(world):
    with at(2026, 3, 2, 9, 0):
        dossier = world.dossier_in(Status.RESULT_READY)
        assert not DossierAssessment.objects.exists()  # not finished yet
        services.dossier_return_result(dossier_id=dossier.pk, actor=world.receptionist)
    assessment = DossierAssessment.objects.get(dossier=dossier)
    assert assessment.status == Status.RETURNED and assessment.finished_at is not None
    assert indices(dossier) == {
        "received_on_time": True,
        "transferred_on_time": True,
        "settled_on_time": True,
        "supplement_once": True,
        "supplement_on_time": None,  # never asked during processing
        "apology_when_late": None,  # never late
        "online": True,
        "paid_online": None,  # nothing to pay
    }


def _late_dossier(world):
    """Received Monday 2 March 9:00 (due Thursday 17:00, to transfer by Monday 17:00);
    transferred on Tuesday; overdue on Friday, apologised for then; a supplement asked
    on the 4th working day; settled after the new appointment."""
    with at(2026, 3, 2, 9, 0):
        dossier = world.dossier_in(Status.RECEIVED)
    pk = dossier.pk
    with at(2026, 3, 3, 10, 0):
        services.dossier_assign(dossier_id=pk, actor=world.receptionist, assignee=world.specialist)
    with at(2026, 3, 6, 9, 0):
        new_date = dt.date(2026, 3, 11)
        services.dossier_apologise(
            dossier_id=pk, actor=world.specialist, reason="Chờ ý kiến", new_date=new_date
        )
        services.dossier_request_supplement(dossier_id=pk, actor=world.specialist, note="Thiếu")
    with at(2026, 3, 9, 9, 0):
        services.dossier_supplement(dossier_id=pk, actor=world.applicant, uploads=[pdf()])
    with at(2026, 3, 16, 9, 0):  # after the restarted appointment (Thursday 12)
        services.dossier_propose(dossier_id=pk, actor=world.specialist)
        services.dossier_approve(dossier_id=pk, actor=world.leader, result_upload=pdf("kq.pdf"))
        services.dossier_return_result(dossier_id=pk, actor=world.receptionist)
    return dossier


def test_a_late_dossier_is_assessed_from_its_log(world):
    dossier = _late_dossier(world)
    assert indices(dossier) == {
        "received_on_time": True,
        "transferred_on_time": False,
        "settled_on_time": False,
        "supplement_once": True,
        "supplement_on_time": False,
        "apology_when_late": False,  # sent once overdue
        "online": True,
        "paid_online": None,
    }


def test_a_refused_dossier_is_assessed_and_the_desk_answers_within_a_working_day(world):
    with at(2026, 3, 6, 16, 0):  # Friday afternoon
        dossier = world.dossier_in(Status.SUBMITTED)
    with at(2026, 3, 9, 10, 0):  # the next working day: Monday
        services.dossier_refuse(dossier_id=dossier.pk, actor=world.receptionist, reason="Sai")
    got = indices(dossier)
    assert got["received_on_time"] is True and got["settled_on_time"] is None
    assert got["transferred_on_time"] is None and got["supplement_once"] is True

    with at(2026, 3, 6, 16, 0):
        slow = world.dossier_in(Status.SUBMITTED)
    with at(2026, 3, 10, 10, 0):  # the second working day
        services.dossier_refuse(dossier_id=slow.pk, actor=world.receptionist, reason="Sai")
    assert indices(slow)["received_on_time"] is False


def test_a_draft_discarded_or_a_rating_after_the_end_leaves_the_assessment(world):
    draft = world.complete_draft()
    services.dossier_discard(dossier_id=draft.pk, actor=world.applicant)
    assert not DossierAssessment.objects.exists()
    dossier = world.dossier_in(Status.RETURNED)
    computed = DossierAssessment.objects.get(dossier=dossier).computed_at
    rate(world, dossier, RES)
    assert DossierAssessment.objects.get(dossier=dossier).computed_at == computed


def test_paid_online_is_what_a_gateway_recorded():
    dossier = SimpleNamespace(channel="direct", status=Status.RETURNED, due_at=None)
    paid = SimpleNamespace(status="paid", gateway="vnpay")
    desk = SimpleNamespace(status="paid", gateway="")
    pending = SimpleNamespace(status="pending", gateway="")

    def paid_online(payments):
        return evaluation.indices(dossier, [], payments, calendar=None)["paid_online"]

    assert paid_online([paid, pending]) is True
    assert paid_online([paid, desk]) is False
    assert paid_online([pending]) is None
    assert evaluation.indices(dossier, [], [], calendar=None)["online"] is False


def _assess(*args):
    out = io.StringIO()
    call_command("assess_dossiers", *args, stdout=out)
    return out.getvalue()


def test_the_command_recomputes_a_period_idempotently(world):
    dossier = _late_dossier(world)
    expected = indices(dossier)
    # A dossier finished before the assessment existed (or after a fix of the rules).
    DossierAssessment.objects.filter(dossier=dossier).delete()
    other = world.dossier_in(Status.RETURNED)  # finished today, outside the period
    assert "1 dossiers assessed, 1 assessments written" in _assess(
        "--from", "2026-03-16", "--to", "2026-03-16"
    )
    assert indices(dossier) == expected
    stamp = DossierAssessment.objects.get(dossier=dossier).computed_at
    assert "1 dossiers assessed, 0 assessments written" in _assess(
        "--from", "2026-03-01", "--to", "2026-03-31"
    )
    assert DossierAssessment.objects.get(dossier=dossier).computed_at == stamp
    assert DossierAssessment.objects.filter(dossier=other).count() == 1


@pytest.mark.parametrize(
    "args", [("--from", "16/03/2026"), ("--from", "2026-03-16", "--to", "2026-03-01")]
)
def test_the_command_refuses_bad_dates(args):
    with pytest.raises(CommandError):
        _assess(*args)
