"""Who sees which dossiers: the official's agencies per role, and the queues' conditions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, Case, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.constants import PAUSED, RUNNING, ActorRole, Status
from dossiers.models import Dossier
from identity import permissions
from identity.constants import OfficialRole
from procedures.calendar import WorkingCalendar

PAGE_SIZE = 25


# Everything an agency has on its books (drafts never reached it).
FILED = tuple(s for s in Status.values if s not in (Status.DRAFT, Status.DISCARDED))


ACTIVE_FOR_ASSIGNEE = (
    Status.PROCESSING,
    Status.AWAITING_APPROVAL,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
)


QUEUES = {
    "receive": _("To receive"),
    "transfer": _("To transfer"),
    "mine": _("Assigned to me"),
    "approval": _("Awaiting approval"),
    "waiting": _("Awaiting supplement or payment"),
    "due_soon": _("Due soon"),
    "overdue": _("Overdue"),
    "ready": _("Ready to return"),
    "all": _("All dossiers of my agencies"),
}


DUE_STATES = {"overdue": _("Overdue"), "due_soon": _("Due soon"), "on_track": _("On time")}


def due_soon_days() -> int:
    return getattr(settings, "BACKOFFICE_DUE_SOON_DAYS", 2)


@dataclass
class OfficialScope:
    """The agencies (ids) the official acts for, per role."""

    user: object
    by_role: dict[str, set[int]] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)  # held, even for an unknown agency code
    codes: set[str] = field(default_factory=set)  # agency codes, any role (consultations)

    def ids(self, *roles) -> set[int]:
        roles = roles or tuple(self.by_role)
        return set().union(*(self.by_role.get(r, set()) for r in roles))

    @property
    def any_ids(self) -> set[int]:
        return self.ids()

    def roles_on(self, dossier: Dossier) -> list[str]:
        """The official roles this person holds for this dossier (receptionist at the
        receiving agency; specialist and leader at the competent agency)."""
        roles = []
        if dossier.receiving_agency_id in self.by_role.get(OfficialRole.RECEPTIONIST, ()):
            roles.append(ActorRole.RECEPTIONIST)
        for role in (OfficialRole.SPECIALIST, OfficialRole.LEADER):
            if dossier.competent_agency_id in self.by_role.get(role, ()):
                roles.append(role)
        return roles


def official_scope(user) -> OfficialScope:
    """One query: the memberships' agency ids and roles."""
    scope = OfficialScope(user=user)
    if user is None or not user.is_authenticated:
        return scope
    rows = permissions.agency_roles(user)
    scope.roles = {role for _agency_id, _code, role in rows}
    scope.codes = {code for _agency_id, code, _role in rows}
    for agency_id, _code, role in rows:
        scope.by_role.setdefault(role, set()).add(agency_id)
    return scope


def scope_q(scope: OfficialScope) -> Q:
    ids = scope.any_ids
    return Q(receiving_agency_id__in=ids) | Q(competent_agency_id__in=ids)


def due_soon_limit(now: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """End of the N-th working day from today: due before it means 'due soon'."""
    today = timezone.localtime(now).date()
    last = calendar.add_working_days(today, due_soon_days())
    return timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))


def apology_open(
    dossier: Dossier, *, now: dt.datetime, calendar: WorkingCalendar | None = None
) -> bool:
    """Whether the clock allows the apology and new appointment (form 04) now: a
    running, unpaused dossier whose appointment is due soon or past. Whether it was
    given already is the log's to say (`workflow.apologised`)."""
    if dossier.status not in RUNNING or dossier.due_at is None or dossier.paused_at:
        return False
    return dossier.due_at < due_soon_limit(now, calendar or WorkingCalendar.load())


def queue_q(
    queue: str, scope: OfficialScope, now: dt.datetime, limit: dt.datetime, state=None
) -> Q:
    """The tab's condition; `state` narrows "mine" to one of its states (`page_ids`)."""
    mine_any = scope_q(scope)
    desk = scope.ids(OfficialRole.RECEPTIONIST)
    if queue == "receive":
        return Q(status=Status.SUBMITTED, receiving_agency_id__in=desk)
    if queue == "transfer":
        # Received, not yet with the processing department (the 15:00 rule): the desk
        # or the competent agency's leader hands it on.
        return Q(status=Status.RECEIVED) & (
            Q(receiving_agency_id__in=desk)
            | Q(competent_agency_id__in=scope.ids(OfficialRole.LEADER))
        )
    if queue == "mine":
        if state:
            # One state of the merge (`page_ids`): the agencies are checked through a
            # CASE, which PostgreSQL estimates at one row in two. Written plainly, it
            # multiplies the agencies' share of the city by the assignee's, as if an
            # official's dossiers could belong to any agency, expects a handful of
            # rows and reads all of the state's (a bitmap and a sort) instead of the
            # first 26 in `dossier_assignee`'s order.
            in_agencies = Case(
                When(mine_any, then=True), default=False, output_field=BooleanField()
            )
            return Q(assignee_id=scope.user.pk, status=state) & Q(in_agencies)
        # By id: the same condition filters the queue tally (no relation there).
        return Q(assignee_id=scope.user.pk, status__in=ACTIVE_FOR_ASSIGNEE) & mine_any
    if queue == "approval":
        return Q(
            status=Status.AWAITING_APPROVAL, competent_agency_id__in=scope.ids(OfficialRole.LEADER)
        )
    if queue == "waiting":
        return Q(status__in=PAUSED) & mine_any
    if queue == "due_soon":
        return Q(status__in=RUNNING, due_at__gte=now, due_at__lt=limit) & mine_any
    if queue == "overdue":
        return Q(status__in=RUNNING, due_at__lt=now) & mine_any
    if queue == "ready":
        return Q(status=Status.RESULT_READY, receiving_agency_id__in=desk)
    return Q(status__in=FILED) & mine_any


def queues_for(scope: OfficialScope) -> list[str]:
    """The queues that make sense for the roles held (all officials see 'all')."""
    roles = scope.roles
    names = []
    if OfficialRole.RECEPTIONIST in roles:
        names.append("receive")
    if roles & {OfficialRole.RECEPTIONIST, OfficialRole.LEADER}:
        names.append("transfer")
    if roles & {OfficialRole.SPECIALIST}:
        names.append("mine")
    if OfficialRole.LEADER in roles:
        names.append("approval")
    names += ["waiting", "due_soon", "overdue"]
    if OfficialRole.RECEPTIONIST in roles:
        names.append("ready")
    names.append("all")
    return names


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of `day`, local time. A range on the column itself (not on its
    date) lets the index serve it."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
