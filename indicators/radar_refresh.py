"""The radar's two summaries, written with the statistics (Celery every 15 minutes,
`manage.py refresh_statistics`), never at request time.

- `refresh_open` rewrites `OpenStat`: the open dossiers now, per key, with the share of
  their allotted time used and how long they have waited in their state. One grouped
  read of the open dossiers (a few percent of all), then the working calendar in Python
  per group: the calendar (lunar holidays, make-up days) lives in Python, and "share of
  the time used" moves with the clock without any write, so neither a trigger nor a
  per-request aggregate over every open dossier of the city would do.
- `step_rows` gives one day's `StepStat` rows (`refresh.refresh_day` writes them in the
  day's transaction): for each dossier returned that day, the working days it spent in
  the states each role of its procedure's workflow handles, against the days the
  procedure's steps allot that role. The radar sums 90 days of these rows instead of
  walking 90 days of log.

Waiting time is counted from the dossier's last transition (`updated_at`, set by
`dossiers.services.transition.dossier_transition` in the transaction that writes the
log row), in working days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from dossiers.constants import OPEN_STATES, RUNNING, Action, Status
from dossiers.models import Consultation, Dossier, DossierLog
from indicators import memo
from indicators.models import TIME_USED, OpenStat, StepStat
from procedures.calendar import WorkingCalendar
from procedures.constants import StepRole

# States a dossier is in the hands of its receiving agency's desk.
DESK_STATES = (Status.SUBMITTED, Status.DESK_SUPPLEMENT, Status.RECEIVED, Status.RESULT_READY)

# The states whose time each role of a workflow step answers for. The desk's steps
# (receipt, return) are measured by the wait for the transfer to processing: once the
# result is ready the applicant, not the desk, decides when it is collected. The
# finance officer has no state of its own (awaiting payment is the applicant's time),
# so it is not measured.
STEP_STATES = {
    StepRole.RECEPTIONIST: (Status.RECEIVED,),
    StepRole.SPECIALIST: (Status.PROCESSING,),
    StepRole.LEADER: (Status.AWAITING_APPROVAL,),
}
MEASURED_ROLES = (*STEP_STATES, StepRole.OTHER_AGENCY)


def holder_agency(status: str, receiving_id: int, competent_id: int) -> int:
    return receiving_id if status in DESK_STATES else competent_id


def time_used_bucket(
    *, status: str, due_day: dt.date | None, past_due: bool, allotted: int | None, today, calendar
) -> str:
    """Which of TIME_USED a dossier falls in: its clock stopped (waiting for the
    applicant, not received yet, or no fixed time), overdue, or the share of its
    allotted working days used. Used = allotted - working days left to the appointment:
    the appointment already carries the pauses and a restart after a supplement, so
    the days waited for the applicant never count as used."""
    if status not in RUNNING or due_day is None or allotted is None:
        return "clock_stopped"
    if past_due:
        return "overdue"
    left = calendar.working_days_between(today, due_day)
    share = 1.0 if allotted <= 0 else (allotted - left) / allotted
    if share < 0.5:
        return "used_lt50"
    if share < 0.8:
        return "used_50_80"
    return "used_80_100"


def _allotted(pairs) -> dict[tuple[int, str], int]:
    from indicators.refresh import allotted_days

    return allotted_days({version for version, _channel in pairs})


def open_rows(now: dt.datetime, calendar: WorkingCalendar) -> list[OpenStat]:
    """`OpenStat` rows for the open dossiers at `now` (unsaved)."""
    today = timezone.localtime(now).date()
    groups = list(
        Dossier.objects.filter(status__in=OPEN_STATES)
        .values(
            "receiving_agency_id",
            "competent_agency_id",
            "version_id",
            "channel",
            "status",
            "assignee_id",
            due_day=TruncDate("due_at"),
            since_day=TruncDate("updated_at"),
        )
        .annotate(n=Count("pk"), past=Count("pk", filter=Q(due_at__lt=now)))
        .order_by()
    )
    allotted = _allotted((g["version_id"], g["channel"]) for g in groups)
    rows: dict[tuple, OpenStat] = {}
    for g in groups:
        recv, comp, status = g["receiving_agency_id"], g["competent_agency_id"], g["status"]
        key = (recv, comp, status, g["assignee_id"] or 0)
        row = rows.get(key)
        if row is None:
            row = rows[key] = OpenStat(
                receiving_agency_id=recv,
                competent_agency_id=comp,
                holder_agency_id=holder_agency(status, recv, comp),
                status=status,
                assignee_id=key[3],
                computed_at=now,
            )
        n, past = g["n"], g["past"] if status in RUNNING else 0
        waited = calendar.working_days_between(g["since_day"], today) if g["since_day"] else 0
        row.n += n
        row.wait_days += waited * n
        row.wait_max = max(row.wait_max, waited)
        days = allotted.get((g["version_id"], g["channel"]))
        common = {"status": status, "due_day": g["due_day"], "allotted": days}
        common.update(today=today, calendar=calendar)
        if past:
            bucket = time_used_bucket(past_due=True, **common)
            setattr(row, bucket, getattr(row, bucket) + past)
        if n - past:
            bucket = time_used_bucket(past_due=False, **common)
            setattr(row, bucket, getattr(row, bucket) + n - past)
    return list(rows.values())


def refresh_open(now: dt.datetime | None = None, calendar: WorkingCalendar | None = None) -> int:
    """Rewrites the open dossiers' summary in one transaction (readers see the old rows
    or the new ones, never a mix); returns the rows written."""
    now = now or timezone.now()
    calendar = calendar or WorkingCalendar.load()
    rows = open_rows(now, calendar)
    with transaction.atomic():
        OpenStat.objects.all().delete()
        OpenStat.objects.bulk_create(rows, batch_size=2000)
        memo.forget()
    return len(rows)


def open_computed_at():
    """When the open dossiers were last summarised (None: never)."""
    return OpenStat.objects.order_by().values_list("computed_at", flat=True).first()


# --- structural bottlenecks ----------------------------------------------------------


def _allotments(version_ids) -> dict[tuple[int, str], Decimal]:
    from django.db.models import Sum

    from procedures.models import WorkflowStep

    rows = (
        WorkflowStep.objects.filter(version_id__in=set(version_ids), role__in=MEASURED_ROLES)
        .values("version_id", "role")
        .annotate(days=Sum("allotted_days"))
        .order_by()
    )
    return {(r["version_id"], r["role"]): r["days"] for r in rows}


def spent_in_states(entries, calendar, days=None) -> dict[str, int]:
    """Working days spent in each state, from a dossier's transition rows (from_status,
    to_status, created_at) in log order. A self-edge (a forward to another specialist,
    an apology) keeps the state; a state entered twice (processing again after a
    supplement) adds up. `days`: a `refresh.DayCounter` over `calendar`, when the
    caller has one."""
    if days is None:
        from indicators.refresh import DayCounter

        days = DayCounter(calendar)
    local = days.local_date
    spent: dict[str, int] = defaultdict(int)
    current, since = None, None
    for from_status, to_status, at in entries:
        if from_status == to_status and current is not None:
            continue
        if current is not None and since is not None:
            spent[current] += days.between(local(since), local(at))
        current, since = to_status, at
    return spent


def _step_rows_by_day(start: dt.date, end: dt.date, days) -> dict[dt.date, list[StepStat]]:
    """The `StepStat` rows of every day of [start, end]: the dossiers whose result was
    returned that day, read with one query per source for the whole range."""
    from indicators.refresh import CHUNK, day_bounds

    first, _ = day_bounds(start)
    _, last = day_bounds(end)
    local = days.local_date
    returned_on: dict[dt.date, dict[int, None]] = defaultdict(dict)
    for pk, at in DossierLog.objects.filter(
        action=Action.RETURN_RESULT, created_at__gte=first, created_at__lt=last
    ).values_list("dossier_id", "created_at"):
        returned_on[local(at)][pk] = None
    returned = list({pk for pks in returned_on.values() for pk in pks})
    if not returned:
        return {}
    facts = {}
    transitions = defaultdict(list)
    consulted: dict[int, int] = defaultdict(int)
    for i in range(0, len(returned), CHUNK):
        part = returned[i : i + CHUNK]
        for pk, recv, comp, proc, version in Dossier.objects.filter(pk__in=part).values_list(
            "pk",
            "receiving_agency_id",
            "competent_agency_id",
            "version__procedure_id",
            "version_id",
        ):
            facts[pk] = (recv, comp, proc, version)
        for pk, from_status, to_status, at in (
            DossierLog.objects.filter(dossier_id__in=part)
            .exclude(to_status="")
            .order_by("dossier_id", "seq")
            .values_list("dossier_id", "from_status", "to_status", "created_at")
        ):
            transitions[pk].append((from_status, to_status, at))
        for pk, asked, answered, closed in Consultation.objects.filter(
            dossier_id__in=part
        ).values_list("dossier_id", "asked_at", "answered_at", "closed_at"):
            done = answered or closed
            if done is not None:
                consulted[pk] += days.between(local(asked), local(done))
    allot = _allotments(f[3] for f in facts.values())
    if not allot:
        return {}
    spent_by_dossier: dict[int, dict[str, int]] = {}
    out = {}
    for day, pks in returned_on.items():
        rows: dict[tuple, StepStat] = {}
        for pk in pks:
            if pk not in facts:
                continue
            recv, comp, proc, version = facts[pk]
            spent = spent_by_dossier.get(pk)
            if spent is None:
                spent = spent_by_dossier[pk] = spent_in_states(transitions[pk], days.calendar, days)
            for role in MEASURED_ROLES:
                allotted = allot.get((version, role))
                if allotted is None:
                    continue
                if role == StepRole.OTHER_AGENCY:
                    actual = consulted[pk]
                else:
                    actual = sum(spent.get(state, 0) for state in STEP_STATES[role])
                agency = recv if role == StepRole.RECEPTIONIST else comp
                key = (agency, proc, role)
                row = rows.get(key)
                if row is None:
                    row = rows[key] = StepStat(
                        day=day, agency_id=agency, procedure_id=proc, role=role
                    )
                row.dossiers += 1
                row.days_sum += actual
                row.allotted_tenths += int(allotted * 10)
                row.over += actual > allotted
        out[day] = list(rows.values())
    return out


def step_rows(day: dt.date, *, calendar: WorkingCalendar) -> list[StepStat]:
    """The `StepStat` rows of `day`: the dossiers whose result was returned that day."""
    from indicators.refresh import DayCounter

    return _step_rows_by_day(day, day, DayCounter(calendar)).get(day, [])


def refresh_steps(day: dt.date, *, calendar: WorkingCalendar) -> int:
    """Rewrites `day`'s step rows (the caller holds the day's transaction and lock)."""
    rows = step_rows(day, calendar=calendar)
    StepStat.objects.filter(day=day).delete()
    StepStat.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def refresh_steps_range(start: dt.date, end: dt.date, *, days) -> int:
    """`refresh_steps` for every day of [start, end] (the caller holds the
    transaction and the days' locks); `days` a `refresh.DayCounter`."""
    rows = [row for day_rows in _step_rows_by_day(start, end, days).values() for row in day_rows]
    StepStat.objects.filter(day__gte=start, day__lte=end).delete()
    StepStat.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


__all__ = ["TIME_USED", "open_computed_at", "refresh_open", "refresh_steps", "step_rows"]
