"""A queue's rows: filters, sorts and keyset pages (a page costs the same at any size)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import keyset
from dossiers.constants import PAUSED, RUNNING
from dossiers.models import Dossier
from dossiers.queues.scope import (
    ACTIVE_FOR_ASSIGNEE,
    PAGE_SIZE,
    OfficialScope,
    day_start,
    due_soon_limit,
    queue_q,
)
from dossiers.queues.search import search_q
from procedures.calendar import WorkingCalendar

SORTS = {
    "due": _("Appointment date (soonest first)"),
    "received": _("Received date (newest first)"),
    "code": _("Dossier code"),
}


# sort -> (column, descending). Ties are broken by the primary key in the same
# direction, and NULLs always come last, so the keyset below stays one comparison.
SORT_COLUMNS = {
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


def sort_of(filters: Filters) -> tuple[str, bool]:
    return SORT_COLUMNS.get(filters.sort, SORT_COLUMNS["due"])


def filtered_queryset(
    *, scope: OfficialScope, filters: Filters, now=None, calendar=None, state=None
) -> QuerySet[Dossier]:
    """The queue with its filters, unordered: the list, the exports and the bulk
    actions all start here, so an export holds exactly what the official saw.
    `state`: one of the "mine" tab's states only (a part of `page_ids`' merge)."""
    if not scope.any_ids:
        return Dossier.objects.none()
    now = now or timezone.now()
    limit = due_soon_limit(now, calendar or WorkingCalendar.load())
    qs = Dossier.objects.filter(queue_q(filters.queue, scope, now, limit, state))
    if filters.procedure:
        qs = qs.filter(version__procedure_id=filters.procedure)
    if filters.field:
        qs = qs.filter(version__procedure__field_id=filters.field)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.received_from:
        qs = qs.filter(received_at__gte=day_start(filters.received_from))
    if filters.received_to:
        qs = qs.filter(received_at__lt=day_start(filters.received_to + dt.timedelta(days=1)))
    if filters.due == "overdue":
        qs = qs.filter(status__in=RUNNING, due_at__lt=now)
    elif filters.due == "due_soon":
        qs = qs.filter(status__in=RUNNING, due_at__gte=now, due_at__lt=limit)
    elif filters.due == "on_track":
        qs = qs.filter(status__in=RUNNING, due_at__gte=limit)
    term = filters.q.strip()
    if term:
        qs = qs.filter(search_q(term, agency_ids=scope.any_ids))
    return qs


def ordered(qs: QuerySet[Dossier], filters: Filters) -> QuerySet[Dossier]:
    return qs.order_by(*keyset.ordering(*sort_of(filters)))


def keyset_after(qs: QuerySet[Dossier], filters: Filters, after: str | None):
    column, desc = sort_of(filters)
    position = keyset.cursor_decode(after, moment=column != "code")
    return qs.filter(keyset.after_q(position, column, desc)) if position else qs


# Above this many agencies the merge would be more index scans than it saves.
MERGE_MAX_AGENCIES = 8


def page_ids(build, filters: Filters, scope: OfficialScope, n: int):
    """The ids of the page's rows, in order, as a subquery.

    Two tabs cannot be read in index order as one scan in their default order
    (appointment date): "all", whose scope is an OR of two agency columns, and "mine",
    whose condition is a list of states (PostgreSQL reads every matching row of an IN
    list and sorts them). So PostgreSQL would sort the agency's whole history for every
    page of "all", and every open dossier of a busy specialist for every page of
    "mine". Here each part, (side, agency) from `dossier_recv_filed` /
    `dossier_comp_filed`, or one state from `dossier_assignee`, takes its first `n` rows
    in index order, and the union of those few rows is sorted and cut: the cost follows
    the page, not the pile. Same rows, same order as the plain query
    (tests/backoffice/test_queues.py).

    `build(state=None)` gives the filtered queryset after the cursor. A "mine" part is
    built for its one state, not narrowed from the tab's list: with the list still in
    the condition, PostgreSQL 15 scans `dossier_assignee` for every state of the list
    and sorts, reading all of the state's rows for a page of 26.
    """
    qs = build()
    column, desc = sort_of(filters)
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
    "transfer_due_at",
    "paused_at",
    "updated_at",
    "receiving_agency_id",
    "competent_agency_id",
    "version",
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
) -> keyset.Page:
    """One page of a queue in the chosen order (appointment date by default),
    keyset-paginated (never OFFSET)."""
    if not scope.any_ids:
        return keyset.Page([], None)
    now = now or timezone.now()
    calendar = calendar or WorkingCalendar.load()
    limit = due_soon_limit(now, calendar)

    def build(state=None):
        qs = filtered_queryset(
            scope=scope, filters=filters, now=now, calendar=calendar, state=state
        )
        return keyset_after(qs, filters, after)

    # The page's ids are picked on the dossier table alone (index order, LIMIT), and only
    # those rows are joined: joining first would make PostgreSQL join every matching
    # dossier to its applicant before sorting. Still one query.
    ids = page_ids(build, filters, scope, size + 1)
    rows = list(
        ordered(
            Dossier.objects.filter(pk__in=ids)
            .select_related("applicant", "assignee")
            .only(*ROW_FIELDS),
            filters,
        )
    )
    more = len(rows) > size
    rows = rows[:size]
    with_procedure_labels(rows)
    today = timezone.localtime(now).date()
    for row in rows:
        row.time_left = time_left(row, now=now, today=today, calendar=calendar, limit=limit)
    column = sort_of(filters)[0]
    return keyset.Page(
        rows, keyset.cursor_encode(getattr(rows[-1], column), rows[-1].pk) if more else None
    )


def with_procedure_labels(rows) -> None:
    """Give each row its version with the procedure's name and code, from the cache
    kept under the catalogue generation: joining the version and the procedure in the
    page's query took PostgreSQL longer to plan than to run."""
    from procedures.models import ProcedureVersion
    from procedures.selectors import cached_many_with_catalogue

    versions = cached_many_with_catalogue(
        "row-version",
        {row.version_id for row in rows},
        lambda missing: (
            ProcedureVersion.objects.select_related("procedure")
            .only("procedure__name", "procedure__code")
            .in_bulk(missing)
        ),
    )
    field = Dossier._meta.get_field("version")
    for row in rows:
        field.set_cached_value(row, versions[row.version_id])


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
