"""Where the statistics read what other apps own: ONE function per source, so that a
change in that app (the rating becoming evaluations per moment; the feedback app
arriving) is adapted here and nowhere else."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

# The figures of the feedback app. Whether the sender was satisfied with an answer is
# not recorded: that one stays None ("not available").
FEEDBACK_FIGURES = ("feedback_total", "feedback_on_time", "feedback_satisfied")
# What the catalogue does not record (when a procedure was published against its due
# date): never invented.
CATALOGUE_FIGURES = ("procedures_published", "procedures_total")

# A rating of 4 or 5 (of 5) is a good one.
GOOD_RATING = 4


def satisfaction_rows(start: dt.datetime, end: dt.datetime) -> Iterable[tuple[int, int]]:
    """(dossier id, overall score 1-5) of the ratings given in [start, end)."""
    return ((pk, score) for pk, score, _at in satisfaction_rows_dated(start, end))


def satisfaction_rows_dated(
    start: dt.datetime, end: dt.datetime
) -> Iterable[tuple[int, int, dt.datetime]]:
    """(dossier id, overall score 1-5, when) of the ratings given in [start, end)."""
    from dossiers.models import Rating

    return Rating.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "dossier_id", "overall", "created_at"
    )


def feedback_by_agency(start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """The feedback figures of every agency in the period (one query), for
    `feedback_counts` to sum over each unit."""
    from feedback.selectors import feedback_counts_by_agency

    return feedback_counts_by_agency(start, end)


def feedback_counts(
    *, agency_ids: set[int] | None, start: dt.date, end: dt.date, by_agency=None
) -> dict:
    """Feedback figures of these agencies (None: the whole city) in the period: the
    items that were due an answer (answered in the period, or overdue now) and those
    answered on time. Satisfaction with the answers is not recorded (None).
    `by_agency` is `feedback_by_agency(start, end)` when the caller has it."""
    if by_agency is None:
        by_agency = feedback_by_agency(start, end)
    rows = [f for a, f in by_agency.items() if agency_ids is None or a in agency_ids]
    figures = {
        key: sum(f[key] for f in rows) for key in ("answered", "answered_on_time", "overdue_now")
    }
    return {
        "feedback_total": figures["answered"] + figures["overdue_now"],
        "feedback_on_time": figures["answered_on_time"],
        "feedback_satisfied": None,
    }


def catalogue_counts(*, agency_ids: set[int] | None, start: dt.date, end: dt.date) -> dict:
    return dict.fromkeys(CATALOGUE_FIGURES)


def external_figures(
    *, agency_ids: set[int] | None, start: dt.date, end: dt.date, feedback=None
) -> dict:
    return {
        **feedback_counts(agency_ids=agency_ids, start=start, end=end, by_agency=feedback),
        **catalogue_counts(agency_ids=agency_ids, start=start, end=end),
    }


def feedback_available() -> bool:
    return True
