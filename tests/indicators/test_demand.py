"""The catalogue search's dossier counts: the last 90 days of the daily summary, stored
on the procedures once a day, without a history row or a touched `updated_at`."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from config.celery import app
from indicators import demand
from indicators.models import DailyStat
from indicators.tasks import procedure_demand
from procedures.models import Procedure
from procedures.selectors import SEARCH_GENERATION_KEY, search_cache_generation
from tests.procedures.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)


def _stat(day, procedure, *, channel="online", agency=1, **counters):
    DailyStat.objects.create(
        day=day,
        receiving_agency_id=agency,
        competent_agency_id=agency,
        procedure_id=procedure.pk if procedure else 0,
        channel=channel,
        **counters,
    )


def test_counts_the_last_ninety_days_of_filed_dossiers():
    often, seldom, idle = ProcedureFactory.create_batch(3)
    _stat(TODAY, often, received=5, refused=1)
    _stat(TODAY, often, channel="direct", received=4)
    _stat(TODAY, often, agency=2, received=3)
    _stat(TODAY - dt.timedelta(days=89), seldom, received=2)  # the 90th day back: in
    _stat(TODAY - dt.timedelta(days=90), seldom, received=50)  # one day older: out
    _stat(TODAY, idle, withdrawn=3)  # never filed with the desk
    _stat(TODAY, None, received=7)  # no procedure (0)

    assert demand.procedure_demand_counts(today=TODAY) == {often.pk: 13, seldom.pk: 2}


def test_the_counts_land_on_the_procedures_and_renew_the_search_cache():
    procedure, forgotten = ProcedureFactory.create_batch(2)
    Procedure.objects.filter(pk=forgotten.pk).update(recent_dossiers=40)
    before = Procedure.objects.get(pk=procedure.pk)
    events = before.pgh_event_model.objects.count()
    _stat(TODAY, procedure, received=12)
    generation = search_cache_generation()

    assert demand.procedure_demand_refresh(today=TODAY) == 2
    procedure.refresh_from_db()
    forgotten.refresh_from_db()
    assert (procedure.recent_dossiers, forgotten.recent_dossiers) == (12, 0)
    assert procedure.updated_at == before.updated_at
    assert before.pgh_event_model.objects.count() == events
    assert cache.get(SEARCH_GENERATION_KEY) != generation
    # Nothing changed: nothing written, the cached searches stay.
    generation = search_cache_generation()
    assert demand.procedure_demand_refresh(today=TODAY) == 0
    assert cache.get(SEARCH_GENERATION_KEY) == generation


def test_the_daily_task_counts_up_to_today():
    procedure = ProcedureFactory()
    _stat(timezone.localdate(), procedure, received=3)
    procedure_demand()
    procedure.refresh_from_db()
    assert procedure.recent_dossiers == 3


def test_the_counts_are_refreshed_every_night():
    entry = app.conf.beat_schedule["procedure-demand"]
    assert entry["task"] == "indicators.procedure_demand"
    assert entry["task"] in app.tasks
