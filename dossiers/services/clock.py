"""The deadline rules: the appointment date, its pauses and restart while the applicant
is awaited, the transfer deadline after receipt, and when a supplement request or an
apology is on time. Each rule cites `dossiers.legal`; the uncertain ones read its
settings."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dossiers import legal
from dossiers.models import Dossier
from procedures.calendar import WorkingCalendar
from procedures.constants import TimeUnit

# The log rows' words for these rules (`data["timeliness"]`, `data["transfer"]`,
# `data["phase"]`): what the statistics count.
ON_TIME, LATE = "on_time", "late"
DESK, PROCESSING = "desk", "processing"


def clock_pause(dossier: Dossier, now, data: dict) -> None:
    if dossier.due_at is not None and dossier.paused_at is None:
        dossier.paused_at = now
        data["clock"] = "paused"


def clock_resume(dossier: Dossier, now, data: dict) -> None:
    """Working days spent waiting for the applicant do not count: the appointment
    moves by as many working days (a payment awaited; a supplement under the "pause"
    setting of `legal.supplement_clock`)."""
    if dossier.paused_at is None:
        return
    calendar = WorkingCalendar.load()
    start = timezone.localtime(dossier.paused_at).date()
    days = calendar.working_days_between(start, timezone.localtime(now).date())
    before = dossier.due_at
    if days and before is not None:
        local_due = timezone.localtime(before)
        new_day = calendar.add_working_days(local_due.date(), days)
        dossier.due_at = timezone.make_aware(dt.datetime.combine(new_day, local_due.time()))
    dossier.paused_days += days
    dossier.paused_at = None
    data.update(
        clock="resumed",
        paused_working_days=days,
        due_at_before=before.isoformat() if before else None,
        due_at=dossier.due_at.isoformat() if dossier.due_at else None,
    )


def compute_due_at(
    dossier: Dossier, received_at, calendar: WorkingCalendar | None = None
) -> dt.datetime | None:
    channel = (
        dossier.version.channels.filter(method=dossier.channel).first()
        or dossier.version.channels.first()
    )
    if channel is None or channel.processing_time is None or channel.unit == TimeUnit.UNSPECIFIED:
        return None
    calendar = calendar or WorkingCalendar.load()
    return calendar.due_at(received_at, channel.processing_time, channel.unit)


def clock_after_supplement(dossier: Dossier, now, data: dict) -> None:
    """The complete supplement during processing arrived (legal.PROCESSING_SUPPLEMENT):
    under "restart" the full allotted time counts again from the working day it was
    received, as at receipt; under "pause" the days waited are added."""
    rule = legal.supplement_clock()
    data["clock_rule"] = rule
    if rule == legal.SUPPLEMENT_CLOCK_PAUSE or dossier.paused_at is None:
        clock_resume(dossier, now, data)
        return
    calendar = WorkingCalendar.load()
    start = timezone.localtime(dossier.paused_at).date()
    before = dossier.due_at
    restarted = compute_due_at(dossier, now, calendar)
    dossier.paused_days += calendar.working_days_between(start, timezone.localtime(now).date())
    dossier.paused_at = None
    if restarted is not None:
        dossier.due_at = restarted
    data.update(
        clock="restarted",
        due_at_before=before.isoformat() if before else None,
        due_at=dossier.due_at.isoformat() if dossier.due_at else None,
    )


def transfer_due_at(received_at: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """When a dossier received at `received_at` must be with the processing department
    (legal.TRANSFER): received on a working day before the afternoon cut-off, by the
    close of that day; otherwise by the end of the next working morning."""
    local = timezone.localtime(received_at)
    day = local.date()
    if calendar.is_working_day(day) and local.time() < calendar.hours.cutoff:
        return timezone.make_aware(dt.datetime.combine(day, calendar.hours.closing))
    morning = calendar.next_working_day(day)
    return timezone.make_aware(dt.datetime.combine(morning, legal.transfer_morning_end()))


def supplement_request_timeliness(dossier: Dossier, now, calendar: WorkingCalendar) -> str:
    """A supplement request during processing is on time within
    `legal.supplement_request_days()` working days of receipt."""
    if dossier.received_at is None:
        return ON_TIME
    received = timezone.localtime(dossier.received_at).date()
    days = calendar.working_days_between(received, timezone.localtime(now).date())
    return ON_TIME if days <= legal.supplement_request_days() else LATE


def apology_timeliness(dossier: Dossier, now, calendar: WorkingCalendar) -> str:
    """The apology is expected at least `legal.apology_lead_days()` working days
    before the deadline (legal.APOLOGY); later, or once overdue, it is late."""
    if dossier.due_at is None:
        return ON_TIME
    if dossier.due_at <= now:
        return LATE
    today = timezone.localtime(now).date()
    due_day = timezone.localtime(dossier.due_at).date()
    left = calendar.working_days_between(today, due_day)
    return ON_TIME if left >= legal.apology_lead_days() else LATE
