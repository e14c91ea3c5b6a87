"""The dossier workflow: ONE transition table, checked by every service (STYLE R2).

Each edge is `(state, action) -> target` with the roles that may take it and its legal
basis. The one-stop mechanism is governed by Decree 118/2025/NĐ-CP (replacing Decree
61/2018/NĐ-CP, whose articles 15-18 on receipt, transfer, processing and return are
cited beside it where the older text is the better-known reference) and its forms by
Circular 03/2025/TT-VPCP (earlier Circular 01/2018/TT-VPCP).

How to read the citations: an article number after "61/2018" is an article of the
REPLACED decree, kept because it is the well-known reference; it is not a claim about
the numbering of Decree 118/2025. Where a basis names only Decree 61/2018, the matching
provision of Decree 118/2025 has not been checked against the text yet: look it up and
add it before relying on the citation (README, "Legal references to check").

Roles: `applicant` is the citizen who filed (or a member of the business filed for);
`receptionist` acts for the receiving agency; `specialist` and `leader` for the
competent agency. `dossiers.services` decides who holds which role for a dossier.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.constants import OPEN_STATES, Action, ActorRole, Status

A, R, S, L = ActorRole.APPLICANT, ActorRole.RECEPTIONIST, ActorRole.SPECIALIST, ActorRole.LEADER
SYS = ActorRole.SYSTEM


class TransitionNotAllowed(Exception):
    """The dossier's state or the actor's role does not allow this action."""


@dataclass(frozen=True)
class Edge:
    target: str
    roles: frozenset[str]
    basis: str


def _edge(target, roles, basis):
    return Edge(target, frozenset(roles), basis)


# Withdrawal: "a citizen may withdraw until a result exists" (Decree 118/2025 on the
# applicant's rights; Decree 61/2018 art. 5 cl. 2). Listed once, applied to each state.
_WITHDRAWABLE = tuple(s for s in OPEN_STATES if s != Status.RESULT_READY)

TRANSITIONS: dict[tuple[str, str], Edge] = {
    # Online filing on the public service portal (Decree 45/2020/NĐ-CP on online
    # administrative procedures, art. 11: submitting an electronic dossier); a paper
    # dossier handed over at the one-stop desk is entered by the desk on the applicant's
    # behalf (Decree 61/2018 art. 15 cl. 1; Decree 118/2025 on receipt). Which of the two
    # may submit a given draft depends on its channel (`services.filing.draft_role`).
    (Status.DRAFT, Action.SUBMIT): _edge(
        Status.SUBMITTED, {A, R}, "Decree 45/2020 art. 11; Decree 61/2018 art. 15 cl. 1"
    ),
    # A draft never reached an agency: the applicant may drop it, and the system drops
    # one left untouched (`dossiers.deadlines`, DRAFT_WARNING_DAYS + DRAFT_DELETE_DAYS).
    (Status.DRAFT, Action.DISCARD): _edge(Status.DISCARDED, {A, SYS}, "draft, not yet filed"),
    # The desk checks completeness and receives: receipt and appointment slip, form 01
    # (Decree 118/2025, receipt of dossiers; Decree 61/2018 art. 15; Circular 03/2025 form 01).
    (Status.SUBMITTED, Action.RECEIVE): _edge(
        Status.RECEIVED, {R}, "Decree 118/2025 receipt; 61/2018 art. 15 cl. 2; form 01"
    ),
    # Outside the agency's competence or not eligible: refusal, form 03
    # (Decree 61/2018 art. 15 cl. 2 b; Circular 03/2025 form 03).
    (Status.SUBMITTED, Action.REFUSE): _edge(
        Status.REFUSED, {R}, "Decree 118/2025 receipt; 61/2018 art. 15 cl. 2 b; form 03"
    ),
    # Transfer from the desk to the processing department (Decree 61/2018 art. 16).
    (Status.RECEIVED, Action.ASSIGN): _edge(
        Status.PROCESSING, {R, L}, "Decree 118/2025 transfer; 61/2018 art. 16"
    ),
    # Reassignment inside the competent agency, logged on the process control sheet
    # (form 06; Decree 61/2018 art. 17 cl. 1).
    (Status.PROCESSING, Action.FORWARD): _edge(
        Status.PROCESSING, {S, L}, "Decree 61/2018 art. 17 cl. 1; form 06"
    ),
    # Specialist's appraisal goes to the leader for signature (art. 17 cl. 1).
    (Status.PROCESSING, Action.PROPOSE): _edge(
        Status.AWAITING_APPROVAL, {S}, "Decree 61/2018 art. 17 cl. 1"
    ),
    (Status.AWAITING_APPROVAL, Action.RETURN): _edge(
        Status.PROCESSING, {L}, "Decree 61/2018 art. 17 cl. 1"
    ),
    (Status.AWAITING_APPROVAL, Action.APPROVE): _edge(
        Status.RESULT_READY, {L}, "Decree 61/2018 art. 17 cl. 1"
    ),
    # Incomplete dossier during processing: one consolidated supplement request, form 02;
    # the time before the supplement is not counted (Decree 61/2018 art. 17 cl. 2 a).
    (Status.PROCESSING, Action.REQUEST_SUPPLEMENT): _edge(
        Status.SUPPLEMENT_REQUESTED, {S, L}, "Decree 61/2018 art. 17 cl. 2 a; form 02"
    ),
    (Status.SUPPLEMENT_REQUESTED, Action.SUPPLEMENT): _edge(
        Status.PROCESSING, {A}, "Decree 61/2018 art. 17 cl. 2 a"
    ),
    # Financial obligation (fees, taxes) before the result (Decree 61/2018 art. 17 cl. 2).
    (Status.PROCESSING, Action.REQUIRE_PAYMENT): _edge(
        Status.AWAITING_PAYMENT, {S, L}, "Decree 61/2018 art. 17 cl. 2; Decree 45/2020 art. 12"
    ),
    (Status.AWAITING_PAYMENT, Action.PAY): _edge(
        Status.PROCESSING, {A}, "Decree 45/2020 art. 12 (online payment)"
    ),
    # Not eligible to be settled: notice of stopping, form 05 (art. 17 cl. 2 c).
    (Status.PROCESSING, Action.STOP): _edge(
        Status.STOPPED, {S, L}, "Decree 61/2018 art. 17 cl. 2 c; form 05"
    ),
    # Return of the result at the desk, online or by post (Decree 61/2018 art. 18).
    (Status.RESULT_READY, Action.RETURN_RESULT): _edge(
        Status.RETURNED, {R}, "Decree 118/2025 return; 61/2018 art. 18"
    ),
    # Satisfaction rating, kept beside the dossier (Decree 61/2018 art. 30-31;
    # Decision 766/QĐ-TTg service index).
    (Status.RETURNED, Action.RATE): _edge(Status.RETURNED, {A}, "Decree 61/2018 art. 30"),
}
# Late: the agency apologises in writing and sets a new appointment, form 04 (Decree
# 61/2018 art. 18 cl. 3; Circular 03/2025 form 04). Only on an overdue dossier, which
# `dossiers.services` checks, and required before it moves on (`overdue_block`).
for _state in (Status.RECEIVED, Status.PROCESSING, Status.AWAITING_APPROVAL, Status.RESULT_READY):
    TRANSITIONS[(_state, Action.APOLOGISE)] = _edge(
        _state, {R, S, L}, "Decree 61/2018 art. 18 cl. 3; form 04"
    )
# The signed result is recorded at the desk or by the leader who signed it; it replaces
# a draft attached at approval (Decree 61/2018 art. 17 cl. 3, art. 18).
TRANSITIONS[(Status.RESULT_READY, Action.RECORD_RESULT)] = _edge(
    Status.RESULT_READY, {R, L}, "Decree 61/2018 art. 17 cl. 3"
)
for _state in _WITHDRAWABLE:
    TRANSITIONS[(_state, Action.WITHDRAW)] = _edge(
        Status.WITHDRAWN, {A}, "Decree 61/2018 art. 5 cl. 2 (withdrawal before the result)"
    )

TRANSITION_ACTIONS = frozenset(action for _, action in TRANSITIONS)


def edge_for(state: str, action: str) -> Edge:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionNotAllowed(f"{action} not allowed from {state}") from None


def ensure_allowed(state: str, action: str, role: str) -> Edge:
    """The edge for `action` from `state`, if `role` may take it; else raise."""
    edge = edge_for(state, action)
    if role not in edge.roles:
        raise TransitionNotAllowed(f"{role} may not {action} from {state}")
    return edge


# Actions an overdue dossier still allows without an apology: the apology itself, and
# the applicant's withdrawal (notes and messages are not transitions at all).
OVERDUE_EXEMPT = frozenset({Action.APOLOGISE, Action.WITHDRAW})


def needs_apology(*, due_at, paused: bool, status: str, now, apologised_since) -> bool:
    """True when a dossier is overdue and no apology was logged since it fell due.

    The one rule "apologise before an overdue dossier moves on" (Decree 61/2018 art. 18
    cl. 3); `apologised_since(due_at)` says whether an apology row exists from `due_at`
    on (called only when needed: it is a query)."""
    if due_at is None or paused or status not in OPEN_STATES or due_at >= now:
        return False
    return not apologised_since(due_at)


# What an official is told when an overdue dossier is asked to move on first.
APOLOGY_FIRST = _(
    "This dossier is overdue. Apologise to the applicant and set a new "
    "appointment (form 04) before any other action."
)


def apology_due(dossier, *, now=None) -> bool:
    """`needs_apology` for a dossier: overdue and no apology logged since it fell due.
    One query, and only for a late dossier. The services refuse other actions then;
    the pages offer the apology alone."""
    return needs_apology(
        due_at=dossier.due_at,
        paused=dossier.paused_at is not None,
        status=dossier.status,
        now=now or timezone.now(),
        apologised_since=lambda due: dossier.log.filter(
            action=Action.APOLOGISE, created_at__gte=due
        ).exists(),
    )


def actions_for(state: str, role: str) -> list[str]:
    """The actions `role` may take from `state`, in table order (for the UI)."""
    return [a for (s, a), e in TRANSITIONS.items() if s == state and role in e.roles]
