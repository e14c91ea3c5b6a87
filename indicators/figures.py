"""The figures of a period, from the summed summary rows, and their vocabulary.

`Figures` holds the sums and derives the rates; `FIGURES` names every figure an index
component may use in its numerator or denominator. A figure MotCua has no data for
(feedback until the feedback app reports it, the catalogue's publication) resolves to
None, and a component that names it is "not available".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from indicators.models import COUNTERS


def _ratio(part, whole) -> float | None:
    return None if not whole else part / whole


@dataclass
class Figures:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    hist: dict[int, int] = field(default_factory=dict)
    # Extra figures from other sources (feedback): name -> value or None.
    extra: dict[str, int | None] = field(default_factory=dict)

    def add(self, row: dict) -> None:
        for name in COUNTERS:
            self.counts[name] += row.get(name) or 0

    def add_hist(self, days: int, n: int) -> None:
        self.hist[days] = self.hist.get(days, 0) + n

    def __getattr__(self, name):
        counts = self.__dict__.get("counts")
        if counts is not None and name in counts:
            return counts[name]
        raise AttributeError(name)

    # --- derived figures --------------------------------------------------------------

    @property
    def finished(self) -> int:
        c = self.counts
        return c["finished_early"] + c["finished_on_time"] + c["finished_late"]

    @property
    def finished_in_time(self) -> int:
        return self.counts["finished_early"] + self.counts["finished_on_time"]

    @property
    def in_progress(self) -> int:
        return self.counts["open_on_time"] + self.counts["open_overdue"]

    @property
    def received_online(self) -> int:
        return self.counts["received"] - self.counts["paper_received"]

    @property
    def on_time_rate(self) -> float | None:
        return _ratio(self.finished_in_time, self.finished)

    @property
    def online_rate(self) -> float | None:
        return _ratio(self.received_online, self.counts["received"])

    @property
    def online_payment_rate(self) -> float | None:
        return _ratio(self.counts["payments_online"], self.counts["payments_paid"])

    @property
    def digitisation_rate(self) -> float | None:
        return _ratio(self.counts["digitised"], self.counts["paper_received"])

    @property
    def electronic_result_rate(self) -> float | None:
        return _ratio(self.counts["results_electronic"], self.finished)

    @property
    def average_days(self) -> float | None:
        return _ratio(self.counts["days_used"], self.counts["timed_finished"])

    @property
    def average_allotted(self) -> float | None:
        return _ratio(self.counts["days_allotted"], self.counts["timed_finished"])

    @property
    def p90_days(self) -> int | None:
        """The smallest number of working days within which 90% finished (nearest rank)."""
        total = sum(self.hist.values())
        if not total:
            return None
        rank = -(-9 * total // 10)  # ceil(0.9 * total)
        seen = 0
        for days in sorted(self.hist):
            seen += self.hist[days]
            if seen >= rank:
                return days
        return None  # pragma: no cover - the loop reaches the total

    @property
    def supplements(self) -> int:
        return self.counts["supplement_on_time"] + self.counts["supplement_late"]

    @property
    def apologies(self) -> int:
        return self.counts["apology_on_time"] + self.counts["apology_late"]

    @property
    def transfers(self) -> int:
        return self.counts["transfer_on_time"] + self.counts["transfer_late"]

    @property
    def satisfaction(self) -> float | None:
        """Average overall rating, 1 to 5."""
        return _ratio(self.counts["rating_sum"], self.counts["ratings"])

    @property
    def good_rating_rate(self) -> float | None:
        return _ratio(self.counts["rating_good"], self.counts["ratings"])

    @property
    def distribution(self) -> list[tuple[int, int]]:
        return [(score, self.counts[f"rating_{score}"]) for score in range(1, 6)]

    def value(self, name: str) -> int | None:
        """A figure of the vocabulary by name; None when MotCua has no data for it."""
        if name in self.extra:
            return self.extra[name]
        if name in DERIVED:
            return getattr(self, name)
        if name in self.counts:
            return self.counts[name]
        return None


DERIVED = ("finished", "finished_in_time", "in_progress", "received_online")

# Every figure a component may name, with what it counts. Those outside the summary
# (feedback, catalogue) come from `indicators.sources` and may be unavailable.
FIGURES = {
    "received": _("dossiers received"),
    "received_online": _("dossiers received online"),
    "paper_received": _("dossiers received on paper (desk or post)"),
    "digitised": _("paper dossiers digitised at receipt"),
    "finished": _("dossiers finished (result returned)"),
    "finished_in_time": _("dossiers finished early or on time"),
    "finished_early": _("dossiers finished early"),
    "finished_on_time": _("dossiers finished on time"),
    "finished_late": _("dossiers finished late"),
    "results_electronic": _("finished dossiers with an electronic result"),
    "in_progress": _("dossiers in progress"),
    "open_overdue": _("dossiers in progress and overdue"),
    "open_on_time": _("dossiers in progress on time"),
    "payments_paid": _("payments made"),
    "payments_online": _("payments made online"),
    "ratings": _("satisfaction ratings"),
    "rating_good": _("good ratings (4 or 5 of 5)"),
    "feedback_total": _("feedback received (phản ánh, kiến nghị)"),
    "feedback_on_time": _("feedback answered on time"),
    "feedback_satisfied": _("feedback whose answer satisfied the sender"),
    "procedures_published": _("procedures published on time"),
    "procedures_total": _("procedures in the catalogue"),
}

_TERM = re.compile(r"\s*\+\s*")


@lru_cache(maxsize=512)
def _terms(expression: str) -> tuple[str, ...]:
    return tuple(t for t in _TERM.split(expression.strip()) if t) if expression.strip() else ()


def terms(expression: str) -> list[str]:
    # Parsed once per formula: a page scores every unit with the same few formulas.
    return list(_terms(expression))


def unknown_names(expression: str) -> list[str]:
    return [t for t in terms(expression) if t not in FIGURES]


def evaluate(expression: str, figures: Figures) -> int | None:
    """The sum of the named figures; None when any of them is unavailable."""
    names = _terms(expression)
    if not names:
        return None
    total = 0
    for name in names:
        value = figures.value(name)
        if value is None:
            return None
        total += value
    return total


def as_percent(rate: float | None) -> Decimal | None:
    return None if rate is None else Decimal(str(round(rate * 100, 1)))
