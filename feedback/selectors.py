"""Reads of feedback, scoped at the source (STYLE R6): the sender reads their own
items, officials the items of their agencies, the public only the consented answers
through their redacted columns. An item outside the caller's reach is not found (404).

`feedback_counts`, `feedback_open_counts` and `feedback_overdue` are the statistics'
and the radar's door: plain numbers and rows, no model instances.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from common.keyset import Page, cursor_decode, cursor_encode, newest_first_page
from feedback.constants import ANSWERING_ROLES, OPEN, Status
from feedback.models import Feedback
from identity.constants import OfficialRole
from identity.permissions import agency_roles, officials_of

PAGE_SIZE = 20
OVERDUE_LIMIT = 50


# --- the sender ----------------------------------------------------------------------


def feedback_list_for_sender(*, user, after: str | None = None, size: int = PAGE_SIZE) -> Page:
    """My feedback, newest first, keyset-paginated on (created_at, id): one query per
    page, served by the `feedback_sender` index."""
    qs = Feedback.objects.filter(sender=user).select_related("agency")
    return newest_first_page(qs, after=after, size=size)


def feedback_get_for_sender(*, user, ref) -> Feedback:
    """The item `ref` if `user` sent it; else Http404 (whether it exists or not)."""
    if user is None or not user.is_authenticated:
        raise Http404
    item = (
        Feedback.objects.filter(sender=user, ref=ref)
        .select_related("agency", "procedure", "dossier")
        .first()
    )
    if item is None:
        raise Http404
    return item


def feedback_history(item: Feedback) -> list:
    return list(item.log.order_by("created_at", "pk"))


def feedback_attachments(item: Feedback) -> list:
    return list(item.attachments.select_related("file").order_by("pk"))


# --- the agency's officials ----------------------------------------------------------


def official_agency_ids(user) -> list[int]:
    """The agencies whose feedback this official works on (any role there)."""
    return sorted({agency_id for agency_id, _code, _role in agency_roles(user)})


def leader_agency_ids(user) -> set[int]:
    return {a for a, _code, role in agency_roles(user) if role == OfficialRole.LEADER}


QUEUES = ("open", "mine", "overdue", "done")


def feedback_queue_for_official(
    *, user, queue: str = "open", after: str | None = None, size: int = PAGE_SIZE, now=None
) -> Page:
    """The agency's feedback queue. `open` (waiting for an answer), `mine` (assigned to
    me and waiting) and `overdue` are soonest deadline first, keyset on (due_at, id)
    over the `feedback_open_queue` partial index; `done` (answered or closed) is newest
    first. One query per page whatever the size; an unknown queue is `open`."""
    agency_ids = official_agency_ids(user)
    if not agency_ids:
        return Page([], None)
    qs = Feedback.objects.filter(agency_id__in=agency_ids).select_related("agency", "assignee")
    if queue == "done":
        return newest_first_page(qs.exclude(status__in=OPEN), after=after, size=size)
    qs = qs.filter(status__in=OPEN)
    if queue == "mine":
        qs = qs.filter(assignee=user)
    elif queue == "overdue":
        qs = qs.filter(due_at__lt=now or timezone.now())
    position = cursor_decode(after, moment=True)
    if position and position[0] is not None:  # due_at is never NULL: a forged cursor
        due, pk = position
        qs = qs.filter(Q(due_at__gt=due) | Q(due_at=due, pk__gt=pk))
    rows = list(qs.order_by("due_at", "pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_encode(rows[-1].due_at, rows[-1].pk) if more else None)


def feedback_get_for_official(*, user, ref) -> Feedback:
    """The item `ref` if it belongs to one of the official's agencies; else Http404."""
    agency_ids = official_agency_ids(user)
    item = (
        Feedback.objects.filter(agency_id__in=agency_ids, ref=ref)
        .select_related("agency", "procedure", "dossier", "sender", "assignee")
        .first()
        if agency_ids
        else None
    )
    if item is None:
        raise Http404
    return item


def assignable_officials(item: Feedback) -> QuerySet:
    """Who a leader may give the item to: active specialists and leaders of its agency."""
    return officials_of(item.agency, ANSWERING_ROLES).order_by("full_name", "pk")


# --- the public ----------------------------------------------------------------------

PUBLIC_FIELDS = (
    "pk",
    "code",
    "kind",
    "agency__name",
    "procedure__name",
    "created_at",
    "answered_at",
    "public_question",
    "public_answer",
)


def feedback_public_page(
    *, agency_id: int | None = None, after: str | None = None, size: int = PAGE_SIZE
) -> Page:
    """Answered items whose sender agreed to publication, newest answer first, for one
    agency or all: plain dicts of the redacted columns only (no sender, no dossier, no
    original text), keyset on (answered_at, id) over the `feedback_public*` indexes."""
    qs = Feedback.objects.filter(status=Status.ANSWERED, public_consent=True)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    position = cursor_decode(after, moment=True)
    if position and position[0] is not None:
        answered, pk = position
        qs = qs.filter(Q(answered_at__lt=answered) | Q(answered_at=answered, pk__lt=pk))
    rows = list(qs.order_by("-answered_at", "-pk").values(*PUBLIC_FIELDS)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_encode(rows[-1]["answered_at"], rows[-1]["pk"]) if more else None)


def public_agency_choices() -> list[tuple[int, str]]:
    """Agencies with at least one published answer, by name: one query that probes the
    `feedback_public` index once per agency, so it costs the size of the agency tree,
    not the number of answers."""
    from procedures.models import Agency

    published = Feedback.objects.filter(
        agency_id=OuterRef("pk"), status=Status.ANSWERED, public_consent=True
    )
    return list(
        Agency.objects.filter(Exists(published)).order_by("name", "pk").values_list("pk", "name")
    )


# --- statistics and the radar --------------------------------------------------------


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    stop = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return begin, stop


def feedback_counts(agency_ids, start: dt.date, end: dt.date, *, now=None) -> dict[str, int]:
    """Figures for these agencies (ids; no roll-up of sub-agencies: the caller passes
    the units it wants) over the local days `start`..`end`, both included:

    - `received`: items sent in the period;
    - `answered`: items answered in the period (whenever they were sent);
    - `answered_on_time`: of those, answered no later than their deadline;
    - `closed`: items closed without an answer in the period;
    - `overdue_now`: items waiting for an answer past their deadline at `now`
      (a snapshot, not bounded by the period).

    One aggregate query; plain ints."""
    agency_ids = list(agency_ids)
    total = dict.fromkeys(FEEDBACK_COUNTS, 0)
    if not agency_ids:
        return total
    for figures in feedback_counts_by_agency(start, end, agency_ids=agency_ids, now=now).values():
        for key in total:
            total[key] += figures[key]
    return total


FEEDBACK_COUNTS = ("received", "answered", "answered_on_time", "closed", "overdue_now")


def feedback_counts_by_agency(
    start: dt.date, end: dt.date, *, agency_ids=None, now=None
) -> dict[int, dict[str, int]]:
    """`feedback_counts` per agency (id -> figures), every agency or `agency_ids`, in
    one grouped query: the statistics sum them over each unit's subtree."""
    begin, stop = _day_bounds(start, end)
    now = now or timezone.now()
    received = Q(created_at__gte=begin, created_at__lt=stop)
    answered = Q(answered_at__gte=begin, answered_at__lt=stop, status=Status.ANSWERED)
    closed = Q(closed_at__gte=begin, closed_at__lt=stop)
    overdue = Q(status__in=OPEN, due_at__lt=now)
    rows = Feedback.objects.all()
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    # Only the rows some figure counts are read (the agency's date indexes and the open
    # queue's partial index), not the agencies' whole history.
    grouped = (
        rows.filter(received | answered | closed | overdue)
        .values("agency_id")
        .annotate(
            received=Count("pk", filter=received),
            answered=Count("pk", filter=answered),
            answered_on_time=Count("pk", filter=answered & Q(answered_at__lte=F("due_at"))),
            closed=Count("pk", filter=closed),
            overdue_now=Count("pk", filter=overdue),
        )
    )
    return {
        row["agency_id"]: {key: int(row[key] or 0) for key in FEEDBACK_COUNTS} for row in grouped
    }


def feedback_open_counts(agency_ids, *, now=None) -> dict[str, int]:
    """Items of these agencies waiting for an answer now (`open`) and, of those, past
    their deadline (`overdue`): one aggregate over the `feedback_open_queue` index."""
    agency_ids = list(agency_ids)
    if not agency_ids:
        return {"open": 0, "overdue": 0}
    found = Feedback.objects.filter(agency_id__in=agency_ids, status__in=OPEN).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now or timezone.now()))
    )
    return {"open": found["open"], "overdue": found["overdue"]}


def feedback_overdue(agency_ids, *, now=None, limit: int = OVERDUE_LIMIT) -> list[dict]:
    """Items waiting for an answer past their deadline, longest overdue first (at most
    `limit`), as plain dicts: id, ref, code, title, status, agency_id, agency_name,
    assignee_id, assignee_name (empty when nobody holds it yet), created_at, due_at.
    Served by the `feedback_open_queue` partial index."""
    agency_ids = list(agency_ids)
    if not agency_ids:
        return []
    rows = (
        Feedback.objects.filter(
            agency_id__in=agency_ids, status__in=OPEN, due_at__lt=now or timezone.now()
        )
        .order_by("due_at", "pk")
        .values(
            "pk",
            "ref",
            "code",
            "title",
            "status",
            "agency_id",
            "agency__name",
            "assignee_id",
            "assignee__full_name",
            "created_at",
            "due_at",
        )[:limit]
    )
    return [
        {
            "id": r["pk"],
            "ref": r["ref"],
            "code": r["code"],
            "title": r["title"],
            "status": r["status"],
            "agency_id": r["agency_id"],
            "agency_name": r["agency__name"],
            "assignee_id": r["assignee_id"],
            "assignee_name": r["assignee__full_name"] or "",
            "created_at": r["created_at"],
            "due_at": r["due_at"],
        }
        for r in rows
    ]
