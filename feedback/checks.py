"""FEEDBACK_ANSWER_DAYS comes from the environment: a bad value must stop the start,
not surface as an error when a citizen sends feedback."""

from django.conf import settings
from django.core import checks

# The calendar refuses longer spans (procedures.calendar.MAX_DAYS); a year is already
# far beyond any answer time a regulation sets.
MAX_ANSWER_DAYS = 365


@checks.register()
def check_feedback_settings(app_configs=None, **kwargs):
    days = getattr(settings, "FEEDBACK_ANSWER_DAYS", 10)
    if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= MAX_ANSWER_DAYS:
        return []
    return [
        checks.Error(
            f"FEEDBACK_ANSWER_DAYS must be a whole number of working days from 1 to "
            f"{MAX_ANSWER_DAYS}, not {days!r}.",
            hint="See docs/configuration.md.",
            id="motcua.E003",
        )
    ]
