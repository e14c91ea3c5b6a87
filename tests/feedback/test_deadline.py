"""The answer is due FEEDBACK_ANSWER_DAYS working days after receipt: weekends, public
holidays (Tết included) and the afternoon cut-off count as for a dossier."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from feedback import selectors
from feedback.services import feedback_due_at

pytestmark = pytest.mark.django_db
VN = dt.timezone(dt.timedelta(hours=7))


def local_day(moment):
    return timezone.localtime(moment).date()


@pytest.mark.parametrize(
    ("sent", "days", "due"),
    [
        # Thursday morning, 3 days: Friday, (weekend), Monday, Tuesday.
        (dt.datetime(2026, 3, 5, 10, 0, tzinfo=VN), 3, dt.date(2026, 3, 10)),
        # After the 15:00 cut-off the count starts on Friday: Monday, Tuesday, Wednesday.
        (dt.datetime(2026, 3, 5, 16, 0, tzinfo=VN), 3, dt.date(2026, 3, 11)),
        # Sent on a Saturday: Monday is day zero.
        (dt.datetime(2026, 3, 7, 9, 0, tzinfo=VN), 1, dt.date(2026, 3, 10)),
        # Friday before Tết Bính Ngọ (16-20 February 2026 off, then the weekend).
        (dt.datetime(2026, 2, 13, 10, 0, tzinfo=VN), 3, dt.date(2026, 2, 25)),
        # Ten working days (the default) over two weekends, the Hùng Kings day moved to
        # Monday 27/4, and 30/4 + 1/5: 23, 24, 28, 29/4, 4, 5, 6, 7, 8, 11/5.
        (dt.datetime(2026, 4, 22, 9, 0, tzinfo=VN), 10, dt.date(2026, 5, 11)),
    ],
)
def test_due_date_in_working_days(settings, sent, days, due):
    settings.FEEDBACK_ANSWER_DAYS = days
    assert local_day(feedback_due_at(sent)) == due


def test_default_is_ten_working_days(settings, send):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    with mock.patch("django.utils.timezone.now", return_value=monday):
        item = send()
    assert settings.FEEDBACK_ANSWER_DAYS == 10
    assert local_day(item.due_at) == dt.date(2026, 3, 16)


def test_overdue_once_the_due_moment_passed(world, send, settings):
    settings.FEEDBACK_ANSWER_DAYS = 2
    thursday = dt.datetime(2026, 3, 5, 10, 0, tzinfo=VN)
    with mock.patch("django.utils.timezone.now", return_value=thursday):
        item = send()
    # Due Monday 9 March at close of office.
    assert not item.is_overdue(dt.datetime(2026, 3, 9, 12, 0, tzinfo=VN))
    assert item.is_overdue(dt.datetime(2026, 3, 10, 8, 0, tzinfo=VN))
    later = dt.datetime(2026, 3, 10, 8, 0, tzinfo=VN)
    rows = selectors.feedback_overdue([world.agency.pk], now=later)
    assert [r["code"] for r in rows] == [item.code]
    assert rows[0]["assignee_name"] == "" and rows[0]["agency_name"] == world.agency.name
    assert selectors.feedback_overdue([world.agency.pk], now=thursday) == []


@pytest.mark.parametrize("value", [0, -3, 400, "10", True])
def test_a_bad_answer_time_stops_the_start(settings, value):
    from feedback.checks import check_feedback_settings

    settings.FEEDBACK_ANSWER_DAYS = value
    assert [e.id for e in check_feedback_settings()] == ["motcua.E003"]
    settings.FEEDBACK_ANSWER_DAYS = 10
    assert check_feedback_settings() == []
