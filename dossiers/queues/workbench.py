"""One dossier on the official's workbench: fetched through the scope (404 outside it),
its log as this official may see it, and the actions open to them (the same answer for
the workbench and for bulk actions)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dossiers.constants import OPEN_STATES, RUNNING, Action, Status, Visibility
from dossiers.models import Dossier, DossierLog
from dossiers.queues.scope import FILED, OfficialScope, apology_open, official_scope, scope_q
from dossiers.selectors import with_catalogue
from dossiers.workflow import (
    TRANSITIONS,
    actions_for,
    apologised,
    apology_due,
    draft_role,
    supplement_requests,
)
from identity.constants import OfficialRole


def dossier_get_for_official(*, official, ref, scope: OfficialScope | None = None) -> Dossier:
    """The dossier `ref` if it was filed with, or is decided by, one of the official's
    agencies, or is shared with one of them for a consultation (a guardian grant, see
    `dossiers.consultation`); else Http404 (no hint that it exists)."""
    from dossiers.consultation import shared_dossier_ids

    scope = scope or official_scope(official)
    if not scope.any_ids:
        raise Http404
    visible = scope_q(scope) | Q(pk__in=shared_dossier_ids(scope.codes))
    dossier = (
        Dossier.objects.filter(visible, ref=ref, status__in=FILED)
        # Only the people are joined: PostgreSQL took longer to plan a join of every
        # related table than to run it, and the catalogue's rows come from the cache.
        .select_related("applicant", "assignee")
        # `ref` is unique: no ORDER BY (first() would sort the joined row by id).
        .order_by()[:1]
    )
    dossier = next(iter(dossier), None)
    if dossier is None:
        raise Http404
    return with_catalogue(dossier)


def dossier_official_log(dossier: Dossier) -> QuerySet[DossierLog]:
    """The full log, internal notes included: officials see everything."""
    return dossier.log.order_by("seq")


_CONSULTATION_ACTIONS = frozenset({Action.CONSULT, Action.ANSWER, Action.CONSULT_CLOSE})


def sees_internal(dossier: Dossier, scope: OfficialScope) -> bool:
    """Whether the official works at one of the dossier's own agencies (receiving,
    competent) and so sees its internal side: notes, handovers, form 06. An agency that
    sees the dossier only because it was consulted does not."""
    return (
        dossier.receiving_agency_id in scope.any_ids or dossier.competent_agency_id in scope.any_ids
    )


def log_visible_to(entries, dossier: Dossier, scope: OfficialScope) -> list[DossierLog]:
    """The log rows an official sees. The dossier's own agencies see everything,
    internal notes included (`sees_internal`); a consulted agency sees what the
    applicant sees plus its own consultations, not the deciding agency's internal
    deliberations."""
    if sees_internal(dossier, scope):
        return list(entries)
    return [
        e
        for e in entries
        if e.visibility == Visibility.PUBLIC
        or (e.action in _CONSULTATION_ACTIONS and e.data.get("agency") in scope.codes)
    ]


# Events that are no edge of the workflow table: they keep the state, so they stay open
# on an overdue dossier too, to anyone who holds an official role on the dossier.
EVENT_ACTIONS = (Action.MESSAGE, Action.NOTE)


def official_actions(
    dossier: Dossier,
    scope: OfficialScope,
    *,
    now=None,
    late: bool | None = None,
    log=None,
    calendar=None,
) -> list[tuple[str, str | None]]:
    """(action, role) pairs the official may take now: the transitions of the workflow
    table in table order, then messages and internal notes (role None: the service
    picks it). An official with no role on the dossier (a consulted agency, another
    agency's desk) has none. The apology (form 04) is offered once, from the moment
    the dossier is due soon; overdue without it, it is the only transition open
    (legal.APOLOGY). `late` is `apology_due(dossier)` when the caller has it already;
    `log` the dossier's whole log and `calendar` the working calendar, when the caller
    read them already (the workbench shows both): then no query here."""
    roles = scope.roles_on(dossier)
    if not roles:
        return []
    now = now or timezone.now()
    if late is None:
        late = apology_due(dossier, now=now, log=log)
    offer_apology = late or (
        apology_open(dossier, now=now, calendar=calendar) and not apologised(dossier, log=log)
    )
    seen, result = set(), []
    for role in roles:
        for action in actions_for(dossier.status, role):
            if action in seen or (late and action != Action.APOLOGISE):
                continue
            if action == Action.APOLOGISE and not offer_apology:
                continue
            if (
                action == Action.REQUEST_SUPPLEMENT
                and dossier.status == Status.SUBMITTED
                and supplement_requests(dossier, at_desk=True, log=log)
            ):
                continue  # the desk asked once: it receives or refuses now
            if action == Action.SUPPLEMENT and draft_role(dossier) != role:
                continue  # an online dossier is supplemented by its applicant
            seen.add(action)
            result.append((action, role))
    return [*result, *((action, None) for action in EVENT_ACTIONS)]


def action_basis(dossier: Dossier, action: str):
    """The legal basis of `action` on this dossier now (a `dossiers.legal` citation),
    or None for what is no edge of the table (messages, notes)."""
    edge = TRANSITIONS.get((dossier.status, action))
    return edge.basis if edge is not None else None


# Why an action is not open to an official (`ActionCheck.refusal`).
REFUSED_ROLE = "role"  # the state allows it, none of the official's roles here does
REFUSED_STATE = "state"  # the dossier's state does not allow it (any more)
REFUSED_APOLOGY_FIRST = "apology_first"  # overdue: the apology comes first


@dataclass(frozen=True)
class ActionCheck:
    """Whether the official may take `action` on the dossier now, and in which role."""

    action: str
    role: str | None = None
    refusal: str = ""

    @property
    def allowed(self) -> bool:
        return not self.refusal


def official_action_check(
    dossier: Dossier, scope: OfficialScope, action: str, *, now=None
) -> ActionCheck:
    """`official_actions` for one action, with the reason when it is not open. The
    services check again under the row lock: this answers the pages (what to offer,
    what to say), it does not replace that check."""
    open_now = dict(official_actions(dossier, scope, now=now))
    if action in open_now:
        return ActionCheck(action, open_now[action])
    edge = TRANSITIONS.get((dossier.status, action))
    if edge is None or action == Action.APOLOGISE:
        return ActionCheck(action, refusal=REFUSED_STATE)
    if not edge.roles & set(scope.roles_on(dossier)):
        return ActionCheck(action, refusal=REFUSED_ROLE)
    return ActionCheck(action, refusal=REFUSED_APOLOGY_FIRST)


@dataclass(frozen=True)
class Workload:
    open: int = 0
    overdue: int = 0


def workloads(agency, people) -> dict[int, Workload]:
    """Each person's open dossiers decided by `agency` and how many are past their
    appointment day: from the queue tallies (one indexed query, whatever the size of
    the city), so that whoever assigns sees who is free."""
    from django.db.models import Sum

    from dossiers.models import QueueTally

    today = timezone.localdate()
    rows = (
        QueueTally.objects.filter(
            competent_agency_id=agency.pk,
            assignee_id__in=[p.pk for p in people],
            status__in=OPEN_STATES,
        )
        .values("assignee_id")
        .annotate(
            open=Sum("n"),
            overdue=Sum("n", filter=Q(status__in=RUNNING, due_day__lt=today)),
        )
    )
    return {
        r["assignee_id"]: Workload(open=r["open"] or 0, overdue=r["overdue"] or 0) for r in rows
    }


def specialists_of(agency) -> QuerySet:
    """People who may be assigned a dossier decided by `agency`."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            official_memberships__agency=agency,
            official_memberships__role=OfficialRole.SPECIALIST,
            is_active=True,
            is_service_account=False,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def desk_agencies(scope: OfficialScope) -> list:
    """The agencies whose one-stop desk the official works at, by name: where they may
    file and receive a paper dossier (counter intake)."""
    from procedures.models import Agency

    ids = scope.ids(*TRANSITIONS[(Status.SUBMITTED, Action.RECEIVE)].roles)
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


# --- bulk actions on a queue ---------------------------------------------------------

# What a queue offers in bulk: the action, the state it starts from, and the queues
# that list dossiers in that state (receipt on the intake queue; assignment wherever
# received dossiers show).
BULK_ACTIONS = {
    Action.RECEIVE: (Status.SUBMITTED, ("receive",)),
    Action.ASSIGN: (Status.RECEIVED, ("all", "due_soon", "overdue")),
}


def bulk_roles(action: str) -> frozenset[str]:
    """The roles that may take `action` in bulk: those of its edge in the table."""
    state, _queues = BULK_ACTIONS[action]
    return TRANSITIONS[(state, action)].roles


def bulk_actions_offered(scope: OfficialScope, queue: str) -> dict[str, bool]:
    """The bulk actions the queue page offers this official on `queue`."""
    return {
        action: True
        for action, (_state, shown_on) in BULK_ACTIONS.items()
        if queue in shown_on and scope.ids(*bulk_roles(action))
    }


def bulk_assignees(scope: OfficialScope) -> QuerySet:
    """The specialists a bulk assignment may name: those of the agencies where the
    official may assign (one query)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            official_memberships__agency_id__in=scope.ids(*bulk_roles(Action.ASSIGN)),
            official_memberships__role=OfficialRole.SPECIALIST,
            is_active=True,
            is_service_account=False,
        )
        .distinct()
        .order_by("full_name", "pk")
    )
