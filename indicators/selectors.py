"""Reads of the statistics: who sees which agencies, and the figures of a period as
indexed aggregates over the summary tables (`MonthlyStat` for whole months, `DailyStat`
for the other days and the stock), never over the log.

Roll-up: an agency's figures are those of the dossiers received or decided by it or
by any unit below it. Each summary row is credited once to every agency above (and
at) its receiving and competent agencies, so a dossier received by one ward and
decided by a department counts for both, and once for the city.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection
from django.db.models import Max

from indicators import memo
from indicators.figures import Figures
from indicators.models import COUNTERS, SNAPSHOT, RefreshedDay
from indicators.periods import Period

FLOWS = tuple(c for c in COUNTERS if c not in SNAPSHOT)


# --- the agency tree -------------------------------------------------------------------


@dataclass
class Node:
    id: int
    code: str
    name: str
    parent_id: int | None


@dataclass
class Tree:
    nodes: dict[int, Node]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    def subtree(self, agency_id: int) -> set[int]:
        found, frontier = {agency_id}, [agency_id]
        while frontier:
            nxt = [c for a in frontier for c in self.children.get(a, ()) if c not in found]
            found.update(nxt)
            frontier = nxt
        return found

    def ancestors(self, agency_id: int) -> list[int]:
        """The agency and every agency above it (a cycle in bad data stops the walk)."""
        chain, node = [], self.nodes.get(agency_id)
        while node is not None and node.id not in chain:
            chain.append(node.id)
            node = self.nodes.get(node.parent_id) if node.parent_id else None
        return chain

    def subtrees(self) -> dict[int, set[int]]:
        """Every agency's subtree at once (one walk, not one walk per agency)."""
        found: dict[int, set[int]] = {}

        def walk(agency_id: int) -> set[int]:
            below = {agency_id}
            for child in self.children.get(agency_id, ()):
                if child not in found:
                    below |= walk(child)
            found[agency_id] = below
            return below

        for root in self.roots:
            walk(root)
        return found

    @property
    def roots(self) -> list[int]:
        return self.children.get(None, [])

    @cached_property
    def signature(self) -> str:
        """Changes when an agency is added, moved, renamed or deactivated: part of the
        key of the figures remembered per scope (`indicators.memo`)."""
        return memo.key_of(
            *(f"{n.id}:{n.parent_id}:{n.code}:{n.name}" for n in self.nodes.values())
        )

    def by_code(self, code: str) -> Node | None:
        for node in self.nodes.values():
            if node.code == code:
                return node
        return None


def agency_tree() -> Tree:
    """Every active agency, in one query (ordered by code, children in that order)."""
    from procedures.models import Agency

    nodes = {
        pk: Node(pk, code, name, parent)
        for pk, code, name, parent in Agency.objects.filter(is_active=True)
        .order_by("code")
        .values_list("pk", "code", "name", "parent_id")
    }
    tree = Tree(nodes)
    for node in nodes.values():
        parent = node.parent_id if node.parent_id in nodes else None
        tree.children.setdefault(parent, []).append(node.id)
    return tree


# --- who sees what ---------------------------------------------------------------------

CITY_PERMISSION = "indicators.view_city_statistics"


@dataclass
class StatisticsScope:
    """The agencies whose statistics an official sees: `city` (every agency), or the
    agencies where they are a leader or an agency administrator and every unit below."""

    city: bool
    roots: list[int]
    ids: set[int]

    @property
    def allowed(self) -> bool:
        return self.city or bool(self.ids)

    def sees(self, agency_id: int | None) -> bool:
        return self.city if agency_id is None else (self.city or agency_id in self.ids)


def statistics_scope(user, tree: Tree) -> StatisticsScope:
    from identity import permissions
    from identity.constants import OfficialRole

    if user.is_superuser or user.has_perm(CITY_PERMISSION):
        return StatisticsScope(True, list(tree.roots), set(tree.nodes))
    held = {
        agency_id
        for agency_id, _code, role in permissions.agency_roles(user)
        if role in (OfficialRole.LEADER, OfficialRole.AGENCY_ADMIN) and agency_id in tree.nodes
    }
    ids: set[int] = set()
    for agency_id in held:
        ids |= tree.subtree(agency_id)
    # A held agency below another held one is already inside its subtree.
    roots = [a for a in sorted(held, key=lambda a: tree.nodes[a].code) if not any(
        b != a and b in tree.ancestors(a) for b in held
    )]  # fmt: skip
    return StatisticsScope(False, roots, ids)


# --- figures ---------------------------------------------------------------------------


GROUPS = ("pair", "field", "procedure", "day", "month", "channel")


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def pieces(period: Period, *, by_day: bool = False) -> list[tuple[str, dt.date, dt.date]]:
    """Where a period's flows are read: ("month", first, last month) for the whole
    months it covers (`MonthlyStat`), ("day", first, last day) for the days of its
    partial months (`DailyStat`). Every day is in one piece exactly."""
    if by_day:
        return [("day", period.start, period.end)]
    first = period.start if period.start.day == 1 else _next_month(period.start)
    # The first day after the last whole month.
    after = _month_start(period.end + dt.timedelta(days=1))
    if first >= after:
        return [("day", period.start, period.end)]
    out = []
    if period.start < first:
        out.append(("day", period.start, first - dt.timedelta(days=1)))
    last_month = _month_start(after - dt.timedelta(days=1))
    out.append(("month", first, last_month))
    if after <= period.end:
        out.append(("day", after, period.end))
    return out


# What each group reads from a summary row, by piece kind: the key's SQL expressions.
_KEY_SQL = {
    "pair": ("s.receiving_agency_id", "s.competent_agency_id"),
    "field": ("s.field_id",),
    "procedure": ("s.procedure_id",),
    "channel": ("s.channel",),
}
_TABLES = {"month": ("indicators_monthlystat", "month"), "day": ("indicators_dailystat", "day")}
_FILTERS = ("field_id", "procedure_id", "channel")


def _key_sql(group: str, kind: str) -> tuple[str, ...]:
    if group == "day":
        return ("s.day",)
    if group == "month":
        return ("s.month",) if kind == "month" else ("date_trunc('month', s.day)::date",)
    return _KEY_SQL[group]


def _where(agency_ids, filters: dict) -> tuple[str, list]:
    """The summary rows of the scope: received or decided by one of `agency_ids` (one
    index per side, a bitmap OR), with the whitelisted `filters`."""
    sql, params = [], []
    if agency_ids is not None:
        ids = list(agency_ids)
        sql.append("(s.receiving_agency_id = ANY(%s) OR s.competent_agency_id = ANY(%s))")
        params += [ids, ids]
    for name, value in filters.items():
        if name not in _FILTERS:
            raise ValueError(name)
        sql.append(f"s.{name} = %s")
        params.append(value)
    return "".join(f" AND {part}" for part in sql), params


def _key_names(group) -> list[str]:
    """The columns a UNION ALL of summary rows names the grouping key by."""
    return [f"k{i}" for i in range(len(_key_sql(group, "day")))]


def _key_columns(group, kind) -> list[str]:
    """The grouping key of one summary table's rows, as the columns `_key_names`."""
    return [f"{e} AS k{i}" for i, e in enumerate(_key_sql(group, kind))]


def _flows_and_stock(group, parts, stock_day, agency_ids, filters) -> tuple[str, list]:
    """One statement for the period's flows (each piece a branch of a UNION ALL) and
    the stock of its last day, summed per key: one round trip and one plan instead of
    one per piece, and one row per key for Python to read."""
    keys = _key_names(group)
    where, where_params = _where(agency_ids, filters)
    branches, params = [], []
    for kind, lo, hi in parts:
        table, date = _TABLES[kind]
        cols = _key_columns(group, kind)
        cols += [f"s.{name}" for name in FLOWS] + [f"0 AS {name}" for name in SNAPSHOT]
        branches.append(
            f"SELECT {', '.join(cols)} FROM {table} s "  # noqa: S608 - whitelisted names
            f"WHERE s.{date} BETWEEN %s AND %s{where}"
        )
        params += [lo, hi, *where_params]
    if stock_day is not None:
        cols = _key_columns(group, "day")
        cols += [f"0 AS {name}" for name in FLOWS] + [f"s.{name}" for name in SNAPSHOT]
        branches.append(
            f"SELECT {', '.join(cols)} FROM indicators_dailystat s "  # noqa: S608
            f"WHERE s.day = %s{where}"
        )
        params += [stock_day, *where_params]
    sums = ", ".join(f"sum({name})::int" for name in (*FLOWS, *SNAPSHOT))
    by = ", ".join(keys)
    sql = (
        f"SELECT {by}, {sums} FROM ({' UNION ALL '.join(branches)}) t "  # noqa: S608
        f"GROUP BY {by} ORDER BY {by}"
    )
    return sql, params


def aggregate(
    *,
    period: Period,
    agency_ids: set[int] | None,
    group: str = "pair",
    stock: bool = True,
    hist: bool = True,
    filters: dict | None = None,
    today: dt.date | None = None,
) -> dict[tuple, Figures]:
    """Figures of the period per group (`pair` of agencies, `field`, `procedure`,
    `day`, `month`, `channel`), for the dossiers of `agency_ids` (None: the whole
    city). The flows of the period's whole months come from `MonthlyStat` and those of
    its other days from `DailyStat` (`pieces`: at most three ranges, each an indexed
    range read); the stock from its last day; all summed per key by the database in
    one statement. The histogram likewise, in a second one."""
    if group not in GROUPS:
        raise ValueError(group)
    filters = filters or {}
    parts = pieces(period, by_day=group == "day")
    stock_day = period.last_day(today) if stock and group != "month" else None
    sql, params = _flows_and_stock(group, parts, stock_day, agency_ids, filters)
    n = len(_key_sql(group, "day"))
    names = (*FLOWS, *SNAPSHOT)
    out: dict[tuple, Figures] = defaultdict(Figures)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            figures = out[tuple(row[:n])]
            figures.counts.update(zip(names, row[n:], strict=True))
    if hist:
        _add_hist(out, group, parts, agency_ids, filters)
    return out


def _add_hist(out, group, parts, agency_ids, filters) -> None:
    """The working days of the finished dossiers, per key and number of days, from the
    rows' `days_hist` (only rows that finished something carry one)."""
    if group in ("month", "day"):
        raise ValueError("no histogram per day or month")
    keys = _key_names(group)
    n = len(keys)
    where, where_params = _where(agency_ids, filters)
    branches, params = [], []
    for kind, lo, hi in parts:
        table, date = _TABLES[kind]
        cols = ", ".join(_key_columns(group, kind))
        branches.append(
            f"SELECT {cols}, kv.key::int AS days, kv.value::int AS n "  # noqa: S608
            f"FROM {table} s, jsonb_each_text(s.days_hist) kv "
            f"WHERE s.{date} BETWEEN %s AND %s AND s.timed_finished > 0{where}"
        )
        params += [lo, hi, *where_params]
    by = ", ".join(keys)
    sql = (
        f"SELECT {by}, days, sum(n)::int FROM ({' UNION ALL '.join(branches)}) t "  # noqa: S608
        f"GROUP BY {by}, days"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            out[tuple(row[:n])].add_hist(row[n], row[n + 1])


def total(by_pair: dict[tuple, Figures]) -> Figures:
    """The figures of everything in `by_pair` (each row once)."""
    result = Figures()
    for figures in by_pair.values():
        _merge(result, figures)
    return result


def _merge(into: Figures, other: Figures) -> None:
    into.add(other.counts)
    for days, n in other.hist.items():
        into.add_hist(days, n)


def rolled_up(
    by_pair: dict[tuple, Figures], tree: Tree, agency_ids: list[int]
) -> dict[int, Figures]:
    """Each listed agency's figures, with every unit below it: a pair is credited to
    every listed agency above its receiving or its competent agency, once."""
    wanted = set(agency_ids)
    out = {a: Figures() for a in agency_ids}
    for (recv, comp), figures in by_pair.items():
        credited = (set(tree.ancestors(recv)) | set(tree.ancestors(comp))) & wanted
        for agency_id in credited:
            _merge(out[agency_id], figures)
    return out


def refreshed_at(period: Period):
    """When the period's figures were last refreshed, or None when none of its days was."""
    found = RefreshedDay.objects.filter(day__gte=period.start, day__lte=period.end)
    return found.aggregate(at=Max("refreshed_at"))["at"]
