"""Every figure of the statistics against the hand-computed data set (conftest.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from indicators import periods, selectors
from indicators.figures import Figures

# One worker builds the data set (conftest.py) once for the module (`--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("indicators_figures")]

MARCH = periods.period_of("month", dt.date(2026, 3, 15))
FEBRUARY = periods.period_of("month", dt.date(2026, 2, 1))


def figures_of(agency, period=MARCH) -> Figures:
    tree = selectors.agency_tree()
    by_pair = selectors.aggregate(period=period, agency_ids=tree.subtree(agency.pk))
    return selectors.total(by_pair)


def test_the_ward_in_march(data):
    f = figures_of(data.ward)
    c = f.counts
    # D1 D2 D3 D5 D6 D7 D10 D12 D13 received; D6 (desk) and D7 (post) on paper.
    assert c["received"] == 9
    assert (f.received_online, c["paper_received"], c["digitised"]) == (7, 2, 1)
    assert (c["finished_early"], c["finished_on_time"], c["finished_late"]) == (2, 1, 1)
    assert f.finished == 4 and f.on_time_rate == 0.75
    assert (c["refused"], c["withdrawn"], c["stopped"]) == (1, 1, 1)
    # End of March: D6 and the waiting D13 on time; D7 and D12 overdue.
    assert (c["open_on_time"], c["open_overdue"]) == (2, 2)
    assert c["results_electronic"] == 4 and f.electronic_result_rate == 1
    # Working days used: D1 2, D2 3, D3 5, D5 6 - 3 paused = 3; allotted 3 each.
    assert (c["timed_finished"], c["days_used"], c["days_allotted"]) == (4, 13, 12)
    assert f.average_days == 3.25 and f.average_allotted == 3
    assert f.p90_days == 5
    # D5 on time; D13 late, and again late and repeated (the leader's second request).
    assert (c["supplement_on_time"], c["supplement_late"], c["supplement_repeat"]) == (1, 2, 1)
    assert c["supplement_desk"] == 0
    assert (c["apology_on_time"], c["apology_late"]) == (2, 0)
    # Assigned at receipt: D1 D2 D3 D5 D10 D13 on time; D12 a day late.
    assert (c["transfer_on_time"], c["transfer_late"]) == (6, 1)
    assert (c["payments_paid"], c["payments_online"]) == (2, 1)
    assert f.online_payment_rate == 0.5
    assert f.online_rate == pytest.approx(7 / 9)
    assert f.digitisation_rate == 0.5
    assert (c["ratings"], c["rating_sum"], c["rating_good"]) == (3, 11, 2)
    assert f.satisfaction == pytest.approx(11 / 3)
    assert f.distribution == [(1, 0), (2, 1), (3, 0), (4, 1), (5, 1)]


def test_the_holiday_spanning_dossier_in_february(data):
    f = figures_of(data.ward, FEBRUARY)
    assert f.counts["received"] == 1
    assert f.counts["finished_on_time"] == 1
    # 13 Feb to 25 Feb: twelve calendar days, three working days (Tết is off).
    assert f.counts["days_used"] == 3 and f.p90_days == 3


def test_the_city_rolls_up_both_wards(data):
    tree = selectors.agency_tree()
    by_pair = selectors.aggregate(period=MARCH, agency_ids=tree.subtree(data.city.pk))
    rolled = selectors.rolled_up(by_pair, tree, [data.city.pk, data.ward.pk, data.ward2.pk])
    city, ward, ward2 = rolled[data.city.pk], rolled[data.ward.pk], rolled[data.ward2.pk]
    assert ward2.counts["received"] == 1 and ward2.counts["finished_early"] == 1
    assert ward2.satisfaction == 3
    for name in ("received", "finished_early", "ratings", "open_overdue", "days_used"):
        assert city.counts[name] == ward.counts[name] + ward2.counts[name]
    assert city.finished == 5 and city.p90_days == 5
    assert city.counts == selectors.total(by_pair).counts
    whole = selectors.total(selectors.aggregate(period=MARCH, agency_ids=None))
    assert whole.counts == city.counts


def test_per_field_and_procedure(data):
    tree = selectors.agency_tree()
    ids = tree.subtree(data.ward.pk)
    by_field = selectors.aggregate(period=MARCH, agency_ids=ids, group="field")
    assert list(by_field) == [(data.world.procedure.field_id,)]
    by_procedure = selectors.aggregate(period=MARCH, agency_ids=ids, group="procedure")
    assert by_procedure[(data.world.procedure.pk,)].counts["received"] == 9


def test_a_refresh_is_idempotent(data):
    from indicators import refresh
    from indicators.models import DailyStat

    before = list(DailyStat.objects.order_by("day", "id").values_list("day", "received"))
    refresh.refresh(
        dt.date(2026, 3, 1), dt.date(2026, 3, 31), now=dt.datetime(2026, 4, 15, tzinfo=dt.UTC)
    )
    after = list(DailyStat.objects.order_by("day", "id").values_list("day", "received"))
    assert before == after
    assert figures_of(data.ward).counts["received"] == 9


def test_a_day_a_week_and_a_quarter():
    assert periods.period_of("week", dt.date(2026, 3, 4)) == periods.Period(
        dt.date(2026, 3, 2), dt.date(2026, 3, 8), "week"
    )
    q = periods.period_of("quarter", dt.date(2026, 11, 30))
    assert (q.start, q.end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    m = periods.period_of("month", dt.date(2026, 2, 10))
    assert m.end == dt.date(2026, 2, 28)
    y = periods.from_query({"ky": "year", "ngay": "2026-05-05"})
    assert (y.start, y.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    "query",
    [
        {"tu": "2026-13-01", "den": "2026-12-31"},
        {"tu": "2026-03-31", "den": "2026-03-01"},
        {"tu": "2026-03-01"},
        {"ky": "decade"},
        {"ky": "month", "ngay": "hôm qua"},
        {"tu": "1990-01-01", "den": "2026-01-01"},
        {"ky": "month", "ngay": "9999-12-05"},
        {"tu": "2026-01-01", "den": "9999-12-31"},
    ],
)
def test_bad_periods_say_why(query):
    with pytest.raises(periods.PeriodError) as error:
        periods.from_query(query)
    assert str(error.value)


def test_percentile_is_the_nearest_rank():
    f = Figures()
    for days, n in {1: 5, 2: 3, 10: 2}.items():
        f.add_hist(days, n)
    assert f.p90_days == 10
    assert Figures().p90_days is None
    assert Decimal(1) == 1


def test_whole_months_from_the_roll_up_equal_their_days(data, monkeypatch):
    """A period with whole months reads them from MonthlyStat and its other days from
    DailyStat: the same figures, per group, as reading every day."""
    from indicators.models import DailyStat, MonthlyStat

    period = periods.custom(dt.date(2026, 1, 20), dt.date(2026, 4, 10))
    assert [kind for kind, _lo, _hi in selectors.pieces(period)] == ["day", "month", "day"]
    assert MonthlyStat.objects.filter(month=dt.date(2026, 3, 1)).exists()
    # Keys that only carry a day's stock of open dossiers are not rolled up.
    assert MonthlyStat.objects.count() < DailyStat.objects.count()
    tree = selectors.agency_tree()
    cases = [
        (agency_ids, group)
        for agency_ids in (None, tree.subtree(data.ward.pk))
        for group in ("pair", "field", "procedure", "channel")
    ]

    def figures():
        return [
            {
                k: (f.counts, f.hist)
                for k, f in selectors.aggregate(period=period, agency_ids=ids, group=g).items()
            }
            for ids, g in cases
        ]

    mixed = figures()
    every_day = selectors.pieces
    monkeypatch.setattr(selectors, "pieces", lambda p, by_day=False: every_day(p, by_day=True))
    assert mixed == figures()
    assert any(mixed)


def test_pieces_cover_every_day_once():
    for start, end in (
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 3, 2), dt.date(2026, 3, 30)),
        (dt.date(2025, 12, 7), dt.date(2026, 12, 6)),
        (dt.date(2026, 2, 28), dt.date(2026, 3, 1)),
    ):
        covered = []
        for kind, lo, hi in selectors.pieces(periods.custom(start, end)):
            if kind == "month":
                day = lo
                while day <= hi.replace(day=28) + dt.timedelta(days=4):
                    if lo <= day.replace(day=1) <= hi:
                        covered.append(day)
                    day += dt.timedelta(days=1)
            else:
                covered += [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
        expected = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        assert sorted(covered) == expected
