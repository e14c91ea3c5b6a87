"""Counts that stay cheap at city scale.

An exact `COUNT(*)` visits every matching row: for the "all dossiers of my agencies"
tab of a busy ward that is tens of thousands of rows at 1 M dossiers and hundreds of
thousands at 10 M, on every page view. Above a threshold an estimate is as useful to
a person ("about 80 000") and costs one planner call: PostgreSQL's row estimate for
the same query, from the table statistics that autovacuum keeps current.

The page must say when a number is an estimate (`≈`): `count_or_estimate` returns
that flag with the number.
"""

from __future__ import annotations

import json

from django.db import connections
from django.db.models import QuerySet

EXACT_BELOW = 10_000


def estimated_count(qs: QuerySet) -> int:
    """The planner's estimate of how many rows `qs` returns (no rows are read)."""
    sql, params = qs.values("pk").query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_or_estimate(qs: QuerySet, *, exact_below: int = EXACT_BELOW) -> tuple[int, bool]:
    """(number, is_estimate): exact while the estimate is small, else the estimate."""
    estimate = estimated_count(qs)
    if estimate < exact_below:
        return qs.count(), False
    return estimate, True
