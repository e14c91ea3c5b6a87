"""The evaluation of the settlement of a dossier (legal.EVALUATION): the rules, in one
place, read by the services that write the evaluations and by the pages that offer
them.

- The applicant's evaluation (legal.CITIZEN_EVALUATION): once per dossier and MOMENT,
  on the criteria of Decree 61/2018 art. 31 that the moment can judge. A moment opens
  when its step happened, which the dossier's state and log say (`moments_reached`).
- The agency's own evaluation (legal.AGENCY_EVALUATION): the indices of Circular
  01/2018 art. 13 that the log can answer, computed for each finished dossier
  (`indices`); `dossiers.services.dossier_assess` keeps them.

docs/legal.md ("Evaluation") explains the choices (the scale, the moments, the indices).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from dossiers.constants import Action, EvaluationMoment, PaymentStatus, Status
from dossiers.services.clock import DESK, LATE, ON_TIME, PROCESSING
from procedures.calendar import WorkingCalendar
from procedures.constants import ChannelMethod

# --- the applicant's evaluation ---------------------------------------------------------

SCORES = range(1, 6)
# Asked at every moment: the overall satisfaction, the receipt and guidance, the
# officials' conduct, the publicity of the procedure and its fees (art. 31).
_ALWAYS = ("overall", "guidance", "staff_attitude", "transparency")
# What each moment can judge: the number of contacts once a supplement was asked; the
# time taken, the contacts and the lawfulness of the result once there is a result.
CRITERIA: dict[str, tuple[str, ...]] = {
    EvaluationMoment.RECEIPT: _ALWAYS,
    EvaluationMoment.SUPPLEMENT: (*_ALWAYS, "contacts"),
    EvaluationMoment.REFUSAL: _ALWAYS,
    EvaluationMoment.RESULT: (*_ALWAYS, "contacts", "timeliness", "result_conformity"),
}
ALL_CRITERIA = CRITERIA[EvaluationMoment.RESULT]

# The three levels the national reports use, from the 1-5 scale.
VERY_SATISFIED, SATISFIED, DISSATISFIED = "very_satisfied", "satisfied", "dissatisfied"


def satisfaction_level(score: int) -> str:
    """5 is very satisfied, 3-4 satisfied, 1-2 dissatisfied."""
    if score >= 5:
        return VERY_SATISFIED
    return SATISFIED if score >= 3 else DISSATISFIED


def moments_reached(status: str, actions: Iterable[str]) -> list[EvaluationMoment]:
    """The moments a dossier in `status` whose log holds `actions` may be evaluated at,
    in workflow order: the receipt once received; a supplement once one was asked
    (open or answered, at the desk or in processing); the refusal of a refused
    dossier; the result once it is ready or returned."""
    actions = set(actions)
    reached = []
    if Action.RECEIVE in actions:
        reached.append(EvaluationMoment.RECEIPT)
    if Action.REQUEST_SUPPLEMENT in actions:
        reached.append(EvaluationMoment.SUPPLEMENT)
    if status == Status.REFUSED:
        reached.append(EvaluationMoment.REFUSAL)
    if status in (Status.RESULT_READY, Status.RETURNED):
        reached.append(EvaluationMoment.RESULT)
    return reached


def dossier_moments_reached(dossier) -> list[EvaluationMoment]:
    """`moments_reached` for a dossier: one query on its log."""
    actions = dossier.log.filter(
        action__in=(Action.RECEIVE, Action.REQUEST_SUPPLEMENT)
    ).values_list("action", flat=True)
    return moments_reached(dossier.status, actions)


def scores_problem(moment: str, scores: dict) -> bool:
    """True unless `scores` gives exactly the moment's criteria, each 1-5."""
    wanted = CRITERIA.get(moment)
    return (
        wanted is None
        or set(scores) != set(wanted)
        or not all(type(v) is int and v in SCORES for v in scores.values())
    )


# --- the agency's own evaluation ----------------------------------------------------------

# The desk answers a dossier that reached it (filed, or back with a desk supplement) by
# the end of the next working day: receipt, refusal or its one supplement request.
_DESK_ARRIVALS = (Action.SUBMIT, Action.SUPPLEMENT)
_DESK_ANSWERS = (Action.RECEIVE, Action.REFUSE, Action.REQUEST_SUPPLEMENT)
RECEIPT_WORKING_DAYS = 1
_SETTLED_IN_TIME = ("early", ON_TIME)


@dataclass(frozen=True)
class Row:
    """What the indices read of one log row."""

    action: str
    created_at: object
    from_status: str
    data: dict


def indices(dossier, rows: list[Row], payments: Iterable, calendar: WorkingCalendar) -> dict:
    """The indices of a finished dossier from its log rows (in order) and payments:
    True (kept), False (missed), None (not applicable)."""
    return {
        "received_on_time": _received_on_time(rows, calendar),
        "transferred_on_time": _transferred_on_time(rows),
        "settled_on_time": _settled_on_time(dossier, rows),
        "supplement_once": _supplement_once(rows),
        "supplement_on_time": _supplement_on_time(rows),
        "apology_when_late": _apology_when_late(dossier, rows),
        "online": dossier.channel == ChannelMethod.ONLINE,
        "paid_online": _paid_online(payments),
    }


def _received_on_time(rows: list[Row], calendar: WorkingCalendar) -> bool | None:
    # Each arrival at the desk and the desk's next answer; None when it never answered.
    answered = None
    arrived = None
    for row in rows:
        at_desk = row.action == Action.SUBMIT or (
            row.action == Action.SUPPLEMENT and row.data.get("phase") == DESK
        )
        if at_desk:
            arrived = row.created_at
        elif row.action in _DESK_ANSWERS and row.from_status == Status.SUBMITTED and arrived:
            days = calendar.working_days_between(
                timezone.localtime(arrived).date(), timezone.localtime(row.created_at).date()
            )
            answered = (answered is not False) and days <= RECEIPT_WORKING_DAYS
            arrived = None
    return answered


def _transferred_on_time(rows: list[Row]) -> bool | None:
    for row in rows:
        if row.action == Action.ASSIGN and row.data.get("transfer") in (ON_TIME, LATE):
            return row.data["transfer"] == ON_TIME
    return None


def _settled_on_time(dossier, rows: list[Row]) -> bool | None:
    """By the return's timeliness; a stopped dossier by its notice against the
    appointment. Refused and withdrawn dossiers were not settled."""
    for row in rows:
        if row.action == Action.RETURN_RESULT and row.data.get("timeliness"):
            return row.data["timeliness"] in _SETTLED_IN_TIME
    if dossier.status == Status.STOPPED and dossier.due_at and dossier.finished_at:
        return dossier.finished_at <= dossier.due_at
    return None


def _supplement_once(rows: list[Row]) -> bool | None:
    # A second request (even one a leader confirmed) misses the "once" rule.
    asked = [r.data.get("phase", PROCESSING) for r in rows if r.action == Action.REQUEST_SUPPLEMENT]
    if not asked and not any(r.action in (Action.RECEIVE, Action.REFUSE) for r in rows):
        return None  # withdrawn before the desk answered
    return all(asked.count(phase) <= 1 for phase in (DESK, PROCESSING))


def _supplement_on_time(rows: list[Row]) -> bool | None:
    asked = [
        r.data.get("timeliness")
        for r in rows
        if r.action == Action.REQUEST_SUPPLEMENT and r.data.get("phase") == PROCESSING
    ]
    if not asked:
        return None
    return all(t != LATE for t in asked)


def _apology_when_late(dossier, rows: list[Row]) -> bool | None:
    """Applicable to a dossier that was ever late (the clock job marked it overdue, or
    it was settled or stopped after its appointment) or that was apologised for: kept
    when the apology exists and was sent on time (at least a working day before)."""
    apologies = [r for r in rows if r.action == Action.APOLOGISE]
    late = any(r.action == Action.OVERDUE for r in rows) or any(
        r.action == Action.RETURN_RESULT and r.data.get("timeliness") == LATE for r in rows
    )
    if dossier.due_at and dossier.finished_at and dossier.status == Status.STOPPED:
        late = late or dossier.finished_at > dossier.due_at
    if not apologies:
        return False if late else None
    return apologies[0].data.get("timeliness", ON_TIME) == ON_TIME


def _paid_online(payments: Iterable) -> bool | None:
    # A payment recorded by a gateway's verified callback was paid online.
    paid = [p for p in payments if p.status == PaymentStatus.PAID]
    if not paid:
        return None
    return all(p.gateway for p in paid)
