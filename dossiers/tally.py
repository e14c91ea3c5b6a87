"""The queue tally: how many open dossiers each agency pair has, per state, assignee
and local due day, kept by PostgreSQL itself.

Counting an agency's open dossiers on the dossier table is one aggregate that visits
every open dossier's heap row: a busy ward of a big city holds tens of thousands of
open ones on as many heap pages, and the cost grows with the work in progress. The
tally answers the same counts from a few hundred narrow rows per agency, whatever the
size.

How it stays exact:
- A row trigger on the dossier table (`Dossier.Meta.triggers`, migration 0009) adds a
  -1 row for the key a dossier leaves and a +1 row for the key it enters, in the
  transaction that changes it. Every writer is covered (services, admin, bulk updates,
  the load generator's COPY), and a rolled-back change leaves no trace.
- The trigger only inserts: no row of the tally is ever updated by a request, so two
  officials receiving at one agency never wait on a shared counter row (the reception
  renders the receipt inside its transaction; a locked counter row would be held that
  long).
- `compact` (Celery beat, every minute) folds the deltas of each key into one row, in
  one statement: rows inserted while it runs are not in its snapshot and stay for the
  next run. A key's sum is the count whatever the state of compaction; an idle beat
  only makes the reads a little longer.

Due days are local days in TALLY_ZONE. Days before yesterday are folded into one day
(LONG_OVERDUE) by the compaction: every tab treats them alike (overdue). Dossiers
with no appointment date, or in a state whose clock does not run, get NO_DUE_DAY,
which no due tab matches.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from dossiers.constants import OPEN_STATES, RUNNING

TALLY_ZONE = "Asia/Ho_Chi_Minh"
NO_DUE_DAY = dt.date(9999, 12, 31)
LONG_OVERDUE = dt.date(2000, 1, 1)
TABLE = "dossiers_queuetally"
# Any number, the same in every process: compactions run one at a time.
ADVISORY_LOCK = 0x7A11


def _sql_list(values) -> str:
    # Status values are fixed identifiers from constants, never user input.
    return ", ".join(f"'{value}'" for value in values)


def key_sql(row: str) -> str:
    """The tally key of `row` (OLD, NEW or a table alias), as SQL select items."""
    return (
        f"COALESCE({row}.receiving_agency_id, 0), COALESCE({row}.competent_agency_id, 0), "
        f"{row}.status, COALESCE({row}.assignee_id, 0), "
        f"CASE WHEN {row}.status IN ({_sql_list(RUNNING)}) AND {row}.due_at IS NOT NULL "
        f"THEN ({row}.due_at AT TIME ZONE '{TALLY_ZONE}')::date "
        f"ELSE DATE '{NO_DUE_DAY.isoformat()}' END"
    )


COLUMNS = "receiving_agency_id, competent_agency_id, status, assignee_id, due_day, n"
OPEN_SQL = _sql_list(OPEN_STATES)


def trigger_body() -> str:
    """The trigger function's body (pgtrigger wraps it in CREATE FUNCTION)."""
    return f"""
    IF TG_OP = 'UPDATE'
       AND OLD.status IS NOT DISTINCT FROM NEW.status
       AND OLD.receiving_agency_id IS NOT DISTINCT FROM NEW.receiving_agency_id
       AND OLD.competent_agency_id IS NOT DISTINCT FROM NEW.competent_agency_id
       AND OLD.assignee_id IS NOT DISTINCT FROM NEW.assignee_id
       AND OLD.due_at IS NOT DISTINCT FROM NEW.due_at THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status IN ({OPEN_SQL}) THEN
        INSERT INTO {TABLE} ({COLUMNS}) SELECT {key_sql("OLD")}, -1;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status IN ({OPEN_SQL}) THEN
        INSERT INTO {TABLE} ({COLUMNS}) SELECT {key_sql("NEW")}, 1;
    END IF;
    RETURN NULL;
    """


def rebuild_sql() -> str:
    """Counts every open dossier afresh (migration 0009, `rebuild`)."""
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) "  # noqa: S608 - constants only
        f"SELECT {key_sql('d')}, count(*) FROM dossiers_dossier d "
        f"WHERE d.status IN ({OPEN_SQL}) GROUP BY 1, 2, 3, 4, 5"
    )


def rebuild(today: dt.date | None = None) -> None:
    """The tally counted afresh from the dossier table and compacted (for a database
    whose dossiers were written with the trigger off). Writers wait for it (the share
    lock), so no change is missed or counted twice."""
    with transaction.atomic(), connection.cursor() as cursor:
        # After a running compaction, not beside it: its rows are not in this snapshot
        # and would survive the DELETE (advisory locks are re-entrant for `compact`).
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        cursor.execute("LOCK TABLE dossiers_dossier IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
        cursor.execute(rebuild_sql())
        compact(today)


_FOLD_DAY = "CASE WHEN t.due_day < %(keep_from)s THEN %(long_overdue)s::date ELSE t.due_day END"
_COMPACT = f"""
WITH keys AS (
    SELECT t.receiving_agency_id, t.competent_agency_id, t.status, t.assignee_id,
           {_FOLD_DAY} AS day
    FROM {TABLE} t
    GROUP BY 1, 2, 3, 4, 5
    HAVING count(*) > 1 OR sum(t.n) = 0 OR bool_or(t.due_day <> {_FOLD_DAY})
), gone AS (
    DELETE FROM {TABLE} t USING keys k
    WHERE t.receiving_agency_id = k.receiving_agency_id
      AND t.competent_agency_id = k.competent_agency_id
      AND t.status = k.status AND t.assignee_id = k.assignee_id
      AND {_FOLD_DAY} = k.day
    RETURNING k.receiving_agency_id, k.competent_agency_id, k.status, k.assignee_id,
              k.day, t.n
)
INSERT INTO {TABLE} ({COLUMNS})
SELECT receiving_agency_id, competent_agency_id, status, assignee_id, day, sum(n)
FROM gone GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0
"""  # noqa: S608 - constants only; the dates are parameters


def compact(today: dt.date | None = None) -> int:
    """Folds each key's rows into one (and days before yesterday into LONG_OVERDUE).
    Returns the keys written, or -1 when another compaction holds the lock."""
    today = today or timezone.localdate(timezone=ZoneInfo(TALLY_ZONE))
    params = {"keep_from": today - dt.timedelta(days=1), "long_overdue": LONG_OVERDUE}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        if not cursor.fetchone()[0]:
            return -1
        cursor.execute(_COMPACT, params)
        return cursor.rowcount
