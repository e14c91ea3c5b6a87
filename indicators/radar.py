"""The bottleneck radar: where open dossiers are blocked, and why.

Who sees what is the statistics' rule (`selectors.statistics_scope`): leaders and
agency administrators their agencies and every unit below, the city overseers the
whole city. A dossier is in an agency's radar when that agency (or a unit below it)
received it or decides it, the rule of the queues.

Where the figures come from, so a page costs the same at any size:
- counts, ages and shares of the allotted time per state, agency and official: the
  `OpenStat` summary (`radar_refresh.refresh_open`, every statistics refresh), a few
  grouped sums over its rows, never over the open dossiers themselves;
- structural bottlenecks: 90 days of `StepStat` rows;
- the lists a leader acts on (the longest waiting, the late transfers, the questions
  to other agencies, overdue feedback) are read live, each one indexed query for the
  first rows (`dossier_open_waiting`, `consult_asking_open`, the open-state and
  feedback indexes), and what explains each listed dossier (its last log rows, its
  pending payments, its open questions) one query per kind for the whole list.
"""

from __future__ import annotations

import datetime as dt
import statistics as pystats
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import F, Max, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import keyset
from dossiers.constants import (
    OPEN_STATES,
    RUNNING,
    SUPPLEMENT_STATES,
    Action,
    ConsultationStatus,
    PaymentStatus,
    Status,
)
from dossiers.models import Consultation, Dossier, DossierLog, Payment
from identity.constants import OfficialRole
from indicators import memo
from indicators.models import TIME_USED, DailyStat, OpenStat, StepStat
from indicators.radar_refresh import open_computed_at
from indicators.selectors import StatisticsScope, Tree
from procedures.calendar import WorkingCalendar
from procedures.constants import StepRole

LIST_SIZE = 20
LAST_ENTRIES = 3
HISTORY_DAYS = 90
# A step is a structural bottleneck when at least this share of the dossiers returned
# in the last HISTORY_DAYS spent longer in it than the procedure allots, over at least
# BOTTLENECK_MIN_DOSSIERS dossiers (fewer say nothing regular).
BOTTLENECK_SHARE = 0.5
BOTTLENECK_MIN_DOSSIERS = 3
# An official's load is "above their peers'" past this multiple of the agency's median.
HEAVY_FACTOR = 1.5
OFFICIALS_SHOWN = 30

TIME_USED_LABELS = {
    # xgettext:no-python-format
    "used_lt50": _("Less than 50% of the time used"),
    # xgettext:no-python-format
    "used_50_80": _("50 to 80% used"),
    # xgettext:no-python-format
    "used_80_100": _("80 to 100% used"),
    "overdue": _("Overdue"),
    "clock_stopped": _(
        "Clock not running (waiting for the applicant, not received yet, or no fixed time)"
    ),
}

# Who has a dossier in hand in each state (the holder a leader asks "why?").
HOLDER_LABELS = {
    Status.SUBMITTED: _("One-stop desk (to receive)"),
    Status.DESK_SUPPLEMENT: _("Applicant (supplement at the desk)"),
    Status.RECEIVED: _("One-stop desk (to transfer)"),
    Status.AWAITING_APPROVAL: _("Leaders (to approve)"),
    Status.SUPPLEMENT_REQUESTED: _("Applicant (supplement)"),
    Status.AWAITING_PAYMENT: _("Applicant (payment)"),
    Status.RESULT_READY: _("One-stop desk (to return)"),
}
# What a leader can reassign from the radar: the same edges the workbench offers
# (a received dossier is assigned, one in processing forwarded).
REASSIGN_ACTIONS = {Status.RECEIVED: Action.ASSIGN, Status.PROCESSING: Action.FORWARD}


def scope_ids(tree: Tree, scope: StatisticsScope, agency_id: int | None) -> set[int] | None:
    """The agencies of the radar shown: `agency_id` and the units below, or None for
    the whole city (an overseer without a choice)."""
    if agency_id is None:
        return None if scope.city else set(scope.ids)
    return tree.subtree(agency_id)


def _in_scope(ids, recv="receiving_agency_id", comp="competent_agency_id") -> Q:
    if ids is None:
        return Q()
    ids = list(ids)
    return Q(**{f"{recv}__in": ids}) | Q(**{f"{comp}__in": ids})


# --- the summary tables --------------------------------------------------------------


@dataclass
class Line:
    """One line of a summary table: dossiers open, overdue, their wait and time used."""

    key: object
    label: str = ""
    n: int = 0
    overdue: int = 0
    wait_days: int = 0
    wait_max: int = 0
    used: dict = field(default_factory=dict)

    @property
    def wait_avg(self) -> float | None:
        return round(self.wait_days / self.n, 1) if self.n else None

    @property
    def buckets(self) -> list[int]:
        return [self.used.get(name, 0) for name in TIME_USED]


_SUMS = {
    "n": Sum("n"),
    "wait_days": Sum("wait_days"),
    **{name: Sum(name) for name in TIME_USED},
}


def _lines(rows, key_of, label_of=None) -> list[Line]:
    out = []
    for r in rows:
        key = key_of(r)
        line = Line(
            key=key,
            label=label_of(key) if label_of else "",
            n=r["n"] or 0,
            overdue=r["overdue"] or 0,
            wait_days=r["wait_days"] or 0,
            wait_max=r["wait_max"] or 0,
            used={name: r[name] or 0 for name in TIME_USED},
        )
        out.append(line)
    return out


def _grouped(base, *columns):
    return base.values(*columns).annotate(**_SUMS, wait_max=Max("wait_max")).order_by()


@dataclass
class OfficialLine(Line):
    agency_id: int = 0
    agency_name: str = ""
    peers_median_n: float = 0
    peers_median_overdue: float = 0

    @property
    def heavy(self) -> bool:
        """Holds clearly more than the agency's median official, or more overdue."""
        return self.n > HEAVY_FACTOR * max(self.peers_median_n, 1) or (
            self.overdue > self.peers_median_overdue and self.overdue > 0
        )


def summary_tables(tree: Tree, ids: set[int] | None) -> dict:
    """Per state, per agency holding the dossiers, per official, and the whole scope,
    from `OpenStat`: four grouped sums and two small reads (names, peers)."""
    base = OpenStat.objects.filter(_in_scope(ids))
    total = _lines([base.aggregate(**_SUMS, wait_max=Max("wait_max"))], lambda r: None)[0]
    labels = dict(Status.choices)
    states = _lines(_grouped(base, "status"), lambda r: r["status"], lambda s: labels.get(s, s))
    order = {s: i for i, s in enumerate(OPEN_STATES)}
    states.sort(key=lambda line: order.get(line.key, 99))
    agencies = _lines(
        _grouped(base, "holder_agency_id"),
        lambda r: r["holder_agency_id"],
        lambda a: tree.nodes[a].name if a in tree.nodes else str(a),
    )
    agencies.sort(key=lambda line: (-line.overdue, -line.n, line.label))
    officials = _officials(base, tree, ids)
    return {"total": total, "states": states, "agencies": agencies, "officials": officials}


def _officials(base, tree: Tree, ids) -> list[OfficialLine]:
    """Officials holding open dossiers of agencies in scope, with their agency's median
    (over every specialist of the agency, the idle ones included)."""
    from identity.models import OfficialMembership

    own = base.filter(assignee_id__gt=0)
    if ids is not None:
        own = own.filter(competent_agency_id__in=list(ids))
    rows = list(_grouped(own, "assignee_id", "competent_agency_id"))
    if not rows:
        return []
    # The most loaded first; names and peers are read for the officials shown only.
    rows.sort(key=lambda r: (-(r["overdue"] or 0), -r["n"], r["assignee_id"]))
    shown = rows[:OFFICIALS_SHOWN]
    agencies = {r["competent_agency_id"] for r in shown}
    peers: dict[int, dict[int, list[int]]] = {a: {} for a in agencies}
    for agency_id, user_id in OfficialMembership.objects.filter(
        agency_id__in=agencies,
        role=OfficialRole.SPECIALIST,
        user__is_active=True,
        user__is_service_account=False,
    ).values_list("agency_id", "user_id"):
        peers[agency_id][user_id] = [0, 0]
    for r in rows:
        if r["competent_agency_id"] in peers:
            peers[r["competent_agency_id"]][r["assignee_id"]] = [r["n"], r["overdue"] or 0]
    medians = {
        a: (
            pystats.median(v[0] for v in by_user.values()),
            pystats.median(v[1] for v in by_user.values()),
        )
        for a, by_user in peers.items()
    }
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(pk__in={r["assignee_id"] for r in shown})
        .only("pk", "full_name", "first_name", "last_name", "username")
    }
    out = []
    for r in shown:
        agency_id = r["competent_agency_id"]
        user = users.get(r["assignee_id"])
        line = OfficialLine(
            key=r["assignee_id"],
            label=str(user) if user else str(r["assignee_id"]),
            n=r["n"] or 0,
            overdue=r["overdue"] or 0,
            wait_days=r["wait_days"] or 0,
            wait_max=r["wait_max"] or 0,
            used={name: r[name] or 0 for name in TIME_USED},
            agency_id=agency_id,
            agency_name=tree.nodes[agency_id].name if agency_id in tree.nodes else "",
            peers_median_n=medians[agency_id][0],
            peers_median_overdue=medians[agency_id][1],
        )
        out.append(line)
    return out


# --- the longest waiting -------------------------------------------------------------


@dataclass
class Waiting:
    """One open dossier waiting, with what explains it."""

    dossier: Dossier
    since: dt.datetime
    waited: int  # working days in the current state / with the current holder
    holder: str
    entries: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    consultations: list = field(default_factory=list)
    supplement_note: str = ""
    transfer_late: bool = False
    overdue: bool = False
    reassign: str = ""  # the action a leader of the competent agency would take
    people: list = field(default_factory=list)  # (id, name) it may be handed to


def _holder(d: Dossier) -> str:
    """The specialist in processing; else who the state waits for, with the specialist
    still answerable while the applicant is awaited."""
    name = str(d.assignee) if d.assignee_id else ""
    if d.status == Status.PROCESSING:
        return name or str(_("Nobody assigned"))
    label = str(HOLDER_LABELS.get(d.status, ""))
    if name and d.status in (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT):
        return f"{label} — {name}"
    return label


def _waiting_cursor(after: str | None):
    position = keyset.cursor_decode(after, moment=True)
    if not position or position[0] is None:
        return Q()
    moment, pk = position
    return Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk)


# A change of state or of holder starts a new wait; events that keep both (messages,
# notes, an apology, a rating) do not.
_HOLDER_CHANGES = (Action.ASSIGN, Action.FORWARD)


def longest_waiting(
    ids: set[int] | None,
    *,
    now: dt.datetime,
    calendar: WorkingCalendar,
    after: str | None = None,
    size: int = LIST_SIZE,
) -> keyset.Page:
    """Open dossiers in the order of their last transition, oldest first (keyset on
    (updated_at, id), served by `dossier_open_waiting`), each with its holder, since
    when (from the log: the row that brought it to its state or holder), its last log
    rows, pending payments, open questions to other agencies and supplement request.
    Seven queries whatever the size."""
    qs = Dossier.objects.filter(_in_scope(ids), status__in=OPEN_STATES).filter(
        _waiting_cursor(after)
    )
    # The page's dossiers first, alone (the scope's open-state indexes, or the city's
    # `dossier_open_waiting`): joined to the catalogue, agencies and assignee, the
    # planner may walk every dossier in version order to merge the joins instead.
    page = list(qs.order_by("updated_at", "pk").values_list("pk", flat=True)[: size + 1])
    rows = list(
        Dossier.objects.filter(pk__in=page)
        .order_by("updated_at", "pk")
        .select_related("version__procedure", "assignee", "receiving_agency", "competent_agency")
        .only(
            "ref",
            "code",
            "status",
            "updated_at",
            "due_at",
            "paused_at",
            "transfer_due_at",
            "receiving_agency_id",
            "competent_agency_id",
            "receiving_agency__name",
            "competent_agency__name",
            "receiving_agency__code",
            "competent_agency__code",
            "version__procedure__name",
            "assignee__full_name",
            "assignee__first_name",
            "assignee__last_name",
            "assignee__username",
        )
    )
    more = len(page) > size
    rows = rows[:size]
    if not rows:
        return keyset.Page([], None)
    pks = [d.pk for d in rows]
    since = {
        e.dossier_id: e
        for e in DossierLog.objects.filter(dossier_id__in=pks)
        .exclude(to_status="")
        .filter(~Q(from_status=F("to_status")) | Q(action__in=_HOLDER_CHANGES))
        .order_by("dossier_id", "-seq")
        .distinct("dossier_id")
        .only("dossier_id", "seq", "created_at", "action", "note", "data")
    }
    entries = defaultdict(list)
    recent = (
        DossierLog.objects.filter(dossier_id__in=pks)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("dossier_id")], order_by=F("seq").desc())
        )
        .filter(rank__lte=LAST_ENTRIES)
        .order_by("dossier_id", "-seq")
        .only(
            "dossier_id", "seq", "created_at", "actor_name", "action", "note", "visibility", "data"
        )
    )
    for entry in recent:
        entries[entry.dossier_id].append(entry)
    payments = defaultdict(list)
    for p in Payment.objects.filter(dossier_id__in=pks, status=PaymentStatus.PENDING).only(
        "dossier_id", "amount", "reason", "created_at", "purpose"
    ):
        payments[p.dossier_id].append(p)
    asked = defaultdict(list)
    for c in (
        Consultation.objects.filter(dossier_id__in=pks, status=ConsultationStatus.OPEN)
        .select_related("consulted_agency")
        .only("dossier_id", "asked_at", "reply_by", "consulted_agency__name")
    ):
        asked[c.dossier_id].append(c)
    today = timezone.localtime(now).date()
    out = []
    for d in rows:
        entry = since.get(d.pk)
        moment = entry.created_at if entry is not None else d.updated_at
        data = (entry.data or {}) if entry is not None else {}
        out.append(
            Waiting(
                dossier=d,
                since=moment,
                waited=calendar.working_days_between(timezone.localtime(moment).date(), today),
                holder=_holder(d),
                entries=entries[d.pk],
                payments=payments[d.pk],
                consultations=asked[d.pk],
                supplement_note=entry.note
                if entry is not None
                and entry.action == Action.REQUEST_SUPPLEMENT
                and d.status in SUPPLEMENT_STATES
                else "",
                transfer_late=data.get("transfer") == "late"
                or (
                    d.status == Status.RECEIVED
                    and d.transfer_due_at is not None
                    and d.transfer_due_at < now
                ),
                overdue=d.status in RUNNING and d.due_at is not None and d.due_at < now,
                reassign=REASSIGN_ACTIONS.get(d.status, ""),
            )
        )
    last = rows[-1]
    return keyset.Page(out, keyset.cursor_encode(last.updated_at, last.pk) if more else None)


# --- late transfers, other agencies, bottlenecks, feedback ---------------------------


def late_transfers(ids, *, now: dt.datetime, size: int = LIST_SIZE) -> dict:
    """Received dossiers not transferred by their deadline now (the 15:00 rule), the
    most late first, and the transfers of the last HISTORY_DAYS days on time and late
    (from the statistics' summary)."""
    order = ("transfer_due_at", "pk")
    # The page's dossiers first, alone: joined to the catalogue and agencies, the
    # planner walks every dossier in version order to merge the joins (no index orders
    # received dossiers by transfer deadline); then those few with their names.
    pks = list(
        Dossier.objects.filter(_in_scope(ids), status=Status.RECEIVED, transfer_due_at__lt=now)
        .order_by(*order)
        .values_list("pk", flat=True)[:size]
    )
    rows = list(
        Dossier.objects.filter(pk__in=pks)
        .order_by(*order)
        .select_related("receiving_agency", "version__procedure")
        .only(
            "ref",
            "code",
            "transfer_due_at",
            "received_at",
            "receiving_agency__name",
            "version__procedure__name",
        )
    )
    today = timezone.localdate(now)
    history = memo.remembered(
        "radar-transfers",
        (ids, today),
        lambda: DailyStat.objects.filter(
            _in_scope(ids), day__gt=today - dt.timedelta(days=HISTORY_DAYS), day__lte=today
        ).aggregate(on_time=Sum("transfer_on_time"), late=Sum("transfer_late")),
    )
    return {
        "rows": rows,
        "on_time": history["on_time"] or 0,
        "late": history["late"] or 0,
    }


@dataclass
class Asked:
    consultation: Consultation
    waited: int
    past_reply_by: bool


def waiting_on_others(ids, *, now: dt.datetime, calendar, size: int = LIST_SIZE) -> dict:
    """Open questions the agencies in scope asked other agencies (liên thông), the
    oldest first, with how long they have waited (served by `consult_asking_open`)."""
    qs = Consultation.objects.filter(status=ConsultationStatus.OPEN)
    if ids is not None:
        qs = qs.filter(asking_agency_id__in=list(ids))
    rows = list(
        qs.order_by("asked_at", "pk")
        .select_related("dossier", "consulted_agency", "asking_agency")
        .only(
            "asked_at",
            "reply_by",
            "dossier__ref",
            "dossier__code",
            "consulted_agency__name",
            "asking_agency__name",
        )[: size + 1]
    )
    today = timezone.localtime(now).date()
    out = [
        Asked(
            c,
            calendar.working_days_between(timezone.localtime(c.asked_at).date(), today),
            c.reply_by < today,
        )
        for c in rows[:size]
    ]
    return {"rows": out, "more": len(rows) > size}


@dataclass
class Bottleneck:
    agency: str
    procedure: str
    role: str
    dossiers: int
    over: int
    actual_avg: float
    allotted_avg: float

    @property
    def over_share(self) -> float:
        return self.over / self.dossiers if self.dossiers else 0.0


def structural_bottlenecks(tree: Tree, ids, *, today: dt.date) -> list[Bottleneck]:
    """Steps whose actual time exceeded their allotment for at least BOTTLENECK_SHARE of
    the dossiers returned in the last HISTORY_DAYS days (per agency doing the step,
    procedure and role), the most regular first. Two queries."""
    from procedures.models import Procedure

    qs = StepStat.objects.filter(day__gt=today - dt.timedelta(days=HISTORY_DAYS), day__lte=today)
    if ids is not None:
        qs = qs.filter(agency_id__in=list(ids))
    # The rule is applied by the database (HAVING): only the bottlenecks are read.
    rows = list(
        qs.values("agency_id", "procedure_id", "role")
        .annotate(
            n=Sum("dossiers"), days=Sum("days_sum"), tenths=Sum("allotted_tenths"), over=Sum("over")
        )
        .filter(n__gte=BOTTLENECK_MIN_DOSSIERS, over__gte=BOTTLENECK_SHARE * F("n"))
        .order_by()
    )
    names = dict(
        Procedure.objects.filter(pk__in={r["procedure_id"] for r in rows}).values_list("pk", "name")
    )
    roles = dict(StepRole.choices)
    out = [
        Bottleneck(
            agency=tree.nodes[r["agency_id"]].name if r["agency_id"] in tree.nodes else "",
            procedure=names.get(r["procedure_id"], ""),
            role=str(roles.get(r["role"], r["role"])),
            dossiers=r["n"],
            over=r["over"],
            actual_avg=round(r["days"] / r["n"], 1),
            allotted_avg=round(r["tenths"] / 10 / r["n"], 1),
        )
        for r in rows
    ]
    out.sort(
        key=lambda b: (
            -b.over_share,
            -(b.actual_avg - b.allotted_avg),
            b.procedure,
            b.agency,
            b.role,
        )
    )
    return out


def feedback_waiting(tree: Tree, ids, *, now: dt.datetime, size: int = 10) -> dict:
    """Feedback of the agencies in scope waiting for an answer, and the overdue ones."""
    from feedback.selectors import feedback_open_counts, feedback_overdue

    agencies = list(tree.nodes) if ids is None else list(ids)
    counts = feedback_open_counts(agencies, now=now)
    return {**counts, "rows": feedback_overdue(agencies, now=now, limit=size)}


def specialists_by_agency(agency_ids) -> dict[int, list[tuple[int, str]]]:
    """The active specialists of these agencies, by name (whom a dossier decided there
    may be handed to, as the workbench's `specialists_of`): one query."""
    from identity.models import OfficialMembership

    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not agency_ids:
        return out
    members = (
        OfficialMembership.objects.filter(
            agency_id__in=list(agency_ids),
            role=OfficialRole.SPECIALIST,
            user__is_active=True,
            user__is_service_account=False,
        )
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    for m in members:
        out[m.agency_id].append((m.user_id, str(m.user)))
    return out


# --- the page ------------------------------------------------------------------------


@dataclass
class Radar:
    computed_at: dt.datetime | None
    tables: dict
    waiting: keyset.Page
    transfers: dict
    others: dict
    bottlenecks: list
    feedback: dict


def radar(
    tree: Tree,
    ids: set[int] | None,
    *,
    now: dt.datetime | None = None,
    after: str | None = None,
    calendar: WorkingCalendar | None = None,
) -> Radar:
    """Everything the radar page (and the weekly digest) shows for the agencies `ids`
    (None: the whole city)."""
    now = now or timezone.now()
    calendar = calendar or WorkingCalendar.load()
    today = timezone.localtime(now).date()
    # The summaries' part is remembered until the next refresh (`indicators.memo`);
    # the lists are live.
    return Radar(
        computed_at=open_computed_at(),
        tables=memo.remembered(
            "radar-tables", (ids, tree.signature), lambda: summary_tables(tree, ids)
        ),
        waiting=longest_waiting(ids, now=now, calendar=calendar, after=after),
        transfers=late_transfers(ids, now=now),
        others=waiting_on_others(ids, now=now, calendar=calendar),
        bottlenecks=memo.remembered(
            "radar-bottlenecks",
            (ids, today, tree.signature),
            lambda: structural_bottlenecks(tree, ids, today=today),
        ),
        feedback=feedback_waiting(tree, ids, now=now),
    )
