"""Back-office reads: the officials' queues and the dossier workbench (issue 6).

Scoped at the source (STYLE R6): every queryset starts from the agencies the official
belongs to, so a view cannot forget the check. A page costs a constant number of
queries whatever the data size: the official's memberships (1), the agency ids (1),
the working calendar (holidays), the tab counts (a planner estimate and 1 aggregate over
the open states, see `queue_counts`) and the rows (1, keyset on the sort column NULLS
LAST and id), served by the `dossier_recv` / `dossier_comp` /
`dossier_assignee` indexes.

Kept apart from `dossiers.selectors` (the applicant's reads) on purpose.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Func,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers import estimates, tally
from dossiers.constants import (
    OPEN_STATES,
    PAUSED,
    RUNNING,
    Action,
    ActorRole,
    Status,
    Visibility,
)
from dossiers.models import HEAVY_PROCEDURE_FIELDS, Dossier, DossierLog, QueueTally
from dossiers.workflow import actions_for
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
    "mine": _("Assigned to me"),
    "approval": _("Awaiting approval"),
    "waiting": _("Awaiting supplement or payment"),
    "due_soon": _("Due soon"),
    "overdue": _("Overdue"),
    "ready": _("Ready to return"),
    "all": _("All dossiers of my agencies"),
}
DUE_STATES = {
    "overdue": _("Overdue"),
    "due_soon": _("Due soon"),
    "on_track": _("On time"),
}


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


def _in_scope(scope: OfficialScope) -> Q:
    ids = scope.any_ids
    return Q(receiving_agency_id__in=ids) | Q(competent_agency_id__in=ids)


def _due_limit(now: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """End of the N-th working day from today: due before it means 'due soon'."""
    today = timezone.localtime(now).date()
    last = calendar.add_working_days(today, due_soon_days())
    return timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))


def _queue_q(
    queue: str, scope: OfficialScope, now: dt.datetime, limit: dt.datetime, state=None
) -> Q:
    """The tab's condition; `state` narrows "mine" to one of its states (`_page_ids`)."""
    mine_any = _in_scope(scope)
    desk = scope.ids(OfficialRole.RECEPTIONIST)
    if queue == "receive":
        return Q(status=Status.SUBMITTED, receiving_agency_id__in=desk)
    if queue == "mine":
        if state:
            # One state of the merge (`_page_ids`): the agencies are checked through a
            # CASE, which PostgreSQL estimates at one row in two. Written plainly, it
            # multiplies the agencies' share of the city by the assignee's, as if an
            # official's dossiers could belong to any agency, expects a handful of
            # rows and reads all of the state's (a bitmap and a sort: 25 ms for 1,786
            # at 10 M) instead of the first 26 in `dossier_assignee`'s order (1.4 ms).
            in_agencies = Case(
                When(mine_any, then=True), default=False, output_field=BooleanField()
            )
            return Q(assignee_id=scope.user.pk, status=state) & Q(in_agencies)
        # By id: the same condition filters the queue tally (no relation there).
        return Q(assignee_id=scope.user.pk, status__in=ACTIVE_FOR_ASSIGNEE) & mine_any
    if queue == "approval":
        return Q(
            status=Status.AWAITING_APPROVAL,
            competent_agency_id__in=scope.ids(OfficialRole.LEADER),
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
    if roles & {OfficialRole.SPECIALIST}:
        names.append("mine")
    if OfficialRole.LEADER in roles:
        names.append("approval")
    names += ["waiting", "due_soon", "overdue"]
    if OfficialRole.RECEPTIONIST in roles:
        names.append("ready")
    names.append("all")
    return names


class QueueCounts(dict):
    """Tab name -> count; `estimated` holds the names whose count is the planner's
    estimate (shown with "≈"), not an exact count."""

    def __init__(self, *args, estimated=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.estimated = frozenset(estimated)


def exact_count_below() -> int:
    return getattr(settings, "BACKOFFICE_EXACT_COUNT_BELOW", estimates.EXACT_BELOW)


def _about(number: int) -> int:
    """Two significant digits: an estimate printed to the unit would claim a precision
    it does not have (83 456 -> 83 000)."""
    if number < 100:
        return number
    step = 10 ** (len(str(number)) - 2)
    return round(number / step) * step


def _count(scope: OfficialScope, names, *, now, calendar) -> QueueCounts:
    """The tabs' counts: at most two queries whatever the size.

    "All" is the agencies' history; it is counted the way
    `estimates.count_or_estimate` does (exact below the threshold, else the planner's
    estimate, no row read), with one planner call. Every other tab is a subset of the
    open states, counted from the queue tally (`dossiers.tally`): a few hundred rows per
    agency however many dossiers are open. While "all" is small enough to be exact, its
    number and the others come from one aggregate over the dossier table instead (cheap
    at that size, and one query either way).
    """
    limit = _due_limit(now, calendar or WorkingCalendar.load())
    conditions = {name: _queue_q(name, scope, now, limit) for name in names}
    estimated = {}
    if "all" in conditions:
        guess = estimates.estimated_count(Dossier.objects.filter(conditions["all"]))
        if guess >= exact_count_below():
            estimated["all"] = _about(guess)
            del conditions["all"]
    counts = {}
    if conditions and "all" not in conditions and _tally_applies():
        counts = _tally_counts(scope, conditions, now=now, limit=limit)
    elif conditions:
        rows = Q(status__in=FILED if "all" in conditions else OPEN_STATES) & _in_scope(scope)
        aggregates = {name: Count("pk", filter=q) for name, q in conditions.items()}
        counts = Dossier.objects.filter(rows).aggregate(**aggregates)
    counts.update(estimated)
    return QueueCounts({name: counts[name] for name in names}, estimated=estimated)


def _tally_applies() -> bool:
    """The tally's due days are local days of its zone: another zone (an official who
    chose one) is counted on the dossier table."""
    return (
        getattr(settings, "QUEUE_TALLY", True)
        and timezone.get_current_timezone_name() == tally.TALLY_ZONE
    )


def _tally_counts(scope: OfficialScope, conditions: dict, *, now, limit) -> dict:
    """The open tabs' counts from the tally, in one query.

    The tabs that do not depend on the clock filter the tally on the same columns as
    the dossiers. "Overdue" and "due soon" compare appointment dates with now: whole
    local days come from the tally (days before today are overdue; the days after
    today and before `limit`, due soon), and today's dossiers, split at this minute,
    are counted on the dossier table (`dossier_recv_open` / `dossier_comp_open`, a
    range of today's appointments only) inside the same statement."""
    today = timezone.localdate(now)
    limit_day = timezone.localdate(limit)
    in_scope = _in_scope(scope)
    due_today = Dossier.objects.filter(
        Q(
            status__in=RUNNING,
            due_at__gte=_day_start(today),
            due_at__lt=_day_start(today + dt.timedelta(days=1)),
        )
        & in_scope
    )

    def today_where(q: Q):
        return Coalesce(Subquery(due_today.filter(q).values(n=Func(F("pk"), function="COUNT"))), 0)

    aggregates = {}
    for name, q in conditions.items():
        if name == "overdue":
            whole = Q(status__in=RUNNING, due_day__lt=today) & in_scope
            extra = today_where(Q(due_at__lt=now))
        elif name == "due_soon":
            whole = Q(status__in=RUNNING, due_day__gt=today, due_day__lt=limit_day) & in_scope
            extra = today_where(Q(due_at__gte=now, due_at__lt=limit))
        else:
            whole, extra = q, None
        total = Coalesce(Sum("n", filter=whole), 0)
        aggregates[name] = total + extra if extra is not None else total
    return QueueTally.objects.filter(in_scope).aggregate(**aggregates)


# --- tab counts, cached -----------------------------------------------------------
#
# The counts are the one query of a queue page that follows the agencies' open
# workload (5-10 ms at 1 M dossiers, more where a ward holds tens of thousands of open
# dossiers), and every official reloads the page after each action. They are cached per
# official under the generations of their agencies: any saved change to a dossier of an
# agency (a transition, a counter intake, the admin) gives it a new generation when its
# transaction commits (`agencies_changed`, wired by `dossiers.apps`), so the next page
# counts afresh and an official always sees the effect of their own and others' actions.
# What moves with the clock alone ("due soon", "overdue") is at most
# QUEUE_COUNTS_CACHE_SECONDS late; 0 turns the cache off.


def counts_cache_seconds() -> int:
    return int(getattr(settings, "QUEUE_COUNTS_CACHE_SECONDS", 60))


def _generation_key(agency_id: int) -> str:
    return f"queues:generation:{agency_id}"


def agencies_changed(agency_ids) -> None:
    """New generations for these agencies' counts (call once the change is committed)."""
    keys = {_generation_key(pk) for pk in agency_ids if pk}
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def dossier_saved(sender, instance, created, **kwargs) -> None:
    """post_save of Dossier: the agencies it belonged to when read and belongs to now
    get new count generations when the transaction commits. A draft that stays a draft
    (the declaration's autosave) is in no count."""
    loaded = getattr(instance, "_loaded_queue_fields", None) or (None, None, None)
    status = instance.__dict__.get("status")  # never a query for a deferred field
    if status == Status.DRAFT and loaded[2] in (Status.DRAFT, None):
        return
    agencies = {
        loaded[0],
        loaded[1],
        instance.__dict__.get("receiving_agency_id"),
        instance.__dict__.get("competent_agency_id"),
    }
    transaction.on_commit(lambda: agencies_changed(agencies), robust=True)


def _counts_key(scope: OfficialScope, names, now: dt.datetime, seconds: int) -> str:
    """The key of this official's counts now. The generations are read before the
    counts are (a change committed in between makes a key nobody reads again)."""
    keys = [_generation_key(pk) for pk in sorted(scope.any_ids)]
    generations = cache.get_many(keys)
    missing = [key for key in keys if key not in generations]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, timeout=None)
        generations.update(cache.get_many(missing))
    roles = sorted((pk, role) for role, ids in scope.by_role.items() for pk in ids)
    parts = [
        [generations.get(key, "") for key in keys],
        roles,
        list(names),
        int(now.timestamp()) // seconds,
        str(timezone.get_current_timezone()),
    ]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return f"queues:counts:{getattr(scope.user, 'pk', 0)}:{digest}"


def queue_counts(scope: OfficialScope, names, *, now=None, calendar=None) -> QueueCounts:
    """The tabs' counts (see `_count`), from the cache when nothing changed in the
    official's agencies since they were counted."""
    if not scope.any_ids:
        return QueueCounts(dict.fromkeys(names, 0))
    now = now or timezone.now()
    seconds = counts_cache_seconds()
    if seconds <= 0:
        return _count(scope, names, now=now, calendar=calendar)
    key = _counts_key(scope, names, now, seconds)
    hit = cache.get(key)
    if hit is not None:
        counts, estimated = hit
        return QueueCounts(counts, estimated=estimated)
    result = _count(scope, names, now=now, calendar=calendar)
    cache.set(key, (dict(result), sorted(result.estimated)), seconds)
    return result


SORTS = {
    "due": _("Appointment date (soonest first)"),
    "received": _("Received date (newest first)"),
    "code": _("Dossier code"),
}
# sort -> (column, descending). Ties are broken by the primary key in the same
# direction, and NULLs always come last, so the keyset below stays one comparison.
_SORT_COLUMNS = {
    "due": ("due_at", False),
    "received": ("received_at", True),
    "code": ("code", False),
}


@dataclass
class Filters:
    queue: str = "all"
    q: str = ""
    procedure: int | None = None
    field: int | None = None
    status: str = ""
    channel: str = ""
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    due: str = ""
    sort: str = "due"


@dataclass
class QueuePage:
    rows: list
    next_cursor: str | None


def _sort_of(filters: Filters) -> tuple[str, bool]:
    return _SORT_COLUMNS.get(filters.sort, _SORT_COLUMNS["due"])


def _ordering(column: str, desc: bool) -> list:
    if desc:
        return [F(column).desc(nulls_last=True), F("pk").desc()]
    return [F(column).asc(nulls_last=True), F("pk").asc()]


def _cursor(d: Dossier, column: str) -> str:
    """Opaque position of the last row: its sort value and id (URL-safe text)."""
    value = getattr(d, column)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([value, d.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_cursor(cursor: str | None, column: str):
    """(value, pk), or None for a missing or forged cursor (the first page then)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if value is not None and column != "code":
            value = dt.datetime.fromisoformat(value)
            if value.tzinfo is None:
                return None
        elif value is not None and not isinstance(value, str):
            return None
        return value, int(pk)
    except (ValueError, TypeError):
        return None


def _after(position, column: str, desc: bool) -> Q:
    """Rows after `position` in the order (column ASC|DESC NULLS LAST, id same way)."""
    value, pk = position
    beyond, pk_beyond = (f"{column}__lt", "pk__lt") if desc else (f"{column}__gt", "pk__gt")
    if value is None:
        return Q(**{f"{column}__isnull": True, pk_beyond: pk})
    return (
        Q(**{beyond: value})
        | Q(**{column: value, pk_beyond: pk})
        | Q(**{f"{column}__isnull": True})
    )


def _day_start(day: dt.date) -> dt.datetime:
    # A range on the column itself (not on its date) so that the index can serve it.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _search_q(term: str) -> Q:
    """One search box, three searches told apart by the shape of the term, so that each
    is a single indexed condition (an OR across them would defeat the indexes):
    digits only and 4 or more of them -> a personal ID number (exact; a code starts
    with at most 3 digits before its first dot); any other term with a digit -> a
    code prefix (dossier_code_search); no digit -> the applicant's name, accents
    ignored."""
    if term.isdigit() and len(term) >= 4:
        return Q(applicant__id_number=term)
    if any(ch.isdigit() for ch in term):
        return Q(code__istartswith=term)
    from procedures.selectors import normalize

    fragment = " ".join(normalize(term).split())
    if len(fragment) < 3:
        # Trigrams need three characters: a shorter fragment would read every account.
        return Q(pk__isnull=True)  # nothing (and still compiles inside a union)
    return _name_q(fragment)


# Listing the K accounts that share a name fragment costs ~K reads of the account
# table (~8 us each, the normalised name rechecked); walking the queue in page order
# and checking each applicant (~25 us a row) reads ~PAGE_SIZE x accounts / K rows. The
# two cost the same near K = sqrt(3 x PAGE_SIZE x accounts): ~5,000 at 333 k accounts,
# ~32,000 at 13 M, a few hundred ms at worst where the old scan took ~16 s.
NAME_COST_RATIO = 3
NAME_IDS_MIN = 500


def name_ids_max(accounts: int | None = None) -> int:
    """The most accounts a name search lists before it walks the queue instead."""
    if accounts is None:
        from django.contrib.auth import get_user_model

        table = get_user_model()._meta.db_table
        with connection.cursor() as cursor:
            # The planner's own account count (kept by autovacuum): no row is read.
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
        accounts = int(row[0]) if row else 0
    return max(NAME_IDS_MIN, math.isqrt(NAME_COST_RATIO * PAGE_SIZE * max(accounts, 0)))


def _name_q(fragment: str) -> Q:
    """Any part of the applicant's name, accents ignored (`fragment` normalised).

    A rare name: the trigram index on the normalised name (identity migration 0010)
    lists its accounts and the page reads their dossiers (`applicant_id = ANY(...)`,
    the applicant index). A common one ("nguyen"), by the planner's estimate or by
    finding more than `name_ids_max()` accounts: the queue's own ordered index scan is
    walked and each row's applicant checked (`motcua_name_like`), which stops when the
    page is full; the more people share the name, the sooner. Either way the cost
    follows the page and the name's rarity, not the number of accounts
    (bench/RESULTS.md)."""
    from django.contrib.auth import get_user_model

    from identity.models import normalized_name

    limit = name_ids_max()
    matching = (
        get_user_model().objects.alias(name=normalized_name()).filter(name__contains=fragment)
    )
    ids = []
    if estimates.estimated_count(matching) <= limit:
        ids = list(matching.values_list("pk", flat=True)[: limit + 1])
        if not ids:
            return Q(pk__isnull=True)
    if ids and len(ids) <= limit:
        # One array parameter, not thousands of placeholders to plan.
        return Q(
            Func(
                F("applicant_id"),
                Value(ids),
                arg_joiner=" = ANY(",
                template="(%(expressions)s))",
                output_field=BooleanField(),
            )
        )
    # identity migration 0010 explains why a function rather than a subquery.
    pattern = f"%{connection.ops.prep_for_like_query(fragment)}%"
    return Q(
        Func(
            F("applicant_id"),
            Value(pattern),
            function="motcua_name_like",
            output_field=BooleanField(),
        )
    )


def filtered_queryset(
    *, scope: OfficialScope, filters: Filters, now=None, calendar=None, state=None
) -> QuerySet[Dossier]:
    """The queue with its filters, unordered: the list, the exports and the bulk
    actions all start here, so an export holds exactly what the official saw.
    `state`: one of the "mine" tab's states only (a part of `_page_ids`' merge)."""
    if not scope.any_ids:
        return Dossier.objects.none()
    now = now or timezone.now()
    limit = _due_limit(now, calendar or WorkingCalendar.load())
    qs = Dossier.objects.filter(_queue_q(filters.queue, scope, now, limit, state))
    if filters.procedure:
        qs = qs.filter(version__procedure_id=filters.procedure)
    if filters.field:
        qs = qs.filter(version__procedure__field_id=filters.field)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.received_from:
        qs = qs.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        qs = qs.filter(received_at__lt=_day_start(filters.received_to + dt.timedelta(days=1)))
    if filters.due == "overdue":
        qs = qs.filter(status__in=RUNNING, due_at__lt=now)
    elif filters.due == "due_soon":
        qs = qs.filter(status__in=RUNNING, due_at__gte=now, due_at__lt=limit)
    elif filters.due == "on_track":
        qs = qs.filter(status__in=RUNNING, due_at__gte=limit)
    term = filters.q.strip()
    if term:
        qs = qs.filter(_search_q(term))
    return qs


def ordered(qs: QuerySet[Dossier], filters: Filters) -> QuerySet[Dossier]:
    return qs.order_by(*_ordering(*_sort_of(filters)))


def keyset_after(qs: QuerySet[Dossier], filters: Filters, after: str | None):
    column, desc = _sort_of(filters)
    position = _parse_cursor(after, column)
    return qs.filter(_after(position, column, desc)) if position else qs


# Above this many agencies the merge would be more index scans than it saves.
MERGE_MAX_AGENCIES = 8


def _page_ids(build, filters: Filters, scope: OfficialScope, n: int):
    """The ids of the page's rows, in order, as a subquery.

    Two tabs cannot be read in index order as one scan in their default order
    (appointment date): "all", whose scope is an OR of two agency columns, and "mine",
    whose condition is a list of states (PostgreSQL reads every matching row of an IN
    list and sorts them). So PostgreSQL sorted the agency's whole history for every
    page of "all" (bench/RESULTS.md), and every open dossier of a busy specialist for
    every page of "mine" (21 ms for 1,768 of them at 5.9 M). Here each part, (side,
    agency) from `dossier_recv_filed` / `dossier_comp_filed`, or one state from
    `dossier_assignee`, takes its first `n` rows in index order, and the union of those
    few rows is sorted and cut: the cost follows the page, not the pile. Same rows,
    same order as the plain query (tests/backoffice/test_queues.py).

    `build(state=None)` gives the filtered queryset after the cursor. A "mine" part is
    built for its one state, not narrowed from the tab's list: with the list still in
    the condition, PostgreSQL 15 scans `dossier_assignee` for every state of the list
    and sorts, reading all of the state's rows for a page of 26 (bench/RESULTS.md).
    """
    qs = build()
    column, desc = _sort_of(filters)
    plain = ordered(qs, filters).values("pk")[:n]
    if (column, desc) != ("due_at", False):
        return plain
    if filters.queue == "mine" and not filters.status:
        parts = [build(state) for state in ACTIVE_FOR_ASSIGNEE]
    elif filters.queue == "all":
        agencies = sorted(scope.any_ids)
        if not agencies or len(agencies) > MERGE_MAX_AGENCIES:
            return plain
        sides = ("receiving_agency_id", "competent_agency_id")
        parts = [qs.filter(**{side: agency}) for side in sides for agency in agencies]
    else:
        return plain
    sqls, params = [], []
    for part in parts:
        sql, part_params = ordered(part, filters).values("pk", column)[:n].query.sql_with_params()
        sqls.append(f"({sql})")
        params.extend(part_params)
    # UNION (not ALL): a dossier received and decided by the same agency is in both.
    # Only Django-compiled parts with their own parameters and an int are put together.
    union = " UNION ".join(sqls)
    sql = (
        f"SELECT u.id FROM ({union}) AS u(id, sort_value) "  # noqa: S608
        f"ORDER BY u.sort_value ASC NULLS LAST, u.id ASC LIMIT {int(n)}"
    )
    return RawSQL(sql, params)  # noqa: S611


# What a queue row shows (backoffice/queue.html, the digests): only these columns are
# read, not the declaration (JSON) or the procedure's search text.
ROW_FIELDS = (
    "ref",
    "code",
    "status",
    "received_at",
    "submitted_at",
    "due_at",
    "paused_at",
    "updated_at",
    "receiving_agency_id",
    "competent_agency_id",
    "version__procedure__name",
    "version__procedure__code",
    "applicant__full_name",
    "applicant__first_name",
    "applicant__last_name",
    "applicant__username",
    "assignee__full_name",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


def dossier_list_for_queue(
    *,
    scope: OfficialScope,
    filters: Filters,
    after: str | None = None,
    size: int = PAGE_SIZE,
    now=None,
    calendar=None,
) -> QueuePage:
    """One page of a queue in the chosen order (appointment date by default),
    keyset-paginated (never OFFSET)."""
    if not scope.any_ids:
        return QueuePage([], None)
    now = now or timezone.now()
    calendar = calendar or WorkingCalendar.load()
    limit = _due_limit(now, calendar)

    def build(state=None):
        qs = filtered_queryset(
            scope=scope, filters=filters, now=now, calendar=calendar, state=state
        )
        return keyset_after(qs, filters, after)

    # The page's ids are picked on the dossier table alone (index order, LIMIT), and only
    # those rows are joined: joining first made PostgreSQL join every matching dossier to
    # its applicant before sorting (1 s for the overdue queue at 320 k dossiers, 3 ms
    # this way; bench/RESULTS.md). Still one query.
    page_ids = _page_ids(build, filters, scope, size + 1)
    rows = list(
        ordered(
            Dossier.objects.filter(pk__in=page_ids)
            .select_related("version__procedure", "applicant", "assignee")
            .only(*ROW_FIELDS),
            filters,
        )
    )
    more = len(rows) > size
    rows = rows[:size]
    today = timezone.localtime(now).date()
    for row in rows:
        row.time_left = time_left(row, now=now, today=today, calendar=calendar, limit=limit)
    return QueuePage(rows, _cursor(rows[-1], _sort_of(filters)[0]) if more else None)


@dataclass(frozen=True)
class TimeLeft:
    state: str  # overdue | due_soon | on_track | paused | none
    days: int  # working days left (or late, when overdue)


def time_left(dossier, *, now, today, calendar, limit) -> TimeLeft:
    if dossier.due_at is None:
        return TimeLeft("none", 0)
    if dossier.status in PAUSED:
        return TimeLeft("paused", 0)
    if dossier.status not in RUNNING:
        return TimeLeft("none", 0)
    due_day = timezone.localtime(dossier.due_at).date()
    if dossier.due_at < now:
        return TimeLeft("overdue", calendar.working_days_between(due_day, today))
    days = calendar.working_days_between(today, due_day)
    return TimeLeft("due_soon" if dossier.due_at < limit else "on_track", days)


# --- the workbench -------------------------------------------------------------------


def dossier_get_for_official(*, official, ref, scope: OfficialScope | None = None) -> Dossier:
    """The dossier `ref` if it was filed with, or is decided by, one of the official's
    agencies, or is shared with one of them for a consultation (a guardian grant, see
    `dossiers.consultation`); else Http404 (no hint that it exists)."""
    from dossiers.consultation import shared_dossier_ids

    scope = scope or official_scope(official)
    if not scope.any_ids:
        raise Http404
    visible = _in_scope(scope) | Q(pk__in=shared_dossier_ids(scope.codes))
    dossier = (
        Dossier.objects.filter(visible, ref=ref, status__in=FILED)
        .select_related(
            "version__procedure",
            "case",
            "receiving_agency",
            "competent_agency",
            "business",
            "applicant",
            "assignee",
        )
        .defer(*HEAVY_PROCEDURE_FIELDS)
        .first()
    )
    if dossier is None:
        raise Http404
    return dossier


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


def official_actions(dossier: Dossier, scope: OfficialScope) -> list[tuple[str, str]]:
    """(action, role) pairs the official may take now, in workflow-table order."""
    seen, result = set(), []
    for role in scope.roles_on(dossier):
        for action in actions_for(dossier.status, role):
            if action not in seen:
                seen.add(action)
                result.append((action, role))
    return result


def specialists_of(agency) -> QuerySet:
    """People who may be assigned a dossier decided by `agency`."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            official_memberships__agency=agency,
            official_memberships__role=OfficialRole.SPECIALIST,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )
