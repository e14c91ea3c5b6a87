"""The working-day calendar: what counts as a working day and when a dossier is due.

A day is a working day when it is a weekday that is not a public holiday, or a
weekend day the government swapped into a working day (make-up day, "làm bù").
Sources, in order of precedence:

1. `CalendarOverride` rows edited by catalogue admins (an extra day off, or a
   make-up working day) - they win, because the official yearly schedule is only
   announced by the Ministry of Home Affairs late in the previous year;
2. the `holidays` package's Vietnamese calendar (Labour Code 2019 art. 112: New
   Year, Tết incl. the lunar dates, Hùng Kings, 30/4, 1/5, National Day and their
   substitutes), including its `weekend_workdays` (official make-up Saturdays);
3. Saturdays and Sundays are days off.

Office hours (default 07:30-11:30 and 13:00-17:00) and the afternoon cut-off
(default 15:00: a dossier received later counts from the next working day) come
from settings so each city can configure them (`MOTCUA_OFFICE_HOURS`,
`MOTCUA_CUTOFF`). All datetimes are aware; they are read in the project time zone.

Reconciliation with the official 2026 schedule: `holidays.VN(years=2026)` gives
Tết Bính Ngọ as Monday 16 - Friday 20 February, which is exactly the weekday part
of the official break (Saturday 14 - Sunday 22 February), so no override is needed;
the tests pin these dates so that a package upgrade that disagrees is caught.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

# The overrides as (days off, working days); the timeout bounds staleness after a write
# that skips the signal receivers (raw SQL, `QuerySet.update`).
OVERRIDES_CACHE_KEY = "calendar:overrides"
OVERRIDES_CACHE_SECONDS = 10 * 60


def _overrides_forget() -> None:
    from django.core.cache import cache

    cache.delete(OVERRIDES_CACHE_KEY)


def overrides_cache_clear() -> None:
    """Forget the cached overrides, now and again once the writing transaction commits
    (a page that read the old rows meanwhile may have cached them)."""
    from common.cache import forget_now_and_after_commit

    forget_now_and_after_commit(_overrides_forget)


DEFAULT_OFFICE_HOURS = (("07:30", "11:30"), ("13:00", "17:00"))
DEFAULT_CUTOFF = "15:00"
# Beyond this many days a duration is certainly wrong data (the longest national
# procedures take a few hundred working days); it stops runaway loops.
MAX_DAYS = 3650


def _time(value: str | dt.time) -> dt.time:
    if isinstance(value, dt.time):
        return value
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class OfficeHours:
    periods: tuple[tuple[dt.time, dt.time], ...]
    cutoff: dt.time

    @classmethod
    def from_settings(cls) -> OfficeHours:
        periods = getattr(settings, "MOTCUA_OFFICE_HOURS", DEFAULT_OFFICE_HOURS)
        cutoff = getattr(settings, "MOTCUA_CUTOFF", DEFAULT_CUTOFF)
        return cls(tuple((_time(a), _time(b)) for a, b in periods), _time(cutoff))

    @property
    def opening(self) -> dt.time:
        return self.periods[0][0]

    @property
    def closing(self) -> dt.time:
        return self.periods[-1][1]

    @property
    def seconds_per_day(self) -> int:
        return sum(_seconds(b) - _seconds(a) for a, b in self.periods)


def _seconds(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@lru_cache(maxsize=64)
def _national(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    calendar = holidays.VN(years=year)
    days_off = frozenset(calendar)
    workdays = frozenset(d for d in calendar.weekend_workdays if d.year == year)
    return days_off, workdays


def _weekdays_through(day: dt.date) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday) to `day`, inclusive."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


class WorkingCalendar:
    """Answers "is this a working day?" for a range of years.

    Build it with `WorkingCalendar.load()` to include the admin overrides (one query);
    a bare `WorkingCalendar()` uses only the national calendar (handy in tests).
    """

    def __init__(
        self,
        *,
        days_off: set[dt.date] | None = None,
        working_days: set[dt.date] | None = None,
        hours: OfficeHours | None = None,
    ):
        self.extra_days_off = frozenset(days_off or ())
        self.extra_working_days = frozenset(working_days or ())
        self.hours = hours or OfficeHours.from_settings()

    @classmethod
    def load(cls) -> WorkingCalendar:
        """The calendar with the admin overrides, which every back-office page reads:
        kept in the cache, which every override write empties (`procedures.signals`)."""
        from django.core.cache import cache

        from procedures.models import CalendarOverride

        days = cache.get(OVERRIDES_CACHE_KEY)
        if days is None:
            off, work = set(), set()
            for day, kind in CalendarOverride.objects.values_list("date", "kind"):
                (off if kind == CalendarOverride.Kind.DAY_OFF else work).add(day)
            days = (frozenset(off), frozenset(work))
            cache.set(OVERRIDES_CACHE_KEY, days, OVERRIDES_CACHE_SECONDS)
        return cls(days_off=days[0], working_days=days[1])

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        national_off, national_work = _national(day.year)
        if day in national_work:
            return True
        if day in national_off:
            return False
        return day.weekday() < 5

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        for _ in range(MAX_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day found within ten years")

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The working day `days` working days after `start` (`days` >= 0).

        With 0, `start` itself when it is a working day, else the next one; so
        `add_working_days(d, n)` always lands on a working day.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        if days > MAX_DAYS:
            raise ValueError(f"days must be <= {MAX_DAYS}")
        day = start if self.is_working_day(start) else self.next_working_day(start)
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in the half-open range (start, end].

        Arithmetic, not a walk over the days: Monday-Friday counted by formula, then
        corrected on the few dates that break that rule (holidays, make-up days,
        overrides). The queues ask this for every row, and an overdue dossier can be
        years late (a walk would take well over a thousand steps for such a row).
        """
        if end <= start:
            return 0
        count = _weekdays_through(end) - _weekdays_through(start)
        for day in self._exceptions(start.year, end.year):
            if start < day <= end:
                count += self.is_working_day(day) - (day.weekday() < 5)
        return count

    def _exceptions(self, first_year: int, last_year: int) -> set[dt.date]:
        """Every date on which the plain Monday-Friday rule might be wrong."""
        days = set(self.extra_days_off | self.extra_working_days)
        for year in range(first_year, last_year + 1):
            national_off, national_work = _national(year)
            days |= national_off | national_work
        return days

    # --- time of day ---------------------------------------------------------------

    def _local(self, moment: dt.datetime) -> dt.datetime:
        if timezone.is_naive(moment):
            raise ValueError("aware datetimes only")
        return timezone.localtime(moment)

    def _at(self, day: dt.date, t: dt.time) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, t))

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Office time elapsed between two moments: only working days, only office hours."""
        start, end = self._local(start), self._local(end)
        if end <= start:
            return dt.timedelta(0)
        total = 0
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for a, b in self.hours.periods:
                    lo = max(self._at(day, a), start)
                    hi = min(self._at(day, b), end)
                    if hi > lo:
                        total += int((hi - lo).total_seconds())
            day += dt.timedelta(days=1)
        return dt.timedelta(seconds=total)

    def clock_start(self, received_at: dt.datetime) -> dt.date:
        """The working day a dossier's clock starts counting from.

        Received on a working day before the cut-off: that day; after the cut-off,
        or on a day off: the next working day.
        """
        local = self._local(received_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < self.hours.cutoff:
            return day
        return self.next_working_day(day)

    def due_at(
        self, received_at: dt.datetime, duration: Decimal | int | float, unit: str = "working_day"
    ) -> dt.datetime:
        """When a dossier received at `received_at` is due.

        - `working_day`: the receipt day counts as day zero (the one-stop decree counts
          from the working day after a valid receipt); due at close of office on the
          n-th working day after the clock start. Zero means the same day.
          Fractions (0.5 day) add half a day of office time.
        - `day` / `month`: calendar days or months, but a due date on a day off moves to the next
          working day (Civil Code art. 148).
        - `hour`: working hours of office time after receipt (same-day procedures);
          received after the cut-off, the clock starts at the next opening.
        """
        duration = Decimal(str(duration))
        if duration < 0:
            raise ValueError("duration must be >= 0")
        start_day = self.clock_start(received_at)
        if unit == "working_day":
            whole = int(duration)
            day = self.add_working_days(start_day, whole)
            fraction = duration - whole
            if fraction:
                seconds = int(fraction * self.hours.seconds_per_day)
                return self._add_office_seconds(
                    self._at(self.next_working_day(day), self.hours.opening), seconds
                )
            return self._at(day, self.hours.closing)
        if unit in ("day", "month"):
            if unit == "day":
                day = start_day + dt.timedelta(days=int(duration))
            else:
                day = start_day + relativedelta(months=int(duration))
            if not self.is_working_day(day):
                day = self.next_working_day(day)
            return self._at(day, self.hours.closing)
        if unit == "hour":
            local = self._local(received_at)
            begin = self._at(start_day, self.hours.opening) if start_day != local.date() else local
            return self._add_office_seconds(begin, int(duration * 3600))
        raise ValueError(f"unknown unit {unit!r}")

    def _add_office_seconds(self, begin: dt.datetime, seconds: int) -> dt.datetime:
        """The moment `seconds` of office time after `begin`."""
        begin = self._local(begin)
        day = begin.date()
        for _ in range(MAX_DAYS):
            if self.is_working_day(day):
                for a, b in self.hours.periods:
                    lo = max(self._at(day, a), begin)
                    hi = self._at(day, b)
                    if hi <= lo:
                        continue
                    available = int((hi - lo).total_seconds())
                    if seconds <= available:
                        return lo + dt.timedelta(seconds=seconds)
                    seconds -= available
            day += dt.timedelta(days=1)
        raise ValueError("duration too long")


def add_working_days(start: dt.date, days: int) -> dt.date:
    return WorkingCalendar.load().add_working_days(start, days)


def working_time_between(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    return WorkingCalendar.load().working_time_between(start, end)


def due_at(received_at: dt.datetime, duration, unit: str = "working_day") -> dt.datetime:
    return WorkingCalendar.load().due_at(received_at, duration, unit)


# --- The year at a glance (calendar admin) ----------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    """One exception to the Monday-Friday week in a year."""

    date: dt.date
    name: str
    is_working_day: bool  # False: a day off
    source: str  # "national" (holidays package) or "override" (CalendarOverride)
    override_id: int | None = None
    replaces: str = ""  # the national entry an override supersedes on the same date


def year_days(year: int, *, language: str = "vi") -> list[CalendarDay]:
    """The public holidays and make-up working days of `year` from the `holidays`
    package, and the admin overrides, which win on the same date (as in
    `WorkingCalendar`); by date. Holiday names in Vietnamese, or in English for
    any other `language`."""
    from procedures.models import CalendarOverride

    national = holidays.VN(years=year, language="vi" if language == "vi" else "en_US")
    days = {
        day: CalendarDay(date=day, name=name, is_working_day=False, source="national")
        for day, name in national.items()
    }
    for day in national.weekend_workdays:
        if day.year == year:
            days[day] = CalendarDay(date=day, name="", is_working_day=True, source="national")
    for override in CalendarOverride.objects.filter(date__year=year):
        previous = days.get(override.date)
        days[override.date] = CalendarDay(
            date=override.date,
            name=override.name,
            is_working_day=override.kind == CalendarOverride.Kind.WORKING_DAY,
            source="override",
            override_id=override.pk,
            replaces=previous.name if previous else "",
        )
    return [days[day] for day in sorted(days)]


def working_days_in_year(year: int, calendar: WorkingCalendar | None = None) -> int:
    calendar = calendar or WorkingCalendar.load()
    day, end, count = dt.date(year, 1, 1), dt.date(year, 12, 31), 0
    while day <= end:
        count += calendar.is_working_day(day)
        day += dt.timedelta(days=1)
    return count
