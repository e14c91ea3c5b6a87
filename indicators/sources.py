"""Where the statistics read what other apps own: ONE function per source, so that a
change in that app (the rating becoming evaluations per moment; the feedback app
arriving) is adapted here and nowhere else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

# The figures the feedback app will report; None until it exists.
FEEDBACK_FIGURES = ("feedback_total", "feedback_on_time", "feedback_satisfied")
# What the catalogue does not record (when a procedure was published against its due
# date): never invented.
CATALOGUE_FIGURES = ("procedures_published", "procedures_total")

# A rating of 4 or 5 (of 5) is a good one.
GOOD_RATING = 4


def satisfaction_rows(start: dt.datetime, end: dt.datetime) -> Iterable[tuple[int, int]]:
    """(dossier id, overall score 1-5) of the ratings given in [start, end)."""
    from dossiers.models import Rating

    return Rating.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "dossier_id", "overall"
    )


def feedback_counts(*, agency_ids: set[int] | None, start: dt.date, end: dt.date) -> dict:
    """Feedback figures of these agencies (None: the whole city) in the period, each
    None while MotCua has no feedback data: the pages then say "not available"."""
    return dict.fromkeys(FEEDBACK_FIGURES)


def catalogue_counts(*, agency_ids: set[int] | None, start: dt.date, end: dt.date) -> dict:
    return dict.fromkeys(CATALOGUE_FIGURES)


def external_figures(*, agency_ids: set[int] | None, start: dt.date, end: dt.date) -> dict:
    return {
        **feedback_counts(agency_ids=agency_ids, start=start, end=end),
        **catalogue_counts(agency_ids=agency_ids, start=start, end=end),
    }


def feedback_available() -> bool:
    return False
