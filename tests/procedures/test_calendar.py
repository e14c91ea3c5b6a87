"""The working-day calendar: real 2026 dates, overrides, office hours, properties."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from procedures.calendar import WorkingCalendar, add_working_days, due_at, working_time_between
from procedures.models import CalendarOverride

CAL = WorkingCalendar()
D = dt.date


def at(y, m, d, hh=9, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 13), True),  # Friday before Tết
        (D(2026, 2, 16), False),  # Tết 2026: 16-20 February
        (D(2026, 2, 17), False),
        (D(2026, 2, 18), False),
        (D(2026, 2, 19), False),
        (D(2026, 2, 20), False),
        (D(2026, 2, 23), True),  # back to work
        (D(2026, 1, 1), False),
        (D(2026, 4, 27), False),  # Hùng Kings (26/4 is a Sunday): observed Monday
        (D(2026, 4, 30), False),
        (D(2026, 5, 1), False),
        (D(2026, 9, 1), False),
        (D(2026, 9, 2), False),
        (D(2026, 8, 22), True),  # Saturday made a working day (swapped for 31 August)
        (D(2026, 8, 31), False),
        (D(2026, 3, 7), False),  # an ordinary Saturday
        (D(2026, 3, 9), True),
    ],
)
def test_real_2026_calendar(day, working):
    assert CAL.is_working_day(day) is working


def test_tet_2026_pushes_deadlines_a_week():
    # Received Friday 13 Feb 2026 morning, 1 working day: due Monday 23 Feb at 17:00.
    assert CAL.due_at(at(2026, 2, 13, 9), 1) == at(2026, 2, 23, 17)
    assert CAL.add_working_days(D(2026, 2, 12), 2) == D(2026, 2, 23)
    assert CAL.working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1


def test_cutoff_moves_the_clock_to_the_next_working_day():
    assert CAL.due_at(at(2026, 3, 9, 14, 59), 1) == at(2026, 3, 10, 17)
    assert CAL.due_at(at(2026, 3, 9, 15, 0), 1) == at(2026, 3, 11, 17)
    # Friday after the cut-off: the clock starts on Monday.
    assert CAL.due_at(at(2026, 3, 13, 16), 0) == at(2026, 3, 16, 17)


def test_same_day_procedure_is_due_at_close_of_office():
    assert CAL.due_at(at(2026, 3, 9, 8), 0) == at(2026, 3, 9, 17)


def test_hours_count_office_time_only():
    # 8 working hours from Monday 10:00: 1.5 h before lunch, 4 h after, 2.5 h Tuesday.
    assert CAL.due_at(at(2026, 3, 9, 10), 8, "hour") == at(2026, 3, 10, 10)
    # After the cut-off the clock starts at the next opening.
    assert CAL.due_at(at(2026, 3, 9, 16), 4, "hour") == at(2026, 3, 10, 11, 30)


def test_calendar_days_ending_on_a_day_off_move_to_the_next_working_day():
    # 7 calendar days from Monday 9 Feb 2026 lands on Monday 16 Feb (Tết): moves to 23 Feb.
    assert CAL.due_at(at(2026, 2, 9, 9), 7, "day") == at(2026, 2, 23, 17)
    assert CAL.due_at(at(2026, 1, 30, 9), 1, "month") == at(2026, 3, 2, 17)


def test_half_days():
    assert CAL.due_at(at(2026, 3, 9, 9), Decimal("0.5")) == at(2026, 3, 10, 11, 30)
    assert CAL.due_at(at(2026, 3, 9, 9), Decimal("1.5")) == at(2026, 3, 11, 11, 30)


def test_working_time_between_skips_lunch_nights_and_holidays():
    assert working_time_between_plain(at(2026, 3, 9, 11), at(2026, 3, 9, 14)) == dt.timedelta(
        hours=1.5
    )
    assert working_time_between_plain(at(2026, 2, 13, 16), at(2026, 2, 23, 8)) == dt.timedelta(
        hours=1.5
    )
    assert working_time_between_plain(at(2026, 3, 9, 14), at(2026, 3, 9, 10)) == dt.timedelta(0)


def working_time_between_plain(a, b):
    return CAL.working_time_between(a, b)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 1, 1), -1)
    with pytest.raises(ValueError):
        CAL.due_at(at(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        CAL.due_at(at(2026, 1, 5), 1, "fortnight")
    with pytest.raises(ValueError):
        CAL.working_time_between(dt.datetime(2026, 1, 5), at(2026, 1, 6))


@pytest.mark.django_db
def test_admin_overrides_win_over_the_national_calendar():
    CalendarOverride.objects.create(
        date=D(2026, 3, 9), kind=CalendarOverride.Kind.DAY_OFF, name="Storm Yagi"
    )
    CalendarOverride.objects.create(
        date=D(2026, 3, 14), kind=CalendarOverride.Kind.WORKING_DAY, name="Make-up day"
    )
    assert add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 10)
    assert add_working_days(D(2026, 3, 13), 1) == D(2026, 3, 14)
    assert due_at(at(2026, 3, 6, 9), 1) == at(2026, 3, 10, 17)
    assert working_time_between(at(2026, 3, 9, 8), at(2026, 3, 9, 16)) == dt.timedelta(0)


dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31))
small = st.integers(min_value=0, max_value=60)
moments = st.builds(
    lambda d, minutes: timezone.make_aware(
        dt.datetime.combine(d, dt.time(0)) + dt.timedelta(minutes=minutes)
    ),
    dates,
    st.integers(min_value=0, max_value=24 * 60 - 1),
)


@settings(max_examples=200, deadline=None)
@given(dates, small)
def test_property_never_lands_on_a_day_off(start, n):
    assert CAL.is_working_day(CAL.add_working_days(start, n))


@settings(max_examples=200, deadline=None)
@given(dates, small, small)
def test_property_adding_n_then_m_equals_adding_n_plus_m(start, n, m):
    assert CAL.add_working_days(CAL.add_working_days(start, n), m) == CAL.add_working_days(
        start, n + m
    )


@settings(max_examples=200, deadline=None)
@given(dates, small, small)
def test_property_monotonic(start, n, m):
    assert CAL.add_working_days(start, n) <= CAL.add_working_days(start, n + m)
    assert CAL.working_days_between(start, CAL.add_working_days(start, n + 1)) >= n + 1


@settings(max_examples=200, deadline=None)
@given(moments, st.integers(min_value=0, max_value=40))
def test_property_due_at_respects_the_cutoff_and_lands_at_closing(received, n):
    due = timezone.localtime(CAL.due_at(received, n))
    local = timezone.localtime(received)
    assert CAL.is_working_day(due.date())
    assert due.time() == dt.time(17, 0)
    assert due > received
    start = CAL.clock_start(received)
    if local.time() >= dt.time(15, 0) or not CAL.is_working_day(local.date()):
        assert start > local.date()
    else:
        assert start == local.date()
    assert CAL.working_days_between(start, due.date()) == n


@settings(max_examples=100, deadline=None)
@given(moments, moments)
def test_property_working_time_is_bounded_by_wall_time(a, b):
    a, b = min(a, b), max(a, b)
    elapsed = CAL.working_time_between(a, b)
    assert dt.timedelta(0) <= elapsed <= b - a


@settings(max_examples=300, deadline=None)
@given(
    dates,
    st.integers(min_value=-10, max_value=2000),
    st.sets(dates, max_size=6),
    st.sets(dates, max_size=6),
)
def test_property_working_days_between_counts_each_working_day_once(start, span, off, work):
    """The arithmetic count agrees with walking the days one by one, across years,
    holidays, make-up Saturdays and admin overrides."""
    calendar = WorkingCalendar(days_off=off, working_days=work - off)
    end = start + dt.timedelta(days=span)
    walked = sum(
        calendar.is_working_day(start + dt.timedelta(days=i)) for i in range(1, max(span, 0) + 1)
    )
    assert calendar.working_days_between(start, end) == walked
