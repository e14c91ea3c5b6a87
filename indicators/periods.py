"""Periods of the statistics: a day, week, month, quarter, year or custom range, read
from the query string with a clear message when the input is wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS = {
    "day": gettext_lazy("Day"),
    "week": gettext_lazy("Week"),
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "year": gettext_lazy("Year"),
    "custom": gettext_lazy("Custom"),
}
# A custom range longer than this is refused: ten years of days is already generous.
MAX_DAYS = 3660


class PeriodError(ValueError):
    """Bad period input; the message is for people."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    kind: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def last_day(self, today: dt.date | None = None) -> dt.date:
        """The period's last day, but not after today (the stock of "in progress")."""
        today = today or timezone.localdate()
        return min(self.end, today)

    def __str__(self) -> str:
        if self.start == self.end:
            return self.start.strftime("%d/%m/%Y")
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"  # noqa: RUF001


# Dates outside these years are typing mistakes (and the last days of year 9999 have
# no next day to end a period on).
YEARS = (2000, 2100)


def parse_date(value: str, label: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise PeriodError(
            _("%(label)s must be a date written YYYY-MM-DD, not “%(value)s”.")
            % {"label": label, "value": str(value)[:40]}
        ) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise PeriodError(
            _("%(label)s must be between the years %(first)d and %(last)d.")
            % {"label": label, "first": YEARS[0], "last": YEARS[1]}
        )
    return day


def period_of(kind: str, anchor: dt.date) -> Period:
    """The day, week (Monday first), month, quarter or year containing `anchor`."""
    if kind == "day":
        return Period(anchor, anchor, kind)
    if kind == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return Period(start, start + dt.timedelta(days=6), kind)
    if kind == "month":
        start = anchor.replace(day=1)
    elif kind == "quarter":
        start = anchor.replace(month=3 * ((anchor.month - 1) // 3) + 1, day=1)
    elif kind == "year":
        return Period(anchor.replace(month=1, day=1), anchor.replace(month=12, day=31), kind)
    else:
        raise PeriodError(_("Unknown period “%s”.") % str(kind)[:20])
    months = 1 if kind == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    end = start.replace(year=start.year + year, month=month + 1) - dt.timedelta(days=1)
    return Period(start, end, kind)


def custom(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise PeriodError(_("The end date is before the start date."))
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError(_("Choose a period of at most %d days.") % MAX_DAYS)
    return Period(start, end, "custom")


def from_query(data, *, default_kind: str = "month", today: dt.date | None = None) -> Period:
    """`ky` (day/week/month/quarter/year/custom) with `ngay` (a day inside it), or
    `tu` and `den` (from, to; custom). Raises PeriodError with a message for people."""
    today = today or timezone.localdate()
    start, end = data.get("tu"), data.get("den")
    kind = data.get("ky") or ("custom" if start or end else default_kind)
    if kind not in KINDS:
        raise PeriodError(_("Unknown period “%s”.") % str(kind)[:20])
    if kind == "custom":
        if not start or not end:
            raise PeriodError(_("Give both the start and the end date of the period."))
        return custom(parse_date(start, _("The start date")), parse_date(end, _("The end date")))
    anchor = data.get("ngay")
    return period_of(kind, parse_date(anchor, _("The date")) if anchor else today)
