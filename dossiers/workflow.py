"""The dossier workflow: ONE transition table, checked by every service (STYLE R2).

Each edge is `(state, action) -> target` with the roles that may take it and its legal
basis, a `dossiers.legal` citation (every reference lives there, not here).

Roles: `applicant` is the citizen who filed (or a member of the business filed for);
`receptionist` acts for the receiving agency; `specialist` and `leader` for the
competent agency; `system` is a clock job. `dossiers.services` decides who holds which
role for a dossier, and checks the rules an edge alone cannot say (a supplement asked
once, the apology at most once, the new appointment after the current one).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers import legal
from dossiers.constants import OPEN_STATES, RUNNING, Action, ActorRole, Status
from procedures.constants import ChannelMethod

A, R, S, L = ActorRole.APPLICANT, ActorRole.RECEPTIONIST, ActorRole.SPECIALIST, ActorRole.LEADER
SYS = ActorRole.SYSTEM


class TransitionNotAllowed(Exception):
    """The dossier's state or the actor's role does not allow this action."""


@dataclass(frozen=True)
class Edge:
    target: str
    roles: frozenset[str]
    basis: legal.Citation


def _edge(target, roles, basis):
    return Edge(target, frozenset(roles), basis)


# A citizen may withdraw until a result exists. Listed once, applied to each state.
_WITHDRAWABLE = tuple(s for s in OPEN_STATES if s != Status.RESULT_READY)

TRANSITIONS: dict[tuple[str, str], Edge] = {
    # Filed online by the applicant, or a paper dossier entered by the desk on the
    # applicant's behalf; which of the two submits a draft depends on its channel
    # (`draft_role`).
    (Status.DRAFT, Action.SUBMIT): _edge(Status.SUBMITTED, {A, R}, legal.FILING),
    # A draft never reached an agency: the applicant may drop it, and the system drops
    # one left untouched (`dossiers.deadlines`, DRAFT_WARNING_DAYS + DRAFT_DELETE_DAYS).
    (Status.DRAFT, Action.DISCARD): _edge(Status.DISCARDED, {A, SYS}, legal.DRAFT_DISCARD),
    # The desk checks the dossier: complete, it is received (form 01, the clock starts);
    # incomplete, the desk asks ONCE for everything missing (form 02) and the answer
    # comes back to the desk; not receivable, it is refused (form 03).
    (Status.SUBMITTED, Action.RECEIVE): _edge(Status.RECEIVED, {R}, legal.RECEIPT),
    (Status.SUBMITTED, Action.REQUEST_SUPPLEMENT): _edge(
        Status.DESK_SUPPLEMENT, {R}, legal.DESK_SUPPLEMENT
    ),
    # The answer comes online from the applicant, or on paper to the desk (`draft_role`).
    (Status.DESK_SUPPLEMENT, Action.SUPPLEMENT): _edge(
        Status.SUBMITTED, {A, R}, legal.DESK_SUPPLEMENT
    ),
    (Status.SUBMITTED, Action.REFUSE): _edge(Status.REFUSED, {R}, legal.DESK_REFUSAL),
    # Transfer from the desk to the processing department, by the 15:00 rule.
    (Status.RECEIVED, Action.ASSIGN): _edge(Status.PROCESSING, {R, L}, legal.TRANSFER),
    # Reassignment inside the competent agency, on the process control sheet (form 06).
    (Status.PROCESSING, Action.FORWARD): _edge(Status.PROCESSING, {S, L}, legal.PROCESS_CONTROL),
    # The specialist's appraisal goes to the leader, who approves or sends it back.
    (Status.PROCESSING, Action.PROPOSE): _edge(Status.AWAITING_APPROVAL, {S}, legal.SETTLEMENT),
    (Status.AWAITING_APPROVAL, Action.RETURN): _edge(Status.PROCESSING, {L}, legal.SETTLEMENT),
    (Status.AWAITING_APPROVAL, Action.APPROVE): _edge(Status.RESULT_READY, {L}, legal.SETTLEMENT),
    # Incomplete during processing: one consolidated request within 3 working days of
    # receipt (form 02); the complete supplement restarts the clock.
    (Status.PROCESSING, Action.REQUEST_SUPPLEMENT): _edge(
        Status.SUPPLEMENT_REQUESTED, {S, L}, legal.PROCESSING_SUPPLEMENT
    ),
    (Status.SUPPLEMENT_REQUESTED, Action.SUPPLEMENT): _edge(
        Status.PROCESSING, {A, R}, legal.PROCESSING_SUPPLEMENT
    ),
    # Fees and financial obligations before the result; paid online.
    (Status.PROCESSING, Action.REQUIRE_PAYMENT): _edge(Status.AWAITING_PAYMENT, {S, L}, legal.FEES),
    (Status.AWAITING_PAYMENT, Action.PAY): _edge(Status.PROCESSING, {A}, legal.ONLINE_PAYMENT),
    # Not eligible to be settled: notice of stopping, with the reasons (form 05).
    (Status.PROCESSING, Action.STOP): _edge(Status.STOPPED, {S, L}, legal.STOP),
    # Return of the result at the desk, online or by post.
    (Status.RESULT_READY, Action.RETURN_RESULT): _edge(Status.RETURNED, {R}, legal.RETURN),
}
# Late or about to be: the written apology with a new appointment (form 04), once per
# dossier, on a running dossier from the moment it is due soon; required before an
# overdue dossier moves on (`apology_due`). `services.processing` checks the rest.
for _state in RUNNING:
    TRANSITIONS[(_state, Action.APOLOGISE)] = _edge(_state, {R, S, L}, legal.APOLOGY)
# The signed result is recorded at the desk or by the leader who signed it; it replaces
# a draft attached at approval.
TRANSITIONS[(Status.RESULT_READY, Action.RECORD_RESULT)] = _edge(
    Status.RESULT_READY, {R, L}, legal.SETTLEMENT
)
for _state in _WITHDRAWABLE:
    TRANSITIONS[(_state, Action.WITHDRAW)] = _edge(Status.WITHDRAWN, {A}, legal.WITHDRAWAL)
# The applicant's evaluation, kept beside the dossier: in every state a filed dossier
# can be in, since a moment (receipt, supplement, refusal, result) stays open after
# its step; `dossiers.evaluation.moments_reached` says which, the services check it.
_EVALUABLE = tuple(s for s in Status if s not in (Status.DRAFT, Status.DISCARDED))
for _state in _EVALUABLE:
    TRANSITIONS[(_state, Action.RATE)] = _edge(_state, {A}, legal.CITIZEN_EVALUATION)

TRANSITION_ACTIONS = frozenset(action for _, action in TRANSITIONS)


def draft_role(dossier) -> str:
    """Who fills, submits and supplements a dossier: the applicant online; the desk
    official for a paper dossier entered at the desk."""
    if dossier.channel == ChannelMethod.ONLINE:
        return ActorRole.APPLICANT
    return ActorRole.RECEPTIONIST


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
# the applicant's withdrawal and evaluation (notes and messages are not transitions).
OVERDUE_EXEMPT = frozenset({Action.APOLOGISE, Action.WITHDRAW, Action.RATE})


def needs_apology(*, due_at, paused: bool, status: str, now, apologised) -> bool:
    """True when a dossier is overdue and has never had its apology (form 04).

    The one rule "apologise before an overdue dossier moves on" (legal.APOLOGY). The
    appointment moves at most once, so a dossier late again after its apology is late,
    not blocked. `apologised()` says whether an apology row exists (called only when
    needed: it is a query)."""
    if due_at is None or paused or status not in OPEN_STATES or due_at >= now:
        return False
    return not apologised()


# What an official is told when an overdue dossier is asked to move on first.
APOLOGY_FIRST = _(
    "This dossier is overdue. Apologise to the applicant and set a new "
    "appointment (form 04) before any other action."
)


def apologised(dossier, *, log=None) -> bool:
    """The apology (form 04) was given: at most once per dossier. `log` is the
    dossier's whole log when the caller read it already (no query then)."""
    if log is not None:
        return any(entry.action == Action.APOLOGISE for entry in log)
    return dossier.log.filter(action=Action.APOLOGISE).exists()


def supplement_requests(dossier, *, at_desk: bool, log=None) -> int:
    """Supplement requests made at the desk (before receipt) or during processing: one
    of each is the rule (legal.GUIDANCE_ONCE, legal.PROCESSING_SUPPLEMENT). `log` as
    for `apologised`."""
    from_status = Status.SUBMITTED if at_desk else Status.PROCESSING
    if log is not None:
        return sum(
            1
            for entry in log
            if entry.action == Action.REQUEST_SUPPLEMENT and entry.from_status == from_status
        )
    return dossier.log.filter(action=Action.REQUEST_SUPPLEMENT, from_status=from_status).count()


def apology_due(dossier, *, now=None, log=None) -> bool:
    """`needs_apology` for a dossier. One query, and only for a late dossier (none
    when the caller passes the dossier's whole `log`). The services refuse other
    actions then; the pages offer the apology alone."""
    return needs_apology(
        due_at=dossier.due_at,
        paused=dossier.paused_at is not None,
        status=dossier.status,
        now=now or timezone.now(),
        apologised=lambda: apologised(dossier, log=log),
    )


def actions_for(state: str, role: str) -> list[str]:
    """The actions `role` may take from `state`, in table order (for the UI)."""
    return [a for (s, a), e in TRANSITIONS.items() if s == state and role in e.roles]
