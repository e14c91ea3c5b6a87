"""What citizens file: dossiers per procedure over the last 90 days, summed from the
daily summary (`DailyStat`, one indexed range of days) and handed to the catalogue,
whose search ranks by it (`procedures.selectors.demand_score`). Once a day is enough:
the ranking moves with months of filings, not with the last hour's."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Sum
from django.utils import timezone

from indicators.models import DailyStat
from procedures.services import procedure_demand_store

DEMAND_DAYS = 90


def procedure_demand_counts(*, today: dt.date | None = None) -> dict[int, int]:
    """{procedure id: dossiers filed} over the `DEMAND_DAYS` local days up to `today`.
    A filed dossier is one the desk received or refused (both were filed; a draft or
    a dossier still waiting at the desk is not counted yet)."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=DEMAND_DAYS - 1)
    rows = (
        DailyStat.objects.filter(day__gte=start, day__lte=today)
        .exclude(procedure_id=0)
        .values("procedure_id")
        .annotate(n=Sum(F("received") + F("refused")))
        .values_list("procedure_id", "n")
    )
    return {procedure_id: n for procedure_id, n in rows if n}


def procedure_demand_refresh(*, today: dt.date | None = None) -> int:
    """Stores the counts on the procedures; returns how many changed."""
    return procedure_demand_store(counts=procedure_demand_counts(today=today))
