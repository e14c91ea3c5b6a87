"""The English pages of a Vietnamese site write dates day first too (15/03/1990), as
the pages' explicit formats do and as the city reads them: "03/15/1990" beside
Vietnamese dates would be misread. Times on the 24-hour clock. Everything not set
here stays Django's English."""

DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
FIRST_DAY_OF_WEEK = 1  # Monday
# ISO first: a date widget without its own format renders its value in the first one,
# and <input type="date"> needs ISO. A typed date is read day first, never month first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
