"""The working calendar as lookup tables, for the load generator: the same answers as
`procedures.calendar.WorkingCalendar` (the tests compare them), at a dictionary lookup
each. The generator asks tens of millions of them (appointments, pauses, apologies,
transfer and feedback deadlines), which the real calendar answers by walking days."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

from procedures.calendar import WorkingCalendar


class FastCalendar:
    def __init__(self, calendar: WorkingCalendar, first: dt.date, last: dt.date, tz):
        self.calendar = calendar
        self.hours = calendar.hours
        self.tz = tz
        self.first = first - dt.timedelta(days=60)
        self.last = last + dt.timedelta(days=3 * 366)
        self.days: list[dt.date] = []  # the working days of the range, in order
        self.working: set[dt.date] = set()
        day = self.first
        while day <= self.last:
            if calendar.is_working_day(day):
                self.days.append(day)
                self.working.add(day)
            day += dt.timedelta(days=1)
        self.ordinals = [d.toordinal() for d in self.days]

    def _rank(self, day: dt.date) -> int:
        """How many working days of the range are on or before `day`."""
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the generator's calendar")
        return bisect_right(self.ordinals, day.toordinal())

    def is_working_day(self, day: dt.date) -> bool:
        return day in self.working

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        return self.days[self._rank(day)]

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        rank = self._rank(start)
        # On a working day its own index is rank - 1; otherwise the next one's is rank.
        base = rank - 1 if start in self.working else rank
        return self.days[base + days]

    def working_day_before(self, day: dt.date, days: int) -> dt.date:
        """The working day `days` working days before `day`."""
        rank = self._rank(day)
        return self.days[(rank - 1 if day in self.working else rank) - days]

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end], as WorkingCalendar counts them."""
        if end <= start:
            return 0
        return self._rank(end) - self._rank(start)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=self.tz)

    def clock_start(self, moment: dt.datetime) -> dt.date:
        local = self.local(moment)
        day = local.date()
        if day in self.working and local.time() < self.hours.cutoff:
            return day
        return self.next_working_day(day)

    def due_at(self, moment: dt.datetime, days: int) -> dt.datetime:
        """`WorkingCalendar.due_at` for whole working days."""
        return self.at(self.add_working_days(self.clock_start(moment), days), self.hours.closing)
