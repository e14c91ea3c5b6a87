"""Celery tasks of the statistics (the beat schedule is config/celery.py)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from indicators import radar_refresh, refresh


@shared_task(name="indicators.refresh_recent")
def refresh_recent() -> int:
    """Today and yesterday afresh: what happened since the last run, and the events of
    late yesterday. Yesterday keeps the stock written while it was today."""
    today = timezone.localdate()
    written = refresh.refresh_day(today)
    written += refresh.refresh_day(today - dt.timedelta(days=1), keep_snapshot=True)
    # The radar's open dossiers, as they are now.
    written += radar_refresh.refresh_open()
    return written


@shared_task(name="indicators.procedure_demand")
def procedure_demand() -> int:
    """The catalogue search's dossier counts of the last 90 days (indicators.demand)."""
    from indicators import demand

    return demand.procedure_demand_refresh()


@shared_task(name="indicators.radar_digests")
def radar_digests() -> int:
    """The weekly radar email to each leader (indicators.digest)."""
    from indicators import digest

    return digest.send_radar_digests()
