"""What the statistics pages, their export, `/minh-bach/` and its JSON show: built
from a bounded number of aggregate queries over the summary table, whatever the
number of dossiers (the agency tree, three per grouping, the index edition)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from indicators import index, memo, selectors, sources
from indicators.figures import Figures
from indicators.periods import Period
from indicators.selectors import Node, Tree

# Long periods are charted by month, short ones by day.
DAILY_TREND_MAX_DAYS = 62
TOP_PROCEDURES = 50
PUBLIC_CACHE_SECONDS = 600


@dataclass
class Line:
    """One row of a table: an agency, a field or a procedure, with its figures."""

    key: object
    label: str
    figures: Figures
    score: index.IndexScore | None = None
    code: str = ""


@dataclass
class Report:
    period: Period
    agency: Node | None
    figures: Figures
    score: index.IndexScore | None
    units: list[Line] = field(default_factory=list)
    fields: list[Line] = field(default_factory=list)
    procedures: list[Line] = field(default_factory=list)
    trend: list[tuple[str, int, int]] = field(default_factory=list)
    refreshed_at: dt.datetime | None = None
    feedback_available: bool = False


def _with_external(figures: Figures, agency_ids, period: Period, feedback) -> Figures:
    """`feedback` is `sources.feedback_by_agency` for the period: read once a report."""
    figures.extra = sources.external_figures(
        agency_ids=agency_ids, start=period.start, end=period.end, feedback=feedback
    )
    return figures


def _names(model, ids) -> dict[int, str]:
    return dict(model.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


def _trend(period: Period, agency_ids) -> list[tuple[str, int, int]]:
    monthly = period.days > DAILY_TREND_MAX_DAYS
    by_key = selectors.aggregate(
        period=period,
        agency_ids=agency_ids,
        group="month" if monthly else "day",
        stock=False,
        hist=False,
    )
    buckets: dict[str, list[int]] = {}
    day = period.start
    while day <= period.end:
        label = f"{day:%m/%Y}" if monthly else f"{day:%d/%m}"
        fresh = label not in buckets
        bucket = buckets.setdefault(label, [0, 0])
        figures = by_key.get((day.replace(day=1),) if monthly else (day,))
        if figures is not None and (fresh or not monthly):
            bucket[0] += figures.counts["received"]
            bucket[1] += figures.finished
        day += dt.timedelta(days=1)
    return [(label, r, f) for label, (r, f) in buckets.items()]


def statistics_report(
    *, period: Period, agency_id: int | None, tree: Tree, detail: bool = True
) -> Report:
    """The figures of `agency_id` with every unit below it (None: the whole city) and
    one line per unit directly below it; with `detail`, per field, per procedure and
    the trend. What comes from the summary tables is remembered until the next refresh
    (`indicators.memo`); the feedback figures and the index are added on every call."""
    summary = memo.remembered(
        "report",
        summary_parts(period, agency_id, tree, detail),
        lambda: _summary_report(period=period, agency_id=agency_id, tree=tree, detail=detail),
    )
    version = index.version_for(period.end)
    feedback = sources.feedback_by_agency(period.start, period.end)
    ids = tree.subtree(agency_id) if agency_id is not None else None
    summary.figures = _with_external(summary.figures, ids, period, feedback)
    summary.score = index.score(version, summary.figures)
    for line in summary.units:
        line.figures = _with_external(line.figures, tree.subtree(line.key), period, feedback)
        line.score = index.score(version, line.figures)
    return summary


def summary_parts(period: Period, agency_id: int | None, tree: Tree, detail: bool = True) -> tuple:
    """What the summary part of a report depends on, besides the refresh (for
    `memo.remembered`, and for the page's fragments drawn from it alone)."""
    return (agency_id, period.start, period.end, detail, today(), tree.signature)


def _summary_report(*, period: Period, agency_id: int | None, tree: Tree, detail: bool) -> Report:
    """The part of `statistics_report` read from the summary tables."""
    from procedures.models import Field, Procedure

    ids = tree.subtree(agency_id) if agency_id is not None else None
    by_pair = selectors.aggregate(period=period, agency_ids=ids)
    below = tree.children.get(agency_id, []) if agency_id is not None else tree.roots
    rolled = selectors.rolled_up(by_pair, tree, below)
    units = [
        Line(unit_id, tree.nodes[unit_id].name, rolled[unit_id], None, tree.nodes[unit_id].code)
        for unit_id in below
    ]
    report = Report(
        period=period,
        agency=tree.nodes.get(agency_id) if agency_id is not None else None,
        figures=selectors.total(by_pair),
        score=None,
        units=units,
        refreshed_at=selectors.refreshed_at(period),
        feedback_available=sources.feedback_available(),
    )
    if not detail:
        return report
    by_field = selectors.aggregate(period=period, agency_ids=ids, group="field", hist=False)
    names = _names(Field, [k[0] for k in by_field])
    report.fields = sorted(
        (Line(k[0], names.get(k[0], "—"), f) for k, f in by_field.items()),
        key=lambda line: -line.figures.counts["received"],
    )
    by_proc = selectors.aggregate(period=period, agency_ids=ids, group="procedure", hist=False)
    top = sorted(by_proc.items(), key=lambda kv: -kv[1].counts["received"])[:TOP_PROCEDURES]
    names = _names(Procedure, [k[0] for k, _f in top])
    report.procedures = [Line(k[0], names.get(k[0], "—"), f) for k, f in top]
    report.trend = _trend(period, ids)
    return report


# --- the public figures ----------------------------------------------------------------


def _pct(rate) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _num(value) -> float | None:
    return None if value is None else float(value)


def public_figures(figures: Figures, score: index.IndexScore | None) -> dict:
    """The public shape of one agency's (or the city's) figures: counts and rates,
    no dossier and no person. Rates are percentages with one decimal, null when there
    is nothing to divide."""
    satisfaction = figures.satisfaction
    return {
        "received": figures.counts["received"],
        "finished": figures.finished,
        "finished_on_time": figures.finished_in_time,
        "on_time_rate": _pct(figures.on_time_rate),
        "online_rate": _pct(figures.online_rate),
        "satisfaction": {
            "average": None if satisfaction is None else round(satisfaction, 2),
            "good_rate": _pct(figures.good_rating_rate),
            "ratings": figures.counts["ratings"],
        },
        "index": None
        if score is None
        else {
            "total": _num(score.total),
            "measurable": _num(score.measurable),
            "scaled": _num(score.scaled),
            "ranking": score.band.name if score.band else None,
            "groups": {g.group.code: _num(g.points) for g in score.groups},
        },
    }


def _walk(tree: Tree, parent, depth=0):
    for agency_id in tree.children.get(parent, []):
        yield agency_id, depth
        yield from _walk(tree, agency_id, depth + 1)


def public_report(period: Period) -> dict:
    """The city and every agency with the units below it, in tree order, as plain
    data (the page and the JSON show the same). Remembered for PUBLIC_CACHE_SECONDS per
    period and language, or until the next refresh of the summary
    (`indicators.memo`)."""
    from django.utils.translation import get_language

    return memo.remembered(
        "public",
        (period.start, period.end, get_language(), today()),
        lambda: _public_report(period),
        ttl=PUBLIC_CACHE_SECONDS,
    )


def _public_report(period: Period) -> dict:
    tree = selectors.agency_tree()
    version = index.version_for(period.end)
    # No percentile is published: no histogram.
    by_pair = selectors.aggregate(period=period, agency_ids=None, hist=False)
    order = list(_walk(tree, None))
    rolled = selectors.rolled_up(by_pair, tree, [a for a, _d in order])
    feedback = sources.feedback_by_agency(period.start, period.end)
    city = _with_external(selectors.total(by_pair), None, period, feedback)
    subtrees = tree.subtrees()
    agencies = []
    for agency_id, depth in order:
        node = tree.nodes[agency_id]
        figures = _with_external(rolled[agency_id], subtrees[agency_id], period, feedback)
        agencies.append(
            {
                "code": node.code,
                "name": node.name,
                "depth": depth,
                **public_figures(figures, index.score(version, figures)),
            }
        )
    refreshed = selectors.refreshed_at(period)
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "updated_at": refreshed.isoformat() if refreshed else None,
        "index_groups": []
        if version is None
        else [
            {"code": g.code, "name": g.name, "points": _num(g.max_points)}
            for g in version.groups.all()
        ],
        "city": public_figures(city, index.score(version, city)),
        "agencies": agencies,
    }


def today() -> dt.date:
    return timezone.localdate()
