"""Dates as Vietnamese people write them, day first with slashes (15/03/1990), wherever
Django formats one without an explicit format: unfiltered template values, admin
lists, `date_format(..., "SHORT_DATE_FORMAT")`. Django's own Vietnamese formats spell
the date out ("Ngày 15 tháng 3 năm 1990") or use dashes (15-03-1990). Everything not
set here (number separators, month names) stays Django's Vietnamese."""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
YEAR_MONTH_FORMAT = "m/Y"
MONTH_DAY_FORMAT = "d/m"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
FIRST_DAY_OF_WEEK = 1  # Monday
# The first input format is also how a date widget without its own format renders its
# value, and <input type="date"> needs the ISO form: it stays first. A typed date
# is read day first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
