"""generate_load_data feeds the statistics: after a small run (which ends with the
refresh), every group of figures has plausible, non-zero counts, and the public JSON's
`finished` of each agency is the number of its dossiers returned in the period."""

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from dossiers.constants import Action, ConsultationStatus, Status
from dossiers.integrity import verify_chains
from dossiers.models import (
    Consultation,
    Dossier,
    DossierAssessment,
    DossierGroupObjectPermission,
)
from dossiers.services import ASSESSED
from feedback.constants import Status as FeedbackStatus
from feedback.models import Feedback, FeedbackLog
from identity.constants import OfficialRole
from indicators.models import COUNTERS, DailyStat
from loadtest.calendar import FastCalendar
from procedures.calendar import WorkingCalendar
from procedures.constants import ChannelMethod
from tests.dossiers.factories import World
from tests.identity.factories import make_official
from tests.procedures.factories import AgencyFactory, ChannelFactory, FeeFactory, StepFactory

# One worker generates the load once for the module (`--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("generate_load_statistics")]


def _city():
    """Two wards that receive the procedure, a fee at the desk as well as online."""
    world = World(fee=30_000)
    desk = ChannelFactory(version=world.version, method=ChannelMethod.DIRECT, processing_time=5)
    FeeFactory(channel=desk, amount=30_000)
    # The steps the radar measures each role's time against.
    for role, days in (
        ("receptionist", 0.5),
        ("specialist", 3),
        ("leader", 1),
        ("other_agency", 2),
    ):
        StepFactory(version=world.version, role=role, allotted_days=days)
    other = AgencyFactory(code="000.00.32.H29", name="Ủy ban nhân dân phường Sài Gòn")
    world.procedure.executing_agencies.add(other)
    for role in (OfficialRole.RECEPTIONIST, OfficialRole.SPECIALIST, OfficialRole.LEADER):
        make_official(role, other.code)
    world.other_agency = other
    return world


def _generate():
    out = StringIO()
    call_command(
        "generate_load_data", dossiers=1500, citizens=200, batch=500, seed=11, years=1, stdout=out
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """The city and one small run of the command, generated once for the module's tests,
    which only read it (each in a transaction rolled back after it). The command commits
    batch by batch, so the run is committed, and the tables are emptied after the last
    test, as after a transactional test."""
    with django_db_blocker.unblock():
        try:
            yield _city(), _generate()
        finally:
            call_command("flush", verbosity=0, interactive=False)


@pytest.fixture
def city(db, generated):
    return generated[0]


def test_every_group_of_figures_has_plausible_counts(city, generated):
    output = generated[1]
    assert "summary rows refreshed in" in output  # the refresh is timed and printed
    assert list(verify_chains()) == []
    t = DailyStat.objects.aggregate(**{name: Sum(name) for name in COUNTERS})
    for name in COUNTERS:
        if not name.startswith("rating_") or name in ("rating_sum", "rating_good"):
            assert t[name] > 0, name
    finished = t["finished_early"] + t["finished_on_time"] + t["finished_late"]
    # Mostly early or on time, a few late: a city's year, not a coin toss.
    assert t["finished_early"] > t["finished_late"]
    assert t["finished_on_time"] > t["finished_late"]
    assert 0 < t["finished_late"] < 0.15 * finished
    assert t["timed_finished"] == finished
    assert t["transfer_late"] < 0.3 * (t["transfer_on_time"] + t["transfer_late"])
    assert t["supplement_repeat"] < t["supplement_on_time"] + t["supplement_late"]
    # Paid at the desk too, so not every payment is online.
    assert 0 < t["payments_online"] < t["payments_paid"]
    assert t["digitised"] <= t["paper_received"]
    assert t["results_electronic"] <= finished
    assert 3.5 < t["rating_sum"] / t["ratings"] < 5
    assert t["rating_1"] + t["rating_2"] > 0  # some unhappy applicants

    # The agency's own evaluation of every finished dossier.
    assert DossierAssessment.objects.count() == Dossier.objects.filter(status__in=ASSESSED).count()
    assert DossierAssessment.objects.filter(settled_on_time=False).exists()
    assert DossierAssessment.objects.filter(apology_when_late=True).exists()

    # Feedback: answered on time and late, published answers, the rest still open or
    # closed; each with its history.
    answered = Feedback.objects.filter(status=FeedbackStatus.ANSWERED)
    assert answered.filter(answered_at__lte=F("due_at")).exists()
    assert answered.filter(answered_at__gt=F("due_at")).exists()
    assert answered.filter(public_consent=True).exclude(public_answer="").exists()
    assert Feedback.objects.exclude(status=FeedbackStatus.ANSWERED).exists()
    assert not Feedback.objects.filter(log__isnull=True).exists()
    assert FeedbackLog.objects.filter(action="answer").count() == answered.count()
    codes = list(Feedback.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))

    # Consultations: open ones hold the consulted agency's read grant, no others do.
    assert Consultation.objects.filter(status=ConsultationStatus.ANSWERED).exists()
    open_ones = Consultation.objects.filter(status=ConsultationStatus.OPEN)
    assert set(open_ones.values_list("dossier_id", flat=True)) == set(
        DossierGroupObjectPermission.objects.values_list("content_object_id", flat=True)
    )


def test_json_finished_is_each_agencys_returned_dossiers(city, client):
    end = timezone.localdate()
    start = end - dt.timedelta(days=120)
    response = client.get(f"/api/v1/statistics/agencies/?from={start}&to={end}")
    assert response.status_code == 200
    body = response.json()
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    stop = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    returned = Dossier.objects.filter(
        log__action=Action.RETURN_RESULT, log__created_at__gte=first, log__created_at__lt=stop
    )
    by_code = {a["code"]: a for a in body["agencies"]}
    for agency in (city.agency, city.other_agency):
        mine = returned.filter(Q(receiving_agency=agency) | Q(competent_agency=agency))
        assert by_code[agency.code]["finished"] == mine.distinct().count() > 0
    assert body["city"]["finished"] == returned.distinct().count()
    assert Dossier.objects.filter(status=Status.RETURNED).count() >= returned.distinct().count()


def test_the_drill_down_lists_as_many_dossiers_as_the_figures_count(city):
    """The run's refresh wrote the dossiers behind the figures: one per dossier and
    day, as many as the figures that count each dossier once a day."""
    from indicators.models import FACT_CODES, DossierFact

    sums = DailyStat.objects.aggregate(**{c: Sum(c) for c in COUNTERS})
    facts = dict(DossierFact.objects.values_list("metric").annotate(n=Count("pk")).order_by())
    for name in ("received", "paper_received", "finished_early", "finished_on_time",
                 "finished_late", "refused", "withdrawn", "stopped"):  # fmt: skip
        assert facts.get(FACT_CODES[name], 0) == sums[name], name
    finished = sums["finished_early"] + sums["finished_on_time"] + sums["finished_late"]
    assert facts[FACT_CODES["finished"]] == finished > 0
    # Counted more than once a day for one dossier (two requests): one row.
    for name in ("supplement_late", "supplement_on_time", "transfer_late", "apology_late"):
        assert 0 < facts.get(FACT_CODES[name], 0) <= sums[name], name


def test_fast_calendar_answers_as_the_working_calendar(db):
    calendar = WorkingCalendar.load()
    tz = timezone.get_current_timezone()
    fast = FastCalendar(calendar, dt.date(2024, 1, 1), dt.date(2026, 12, 31), tz)
    rng = random.Random(5)
    for _ in range(400):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        other = day + dt.timedelta(days=rng.randrange(-40, 40))
        n = rng.randrange(0, 30)
        assert fast.is_working_day(day) == calendar.is_working_day(day)
        assert fast.next_working_day(day) == calendar.next_working_day(day)
        assert fast.add_working_days(day, n) == calendar.add_working_days(day, n)
        assert fast.working_days_between(day, other) == calendar.working_days_between(day, other)
        moment = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=tz)
        assert fast.due_at(moment, n) == calendar.due_at(moment, n)


SUMMARY_TABLES = {
    "indicators_dailystat": "day",
    "indicators_dossierfact": "day",
    "indicators_stepstat": "day",
    "indicators_monthlystat": "month",
}


def _summary_rows() -> dict[str, list[tuple]]:
    """Every row of the summary tables but their ids, sorted."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in SUMMARY_TABLES:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name <> 'id' ORDER BY ordinal_position",
                [table],
            )
            columns = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}")  # noqa: S608
            out[table] = cursor.fetchall()
    return out


def test_a_range_refresh_writes_what_refreshing_each_day_alone_writes(city):
    """`refresh` reads and writes the past days a week at a time; every row of every
    summary table is the one `refresh_day` writes for that day alone (today's stock
    from the dossiers now, past days' from `past_stock`), over a hundred days of
    generated data whose weeks cross months."""
    from indicators import refresh
    from indicators.models import DossierFact, MonthlyStat, StepStat

    def empty():
        for model in (DailyStat, DossierFact, StepStat, MonthlyStat):
            model.objects.all().delete()

    now = timezone.now()
    today = timezone.localtime(now).date()
    first = today - dt.timedelta(days=100)
    empty()
    refresh.refresh(first, today, now=now)
    ranged = _summary_rows()
    assert all(ranged.values())

    empty()
    calendar = WorkingCalendar.load()
    past = refresh.past_stock(first, today - dt.timedelta(days=1))
    day = first
    while day <= today:
        stock = past.get(day, {}) if day < today else None
        refresh.refresh_day(day, now=now, calendar=calendar, stock=stock, roll_up=False)
        day += dt.timedelta(days=1)
    refresh.rollup(first, today)
    assert _summary_rows() == ranged
