"""The processing clock: the appointment date, and its pauses while the applicant is awaited."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dossiers.models import Dossier
from procedures.calendar import WorkingCalendar
from procedures.constants import TimeUnit


def clock_pause(dossier: Dossier, now, data: dict) -> None:
    if dossier.due_at is not None and dossier.paused_at is None:
        dossier.paused_at = now
        data["clock"] = "paused"


def clock_resume(dossier: Dossier, now, data: dict) -> None:
    """Working days spent waiting for the applicant do not count (Decree 61/2018
    art. 17 cl. 2 a, the replaced text; see dossiers.workflow on citations): the
    appointment moves by as many working days."""
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


def compute_due_at(dossier: Dossier, received_at) -> dt.datetime | None:
    channel = (
        dossier.version.channels.filter(method=dossier.channel).first()
        or dossier.version.channels.first()
    )
    if channel is None or channel.processing_time is None or channel.unit == TimeUnit.UNSPECIFIED:
        return None
    return WorkingCalendar.load().due_at(received_at, channel.processing_time, channel.unit)
