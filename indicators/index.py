"""The Decision 766/QĐ-TTg service index, scored from the data in `IndexVersion`.

Each component earns max_points * min(1, rate / target), rate = numerator /
denominator over the period's figures. A component whose figures MotCua does not have
earns nothing and says "not available"; so does one with nothing to count (a zero
denominator). The total is the sum of what could be scored, and the ranking is read
on that total scaled to the points that could be scored, so an agency is not ranked
"weak" for data MotCua does not collect; the pages show both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from indicators.figures import FIGURES, Figures, evaluate, terms
from indicators.models import IndexComponent, IndexGroup, IndexVersion

TWO = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


def version_for(day: dt.date) -> IndexVersion | None:
    """The edition in force on `day`, with its groups, components and bands (4 queries)."""
    return (
        IndexVersion.objects.filter(valid_from__lte=day)
        .prefetch_related(
            Prefetch(
                "groups",
                IndexGroup.objects.prefetch_related(
                    Prefetch("components", IndexComponent.objects.order_by("position", "id"))
                ).order_by("position", "id"),
            ),
            "bands",
        )
        .order_by("-valid_from")
        .first()
    )


@dataclass
class ComponentScore:
    component: IndexComponent
    numerator: int | None
    denominator: int | None
    rate: Decimal | None
    points: Decimal | None

    @property
    def available(self) -> bool:
        return self.points is not None

    @property
    def formula(self) -> str:
        c = self.component

        def words(expression):
            return " + ".join(str(FIGURES.get(t, t)) for t in terms(expression))

        target = "" if c.target == 1 else _(" ÷ target %(t)s%%") % {"t": _q(c.target * 100)}
        return _("%(points)s × min(1, (%(num)s) ÷ (%(den)s)%(target)s)") % {  # noqa: RUF001
            "points": c.max_points,
            "num": words(c.numerator) or "—",
            "den": words(c.denominator) or "—",
            "target": target,
        }


@dataclass
class GroupScore:
    group: IndexGroup
    components: list[ComponentScore]

    @property
    def points(self) -> Decimal:
        return sum((c.points for c in self.components if c.available), Decimal(0))

    @property
    def measurable(self) -> Decimal:
        return sum((c.component.max_points for c in self.components if c.available), Decimal(0))


@dataclass
class IndexScore:
    version: IndexVersion
    groups: list[GroupScore]
    band: object | None

    @property
    def total(self) -> Decimal:
        return sum((g.points for g in self.groups), Decimal(0))

    @property
    def measurable(self) -> Decimal:
        return sum((g.measurable for g in self.groups), Decimal(0))

    @property
    def maximum(self) -> Decimal:
        return sum((g.group.max_points for g in self.groups), Decimal(0))

    @property
    def scaled(self) -> Decimal | None:
        """The total out of 100 points of what could be measured (for the ranking)."""
        if not self.measurable:
            return None
        return _q(self.total * self.maximum / self.measurable)

    def group_points(self) -> dict[str, Decimal]:
        return {g.group.code: g.points for g in self.groups}


def score_component(component: IndexComponent, figures: Figures) -> ComponentScore:
    numerator = evaluate(component.numerator, figures)
    denominator = evaluate(component.denominator, figures)
    if numerator is None or not denominator:
        return ComponentScore(component, numerator, denominator, None, None)
    rate = Decimal(numerator) / Decimal(denominator)
    earned = min(Decimal(1), rate / component.target) * component.max_points
    return ComponentScore(component, numerator, denominator, _q(rate * 100), _q(earned))


def band_for(version: IndexVersion, points: Decimal | None):
    if points is None:
        return None
    for band in sorted(version.bands.all(), key=lambda b: b.min_points, reverse=True):
        if points >= band.min_points:
            return band
    return None


def score(version: IndexVersion | None, figures: Figures) -> IndexScore | None:
    if version is None:
        return None
    groups = [
        GroupScore(group, [score_component(c, figures) for c in group.components.all()])
        for group in version.groups.all()
    ]
    result = IndexScore(version, groups, None)
    result.band = band_for(version, result.scaled)
    return result
