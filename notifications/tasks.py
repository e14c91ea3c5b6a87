"""Celery tasks of notifications (ids only, idempotent; the schedule is in config/celery.py)."""

from celery import shared_task

# The deadline and draft jobs live beside the data they touch; importing the module
# registers its tasks with the worker (autodiscovery only looks at `tasks` modules).
from dossiers import deadlines  # noqa: F401
from notifications import digests


@shared_task(name="notifications.daily_digests")
def daily_digests() -> int:
    return digests.send_daily_digests()


@shared_task(name="notifications.citizen_reminders")
def citizen_reminders() -> int:
    return digests.send_citizen_reminders()


@shared_task(name="notifications.weekly_summaries")
def weekly_summaries() -> int:
    return digests.send_weekly_summaries()
