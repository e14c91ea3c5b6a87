"""The command, the beat task and the index as data (not available, editions, bands)."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from indicators import index, refresh, tasks
from indicators.figures import Figures
from indicators.models import DailyStat, IndexComponent, IndexVersion, RefreshedDay
from tests.helpers import rolled_back_after
from tests.indicators.dataset import build, ensure_shipped_index

# One worker builds the data set once (`--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("indicators_refresh_jobs")]


@pytest.mark.parametrize(
    "args",
    [["--from", "2026-02-30"], ["--from", "2026-03-10", "--to", "2026-03-01"], ["--to", "x"]],
)
def test_the_command_explains_bad_dates(db, args):
    with pytest.raises(CommandError):
        call_command("refresh_statistics", *args, stdout=StringIO())


def test_the_command_without_dossiers_says_so(db):
    out = StringIO()
    call_command("refresh_statistics", stdout=out)
    assert "nothing to count" in out.getvalue()


def test_the_refresh_is_on_the_beat_schedule():
    from config.celery import app

    entry = app.conf.beat_schedule["statistics-refresh"]
    assert entry["task"] == "indicators.refresh_recent"
    assert entry["schedule"] <= 3600


def _figures(**counts):
    f = Figures()
    f.counts.update(counts)
    f.extra = {"feedback_total": None, "feedback_on_time": None}
    return f


def test_a_component_without_data_is_not_available_and_the_ranking_is_scaled(db):
    version = index.version_for(dt.date(2026, 3, 31))
    assert version.code == "766-2022"
    assert sum(g.max_points for g in version.groups.all()) == 100
    score = index.score(
        version, _figures(finished_early=1, finished_on_time=1, results_electronic=2, received=0)
    )
    by_code = {c.component.code: c for g in score.groups for c in g.components}
    assert by_code["2.1"].points == Decimal("20.00") and by_code["2.1"].rate == Decimal("100.00")
    assert not by_code["5.1"].available  # feedback: no data
    assert not by_code["4.1"].available  # nothing received: nothing to divide
    assert not by_code["1.2"].available  # no formula: the national portal measures it
    # 2.1 (20) and 3.2 (8, every result electronic) are all MotCua could measure.
    assert score.total == 28 and score.measurable == 28
    assert score.scaled == 100 and score.band.name_vi == "Xuất sắc"
    assert "min(1" in by_code["2.1"].formula


def test_bands_follow_the_decision():
    version = IndexVersion.objects.get(code="766-2022")
    names = [(b.min_points, b.name_vi) for b in version.bands.all()]
    assert names == [
        (90, "Xuất sắc"), (80, "Tốt"), (70, "Khá"), (50, "Trung bình"), (0, "Yếu"),
    ]  # fmt: skip
    assert index.band_for(version, Decimal("89.99")).name_vi == "Tốt"
    assert index.band_for(version, Decimal("49.99")).name_vi == "Yếu"


def test_a_new_edition_applies_from_its_date_and_a_target_caps_the_points(db):
    old = IndexVersion.objects.get(code="766-2022")
    new = IndexVersion.objects.create(
        code="test-2027", name_vi="Thử", valid_from=dt.date(2027, 1, 1), source="x"
    )
    group = new.groups.create(code="2", name_vi="Tiến độ", max_points=20)
    group.components.create(
        code="2.1", name_vi="Đúng hạn", max_points=20, numerator="finished_in_time",
        denominator="finished", target=Decimal("0.8"),
    )  # fmt: skip
    assert index.version_for(dt.date(2026, 12, 31)) == old
    version = index.version_for(dt.date(2027, 3, 1))
    assert version == new
    score = index.score(version, _figures(finished_early=0, finished_on_time=8, finished_late=2))
    # 80% of a target of 80%: every point.
    assert score.total == 20


def test_an_unknown_figure_is_refused_in_admin(db):
    component = IndexComponent.objects.first()
    component.numerator = "received + bribes"
    with pytest.raises(ValidationError) as error:
        component.full_clean()
    assert "bribes" in str(error.value)


def test_the_index_is_editable_in_admin(admin_client):
    version = IndexVersion.objects.get(code="766-2022")
    assert (
        admin_client.get(f"/admin/indicators/indexversion/{version.pk}/change/").status_code == 200
    )
    group = version.groups.get(code="2")
    assert admin_client.get(f"/admin/indicators/indexgroup/{group.pk}/change/").status_code == 200


@pytest.fixture(scope="class")
def dataset(django_db_setup, django_db_blocker, fake_pdf_for_module):
    """The data set for the class below only: the other tests of this module, before and
    after it, see an empty database (one counts no dossiers)."""
    with rolled_back_after(django_db_blocker):
        ensure_shipped_index()
        yield build()


class TestOnTheDataSet:
    """The tests on the data set of dataset.py, built once for them."""

    def test_the_command_refreshes_a_range_and_again_to_the_same(self, data):
        out = StringIO()
        call_command("refresh_statistics", "--from", "2026-03-01", "--to", "2026-03-31", stdout=out)
        assert "2026-03-01" in out.getvalue()
        first = sorted(DailyStat.objects.values_list("day", "received", "finished_early"))
        call_command("refresh_statistics", "--from", "2026-03-01", "--to", "2026-03-31", stdout=out)
        assert sorted(DailyStat.objects.values_list("day", "received", "finished_early")) == first
        assert RefreshedDay.objects.filter(day=dt.date(2026, 3, 31)).exists()

    def test_the_beat_task_refreshes_today_and_keeps_yesterdays_stock(self, data, monkeypatch):
        from django.utils import timezone

        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 3, 12))
        before = DailyStat.objects.filter(day=dt.date(2026, 3, 11)).values_list(
            "open_on_time", "open_overdue"
        )
        stock = sorted(before)
        tasks.refresh_recent()
        assert sorted(before) == stock
        assert RefreshedDay.objects.filter(day=dt.date(2026, 3, 12)).exists()

    def test_a_refresh_of_a_day_replaces_it_whole(self, data):
        day = dt.date(2026, 3, 2)
        n = DailyStat.objects.filter(day=day).count()
        assert n and refresh.refresh_day(day) == n
        assert DailyStat.objects.filter(day=day).count() == n

    def test_the_stock_of_a_range_equals_the_stock_of_each_day(self, data):
        now = dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC)
        ranged = refresh.past_stock(dt.date(2026, 2, 10), dt.date(2026, 3, 31))
        for day in (
            dt.date(2026, 2, 13),
            dt.date(2026, 2, 24),
            dt.date(2026, 3, 5),
            dt.date(2026, 3, 31),
        ):
            one = {k: v for k, v in refresh.snapshot(day, now=now).items() if any(v.values())}
            assert ranged.get(day, {}) == one, day
        assert sum(v["open_overdue"] for v in ranged[dt.date(2026, 3, 31)].values()) == 2

    def test_the_stock_by_events_equals_the_stock_by_joining_days(self, data):
        """The running sum of open and overdue intervals against the per-day join it
        replaced and against `snapshot`, on every day of ranges that start before,
        within and after the data set's dossiers, and a range of one day."""
        from django.conf import settings
        from django.db import connection

        now = dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC)
        for start, end in [
            (dt.date(2026, 1, 20), dt.date(2026, 4, 14)),
            (dt.date(2026, 2, 20), dt.date(2026, 3, 9)),
            (dt.date(2026, 3, 4), dt.date(2026, 3, 4)),
        ]:
            ranged = refresh.past_stock(start, end)
            with connection.cursor() as cursor:
                cursor.execute(
                    JOINED_STOCK, {"start": start, "end": end, "zone": settings.TIME_ZONE}
                )
                joined = {}
                for day, recv, comp, proc, fld, channel, n, n_overdue in cursor.fetchall():
                    joined.setdefault(day, {})[(recv, comp, proc, fld, channel)] = {
                        "open_overdue": n_overdue,
                        "open_on_time": n - n_overdue,
                    }
            assert dict(ranged) == joined, (start, end)
            day = start
            while day <= end:
                one = {k: v for k, v in refresh.snapshot(day, now=now).items() if any(v.values())}
                assert ranged.get(day, {}) == one, day
                day += dt.timedelta(days=1)
        assert ranged[dt.date(2026, 3, 4)]


# `refresh.past_stock` as it was first written: every day joined with the dossiers open
# at its end. Right, but its work grows with dossiers times days.
JOINED_STOCK = """
SELECT g.ts::date, d.receiving_agency_id, d.competent_agency_id, v.procedure_id,
       COALESCE(p.field_id, 0), d.channel, count(*),
       count(*) FILTER (
           WHERE d.due_at < e.day_end AND NOT COALESCE(d.paused_at < e.day_end, false)
       )
FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS g(ts),
     LATERAL (SELECT (g.ts::date + 1)::timestamp AT TIME ZONE %(zone)s AS day_end) AS e
JOIN dossiers_dossier d
  ON d.received_at < e.day_end AND (d.finished_at IS NULL OR d.finished_at >= e.day_end)
JOIN procedures_procedureversion v ON v.id = d.version_id
JOIN procedures_procedure p ON p.id = v.procedure_id
WHERE d.received_at < ((%(end)s::date + 1)::timestamp AT TIME ZONE %(zone)s)
  AND (d.finished_at IS NULL
       OR d.finished_at >= ((%(start)s::date + 1)::timestamp AT TIME ZONE %(zone)s))
  AND d.status NOT IN ('draft', 'discarded')
GROUP BY 1, 2, 3, 4, 5, 6
"""
