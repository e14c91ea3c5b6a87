"""Celery tasks of the statistics (the beat schedule is config/celery.py)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from indicators import refresh


@shared_task(name="indicators.refresh_recent")
def refresh_recent() -> int:
    """Today and yesterday afresh: what happened since the last run, and the events of
    late yesterday. Yesterday keeps the stock written while it was today."""
    today = timezone.localdate()
    written = refresh.refresh_day(today)
    written += refresh.refresh_day(today - dt.timedelta(days=1), keep_snapshot=True)
    return written
