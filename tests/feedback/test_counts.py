"""`feedback_counts` and `feedback_overdue` on a small fixed data set, against figures
computed by hand."""

import datetime as dt
from unittest import mock

import pytest

from feedback import selectors, services
from identity.constants import OfficialRole
from tests.identity.factories import make_official
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db
VN = dt.timezone(dt.timedelta(hours=7))


def at(day, hour=9):
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=VN)


@pytest.fixture
def data(world, send, settings):
    """FEEDBACK_ANSWER_DAYS = 2. In March 2026 (Mondays: 2, 9, 16, 23):

    agency A (the world's):
      a1 sent Mon 2  (due Wed 4),  answered Wed 4      -> on time
      a2 sent Mon 2  (due Wed 4),  answered Thu 5      -> late
      a3 sent Thu 5  (due Mon 9),  closed Fri 6
      a4 sent Mon 9  (due Wed 11), still open          -> overdue on the 20th
      a5 sent Fri 27 (due Tue 31), still open          -> outside the period, not overdue
      a6 sent Fri 20 Feb (due Tue 24 Feb), answered Mon 2 March -> late, answered in period
    agency B:
      b1 sent Tue 3  (due Thu 5),  still open          -> overdue on the 20th
    """
    settings.FEEDBACK_ANSWER_DAYS = 2
    b = AgencyFactory(code="000.00.32.H29", name="Sở Tư pháp")
    b_leader = make_official(OfficialRole.LEADER, b.code)
    items = {}

    def sent(name, moment, agency=None, leader=None):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            items[name] = send(agency=agency or world.agency)

    def answer(name, moment):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            pk = items[name].pk
            services.feedback_assign(feedback_id=pk, actor=world.leader, assignee=world.specialist)
            services.feedback_answer(feedback_id=pk, actor=world.specialist, answer="Trả lời")

    sent("a6", dt.datetime(2026, 2, 20, 9, 0, tzinfo=VN))
    sent("a1", at(2))
    sent("a2", at(2, 10))
    sent("b1", at(3), agency=b)
    sent("a3", at(5))
    sent("a4", at(9))
    sent("a5", at(27))
    answer("a6", at(2, 8))
    answer("a1", at(4, 16))
    answer("a2", at(5))
    with mock.patch("django.utils.timezone.now", return_value=at(6)):
        services.feedback_close(feedback_id=items["a3"].pk, actor=world.leader, reason="Trùng")
    return {"a": world.agency, "b": b, "items": items, "b_leader": b_leader}


def test_counts_per_agency_and_period(data):
    a, b = data["a"].pk, data["b"].pk
    now = at(20)
    first_half = selectors.feedback_counts([a], dt.date(2026, 3, 1), dt.date(2026, 3, 15), now=now)
    assert first_half == {
        "received": 4,  # a1, a2, a3, a4
        "answered": 3,  # a6, a1, a2
        "answered_on_time": 1,  # a1
        "closed": 1,  # a3
        "overdue_now": 1,  # a4
    }
    both = selectors.feedback_counts([a, b], dt.date(2026, 3, 1), dt.date(2026, 3, 31), now=now)
    assert both == {
        "received": 6,
        "answered": 3,
        "answered_on_time": 1,
        "closed": 1,
        "overdue_now": 2,
    }
    one_day = selectors.feedback_counts([a], dt.date(2026, 3, 4), dt.date(2026, 3, 4), now=now)
    assert (one_day["received"], one_day["answered"], one_day["answered_on_time"]) == (0, 1, 1)
    assert selectors.feedback_counts(
        [], dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    ) == dict.fromkeys(("received", "answered", "answered_on_time", "closed", "overdue_now"), 0)


def test_overdue_list_longest_first(data):
    a, b = data["a"].pk, data["b"].pk
    items = data["items"]
    rows = selectors.feedback_overdue([a, b], now=at(20))
    assert [r["code"] for r in rows] == [items["b1"].code, items["a4"].code]
    assert all(isinstance(r["id"], int) for r in rows)
    assert selectors.feedback_overdue([a, b], now=at(20), limit=1)[0]["code"] == items["b1"].code
    assert selectors.feedback_overdue([b], now=at(4)) == []


def test_the_service_index_reads_these_figures(data):
    from indicators import sources

    a = data["a"].pk
    march = {"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 15)}
    # Due an answer: the three answered in the period, and what is overdue today (a4,
    # a5: today is long after March); one answered on time. Satisfaction with answers
    # is not recorded.
    assert sources.feedback_counts(agency_ids={a}, **march) == {
        "feedback_total": 5,
        "feedback_on_time": 1,
        "feedback_satisfied": None,
    }
    city = sources.feedback_counts(agency_ids=None, **march)
    assert (city["feedback_total"], city["feedback_on_time"]) == (6, 1)  # b1 overdue too


def test_open_counts_for_the_radar(data):
    now = at(20)
    assert selectors.feedback_open_counts([data["a"].pk], now=now) == {"open": 2, "overdue": 1}
    assert selectors.feedback_open_counts([data["a"].pk, data["b"].pk], now=now) == {
        "open": 3,
        "overdue": 2,
    }
    assert selectors.feedback_open_counts([], now=now) == {"open": 0, "overdue": 0}
