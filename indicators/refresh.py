"""Fills the summary table (`DailyStat`) from the dossiers, their log, payments and
ratings, one local day at a time. Refreshed by Celery, not kept by a trigger.

Why refreshed rather than trigger-kept (as the queue tally is, `dossiers.tally`):
- The figures need what a trigger cannot cheaply know: working days between receipt
  and return (the working calendar, lunar holidays included, lives in Python), the
  facts the services leave in the log's JSON (transfer, supplement and apology
  timeliness), the payments and the ratings. A trigger on each of those tables would
  add work to every transition's transaction for numbers nobody reads at that moment.
- "In progress, on time or overdue" changes with the clock, without any write: only a
  job that looks at the time can keep it.
- The statistics may lag the dossiers a little (the pages say when they were
  updated); `refresh_recent` (Celery beat, every 15 minutes) rewrites today and
  yesterday, and `manage.py refresh_statistics --from --to` any range at once.

How a day is written: in one transaction, under an advisory lock for that day, the
day's rows are deleted and rewritten from the sources, so a refresh is idempotent and
two refreshes of one day never interleave. Flows count what happened on the day
(received, finished by timeliness, refused, withdrawn, stopped, supplement requests,
apologies, transfers, payments, ratings); `open_*` is the stock of dossiers in progress
at the end of the day (for today: now). A past day's stock is rebuilt from receipt and
finish times and today's appointment dates (an appointment moved by an apology or a
supplement counts as moved all along), for a whole range in one pass over the dossiers
(`past_stock`: their open intervals summed as events); the beat keeps the stock it wrote
while the day was today instead (`keep_snapshot`).

The same transaction rewrites the day's `DossierFact` rows, the dossiers behind the
flows the drill-down lists, noted by the same loop that counts them (`_Day.add`), so a
list and its figure never disagree; and the day's `StepStat` rows (the radar's time per
workflow step of the dossiers returned that day, `indicators.radar_refresh`).

Months: `MonthlyStat` sums each month's flows per key (`rollup_month`), rewritten with
every day of the month (the beat's days in their own transaction; a range once per
month at its end), so that a year's figures read twelve months of rows instead of 365
days of them (`indicators.selectors.pieces`).

Attribution: a row's key is the dossier's receiving and competent agencies, procedure
and channel; an agency's figures count the dossiers it received or decides (the same
rule as the back office's queues), summed over the units below it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import defaultdict
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from dossiers.constants import RUNNING, Action, PaymentStatus, Status
from dossiers.models import Dossier, DossierDocument, DossierLog, Payment
from indicators import memo, radar_refresh, sources
from indicators.models import (
    COUNTERS,
    FACT_CODES,
    SNAPSHOT,
    DailyStat,
    DossierFact,
    MonthlyStat,
    RefreshedDay,
)
from procedures.calendar import WorkingCalendar
from procedures.constants import ChannelMethod, TimeUnit

# Any number, the same in every process; the second key is the day (the month's first
# day for the monthly roll-up).
ADVISORY_LOCK = 0x57A7
ROLLUP_LOCK = 0x57A8
FLOWS = tuple(c for c in COUNTERS if c not in SNAPSHOT)
CHUNK = 5000

IN_PROGRESS = (
    Status.RECEIVED,
    Status.PROCESSING,
    Status.AWAITING_APPROVAL,
    Status.SUPPLEMENT_REQUESTED,
    Status.AWAITING_PAYMENT,
    Status.RESULT_READY,
)
LOG_ACTIONS = (
    Action.ASSIGN,
    Action.REQUEST_SUPPLEMENT,
    Action.APOLOGISE,
    Action.RETURN_RESULT,
    Action.REFUSE,
    Action.WITHDRAW,
    Action.STOP,
)
# Payments recorded at the desk rather than through a payment gateway.
OFFLINE_GATEWAYS = ("", "cash", "counter")
_FINAL_COUNTER = {Action.REFUSE: "refused", Action.WITHDRAW: "withdrawn", Action.STOP: "stopped"}


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local day in TIME_ZONE."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


def _new_row() -> dict:
    row = dict.fromkeys(COUNTERS, 0)
    row["days_hist"] = {}
    return row


class _Day:
    """The rows of one day being collected, keyed like `DailyStat`."""

    def __init__(self):
        self.rows: dict[tuple, dict] = defaultdict(_new_row)
        self.keys: dict[int, tuple] = {}
        self.facts: dict[int, tuple] = {}
        # (fact code, dossier): the dossiers behind the figures (`DossierFact`).
        self.counted: set[tuple[int, int]] = set()

    def load(self, ids) -> None:
        # The dossiers alone, by primary key, and their versions' procedure and field
        # in a second small query: joined in one, the planner may walk the whole
        # dossier table in version order to merge it with the versions.
        missing = [pk for pk in set(ids) if pk not in self.keys]
        found = []
        for i in range(0, len(missing), CHUNK):
            found += Dossier.objects.filter(pk__in=missing[i : i + CHUNK]).values_list(
                "pk",
                "receiving_agency_id",
                "competent_agency_id",
                "channel",
                "version_id",
                "received_at",
                "paused_days",
            )
        procedures = _procedures({row[4] for row in found})
        for pk, recv, comp, channel, version_id, received_at, paused in found:
            proc, fld = procedures[version_id]
            self.keys[pk] = (recv, comp, proc, fld or 0, channel)
            self.facts[pk] = (version_id, received_at, paused)

    def add(self, dossier_id: int, counter: str, n: int = 1) -> dict:
        row = self.rows[self.keys[dossier_id]]
        row[counter] += n
        self.note(dossier_id, counter)
        return row

    def note(self, dossier_id: int, fact: str) -> None:
        code = FACT_CODES.get(fact)
        if code is not None:
            self.counted.add((code, dossier_id))

    def fact_rows(self, day: dt.date) -> list[tuple]:
        """The day's `DossierFact` rows, ordered as its primary key."""
        out = []
        for code, pk in sorted(self.counted):
            recv, comp, proc, fld, _channel = self.keys[pk]
            out.append((day, code, pk, recv, comp, proc, fld))
        return out


def _procedures(version_ids) -> dict[int, tuple[int, int | None]]:
    """version -> (procedure, field)."""
    from procedures.models import ProcedureVersion

    return {
        v: (proc, fld)
        for v, proc, fld in ProcedureVersion.objects.filter(pk__in=version_ids).values_list(
            "pk", "procedure_id", "procedure__field_id"
        )
    }


def allotted_days(version_ids) -> dict[tuple[int, str], int]:
    """(version, channel) -> allotted working days, where the procedure fixes them."""
    from procedures.models import Channel

    allotted = {}
    rows = Channel.objects.filter(version_id__in=set(version_ids)).values_list(
        "version_id", "method", "processing_time", "unit"
    )
    for version_id, method, time, unit in rows:
        if time is not None and unit == TimeUnit.WORKING_DAY:
            allotted[(version_id, method)] = int(time)
    return allotted


class DayCounter:
    """The working calendar's `working_days_between` remembered per pair of dates, and
    local dates by a fixed zone: a range refresh asks both for every dossier returned,
    over a few thousand distinct pairs (Django's `localtime` looks the zone up on every
    call)."""

    def __init__(self, calendar: WorkingCalendar):
        self.calendar = calendar
        self.tz = timezone.get_current_timezone()
        self._between: dict[tuple[dt.date, dt.date], int] = {}

    def between(self, start: dt.date, end: dt.date) -> int:
        key = (start, end)
        found = self._between.get(key)
        if found is None:
            found = self._between[key] = self.calendar.working_days_between(start, end)
        return found

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()


class _Sources:
    """What the counters of a range of days read, in one query per source for the
    whole range (a day's refresh is the range of one day): the dossiers received, the
    log rows of LOG_ACTIONS, the payments, the ratings, and per dossier its key, its
    facts, whether it was scanned at the desk and whether its result is electronic."""

    def __init__(self, start: dt.datetime, end: dt.datetime, days: DayCounter):
        self.days = days
        local = days.local_date
        self.received = defaultdict(list)
        received = Dossier.objects.filter(received_at__gte=start, received_at__lt=end)
        for pk, at in received.values_list("pk", "received_at"):
            self.received[local(at)].append(pk)
        self.log = defaultdict(list)
        for pk, action, data, at in DossierLog.objects.filter(
            created_at__gte=start, created_at__lt=end, action__in=LOG_ACTIONS
        ).values_list("dossier_id", "action", "data", "created_at"):
            self.log[local(at)].append((pk, action, data, at))
        self.paid = defaultdict(list)
        for pk, gateway, at in Payment.objects.filter(
            status=PaymentStatus.PAID, paid_at__gte=start, paid_at__lt=end
        ).values_list("dossier_id", "gateway", "paid_at"):
            self.paid[local(at)].append((pk, gateway))
        self.ratings = defaultdict(list)
        for pk, score, at in sources.satisfaction_rows_dated(start, end):
            self.ratings[local(at)].append((pk, score))
        self.day = _Day()
        self.day.load(
            [
                *(pk for pks in self.received.values() for pk in pks),
                *(r[0] for rows in self.log.values() for r in rows),
                *(p[0] for rows in self.paid.values() for p in rows),
                *(r[0] for rows in self.ratings.values() for r in rows),
            ]
        )
        keys = self.day.keys
        paper = [
            pk
            for pks in self.received.values()
            for pk in pks
            if keys[pk][4] != ChannelMethod.ONLINE
        ]
        self.scanned = set()
        for i in range(0, len(paper), CHUNK):
            self.scanned.update(
                DossierDocument.objects.filter(dossier_id__in=paper[i : i + CHUNK], digitised=True)
                .order_by()
                .values_list("dossier_id", flat=True)
                .distinct()
            )
        returned = list(
            {r[0] for rows in self.log.values() for r in rows if r[1] == Action.RETURN_RESULT}
        )
        self.electronic = set()
        for i in range(0, len(returned), CHUNK):
            self.electronic.update(
                DossierDocument.objects.filter(
                    dossier_id__in=returned[i : i + CHUNK],
                    is_result=True,
                    superseded_at__isnull=True,
                ).values_list("dossier_id", flat=True)
            )
        self.allotted = allotted_days(self.day.facts[pk][0] for pk in returned)

    def collect(self, day: dt.date) -> _Day:
        """The counters of `day` from what was read (the day's part of the range)."""
        d = _Day()
        # Keys and facts are the dossier's, whatever the day: shared by every day.
        d.keys, d.facts = self.day.keys, self.day.facts
        days = self.days

        for pk in self.received.get(day, ()):
            row = d.add(pk, "received")
            if d.keys[pk][4] != ChannelMethod.ONLINE:
                row["paper_received"] += 1
                d.note(pk, "paper_received")
                if pk in self.scanned:
                    d.add(pk, "digitised")

        returned = []
        for pk, action, data, at in self.log.get(day, ()):
            data = data or {}
            if action == Action.ASSIGN and data.get("transfer") in ("on_time", "late"):
                d.add(pk, f"transfer_{data['transfer']}")
            elif action == Action.REQUEST_SUPPLEMENT:
                if data.get("phase") == "desk":
                    d.add(pk, "supplement_desk")
                else:
                    late = data.get("timeliness") == "late"
                    d.add(pk, "supplement_late" if late else "supplement_on_time")
                    if data.get("repeat"):
                        d.add(pk, "supplement_repeat")
            elif action == Action.APOLOGISE:
                d.add(pk, "apology_late" if data.get("timeliness") == "late" else "apology_on_time")
            elif action == Action.RETURN_RESULT:
                # No appointment date (a procedure without a fixed time) cannot be missed.
                timeliness = data.get("timeliness") or "on_time"
                if timeliness not in ("early", "on_time", "late"):
                    timeliness = "on_time"
                d.add(pk, f"finished_{timeliness}")
                d.note(pk, "finished")
                returned.append((pk, at))
            elif action in _FINAL_COUNTER:
                d.add(pk, _FINAL_COUNTER[action])

        for pk, at in returned:
            if pk in self.electronic:
                d.add(pk, "results_electronic")
            version_id, received_at, paused = d.facts[pk]
            if received_at is None:
                continue
            used = days.between(days.local_date(received_at), days.local_date(at))
            used = max(used - (paused or 0), 0)
            row = d.add(pk, "timed_finished")
            row["days_used"] += used
            row["days_allotted"] += self.allotted.get((version_id, d.keys[pk][4]), 0)
            hist = row["days_hist"]
            hist[str(used)] = hist.get(str(used), 0) + 1

        for pk, gateway in self.paid.get(day, ()):
            row = d.add(pk, "payments_paid")
            if (gateway or "") not in OFFLINE_GATEWAYS:
                row["payments_online"] += 1

        for pk, score in self.ratings.get(day, ()):
            row = d.add(pk, "ratings")
            row["rating_sum"] += score
            row[f"rating_{score}"] += 1
            if score >= sources.GOOD_RATING:
                row["rating_good"] += 1
        return d


def collect(day: dt.date, *, now: dt.datetime, calendar: WorkingCalendar) -> _Day:
    """The counters of `day` per key (receiving, competent, procedure, field, channel),
    `rows`, and the dossiers behind them, `fact_rows(day)`."""
    start, end = day_bounds(day)
    return _Sources(start, end, DayCounter(calendar)).collect(day)


_KEY_FIELDS = (
    "receiving_agency_id",
    "competent_agency_id",
    "version__procedure_id",
    "version__procedure__field_id",
    "channel",
)


def snapshot(day: dt.date, *, now: dt.datetime) -> dict[tuple, dict]:
    """Dossiers in progress at the end of `day` (now, for today or later), on time and
    overdue, per key: one aggregate, no row per dossier."""
    _start, end = day_bounds(day)
    if end > now:
        moment = now
        base = Dossier.objects.filter(status__in=IN_PROGRESS)
        overdue = Q(status__in=RUNNING, due_at__lt=moment)
    else:
        moment = end
        base = Dossier.objects.filter(received_at__lt=end).exclude(
            status__in=[Status.DRAFT, Status.DISCARDED]
        )
        base = base.filter(Q(finished_at__isnull=True) | Q(finished_at__gte=end))
        # Waiting for the applicant at that moment: the clock was not running.
        overdue = Q(due_at__lt=moment) & ~Q(paused_at__lt=moment)
    rows = base.values(*_KEY_FIELDS).annotate(n_overdue=Count("pk", filter=overdue), n=Count("pk"))
    out = {}
    for r in rows:
        key = (
            r["receiving_agency_id"],
            r["competent_agency_id"],
            r["version__procedure_id"],
            r["version__procedure__field_id"] or 0,
            r["channel"],
        )
        out[key] = {"open_overdue": r["n_overdue"], "open_on_time": r["n"] - r["n_overdue"]}
    return out


# Each dossier is in the stock on the days [received, finished) and overdue on
# [max(received, due), min(finished, paused)), in local dates: a dossier counts at the
# end of day D when received_at < end(D) <= finished_at, overdue when also
# due_at < end(D) and not paused_at < end(D) (the clock stopped). Those intervals are
# turned into +1/-1 events per key and day, summed, and a running sum per key gives the
# stock from each event day until the key's next one: the work grows with the dossiers
# and the rows written, not with dossiers times days as a join of days with dossiers
# would. Days before `start` fold into `start`; events after `end` do not matter.
_PAST_STOCK = f"""
WITH open AS (
    SELECT d.receiving_agency_id AS recv, d.competent_agency_id AS comp,
           v.procedure_id AS proc, COALESCE(p.field_id, 0) AS fld, d.channel,
           GREATEST((d.received_at AT TIME ZONE %(zone)s)::date, %(start)s::date) AS r,
           COALESCE((d.finished_at AT TIME ZONE %(zone)s)::date, 'infinity'::date) AS f,
           GREATEST((d.received_at AT TIME ZONE %(zone)s)::date, %(start)s::date,
                    COALESCE((d.due_at AT TIME ZONE %(zone)s)::date, 'infinity'::date)) AS o,
           LEAST(COALESCE((d.finished_at AT TIME ZONE %(zone)s)::date, 'infinity'::date),
                 COALESCE((d.paused_at AT TIME ZONE %(zone)s)::date, 'infinity'::date)) AS c
    FROM dossiers_dossier d
    JOIN procedures_procedureversion v ON v.id = d.version_id
    JOIN procedures_procedure p ON p.id = v.procedure_id
    WHERE d.received_at < ((%(end)s::date + 1)::timestamp AT TIME ZONE %(zone)s)
      AND (d.finished_at IS NULL
           OR d.finished_at >= ((%(start)s::date + 1)::timestamp AT TIME ZONE %(zone)s))
      AND d.status NOT IN ('{Status.DRAFT}', '{Status.DISCARDED}')
), events AS (
    SELECT recv, comp, proc, fld, channel, e.day, sum(e.dn) AS dn, sum(e.dov) AS dov
    FROM open, LATERAL (
        VALUES (r, 1, 0), (f, -1, 0),
               (CASE WHEN o < c THEN o END, 0, 1), (CASE WHEN o < c THEN c END, 0, -1)
    ) AS e(day, dn, dov)
    WHERE e.day <= %(end)s::date
    GROUP BY 1, 2, 3, 4, 5, 6
), running AS (
    SELECT recv, comp, proc, fld, channel, day,
           (sum(dn) OVER w)::int AS n, (sum(dov) OVER w)::int AS n_overdue,
           lead(day) OVER w AS next_day
    FROM events
    WINDOW w AS (PARTITION BY recv, comp, proc, fld, channel ORDER BY day)
)
SELECT day + g.i, recv, comp, proc, fld, channel, n, n_overdue
FROM running, generate_series(0, COALESCE(next_day, %(end)s::date + 1) - day - 1) AS g(i)
WHERE n > 0
"""  # noqa: S608 - constants only; the dates and the zone are parameters


def past_stock(start: dt.date, end: dt.date) -> dict[dt.date, dict[tuple, dict]]:
    """`snapshot` of every past day of [start, end] in one pass over the dossiers
    (their open and overdue intervals as events, summed per key and day), rather than
    one scan per day."""
    from django.conf import settings

    out: dict[dt.date, dict[tuple, dict]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_PAST_STOCK, {"start": start, "end": end, "zone": settings.TIME_ZONE})
        for day, recv, comp, proc, fld, channel, n, n_overdue in cursor.fetchall():
            out[day][(recv, comp, proc, fld, channel)] = {
                "open_overdue": n_overdue,
                "open_on_time": n - n_overdue,
            }
    return out


def _stored_stock(rows) -> dict[tuple, dict]:
    """The stock the day's rows hold already (written while the day was today)."""
    fields = ("receiving_agency_id", "competent_agency_id", "procedure_id", "field_id", "channel")
    return {
        tuple(r[f] for f in fields): {name: r[name] for name in SNAPSHOT}
        for r in rows.values(*fields, *SNAPSHOT)
    }


_ROLLUP_FLOWS = f"""
INSERT INTO indicators_monthlystat
    (month, receiving_agency_id, competent_agency_id, procedure_id, field_id, channel,
     days_hist, {", ".join(FLOWS)})
SELECT %(month)s, receiving_agency_id, competent_agency_id, procedure_id, max(field_id),
       channel, '{{}}'::jsonb, {", ".join(f"sum({c})" for c in FLOWS)}
FROM indicators_dailystat
WHERE day >= %(month)s AND day < %(next)s
GROUP BY receiving_agency_id, competent_agency_id, procedure_id, channel
HAVING sum({" + ".join(FLOWS)}) > 0
"""  # noqa: S608 - column names from COUNTERS only
_ROLLUP_HIST = """
UPDATE indicators_monthlystat m SET days_hist = h.hist
FROM (
    SELECT receiving_agency_id, competent_agency_id, procedure_id, channel,
           jsonb_object_agg(days, n) AS hist
    FROM (
        SELECT s.receiving_agency_id, s.competent_agency_id, s.procedure_id, s.channel,
               kv.key AS days, sum(kv.value::int) AS n
        FROM indicators_dailystat s, jsonb_each_text(s.days_hist) kv
        WHERE s.day >= %(month)s AND s.day < %(next)s AND s.timed_finished > 0
        GROUP BY 1, 2, 3, 4, 5
    ) AS per_days
    GROUP BY 1, 2, 3, 4
) AS h
WHERE m.month = %(month)s AND m.receiving_agency_id = h.receiving_agency_id
  AND m.competent_agency_id = h.competent_agency_id AND m.procedure_id = h.procedure_id
  AND m.channel = h.channel
"""


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def rollup_month(month: dt.date) -> None:
    """Rewrites the `MonthlyStat` rows of the month of `month` from its days' rows, in
    the caller's transaction, under the month's advisory lock (two refreshes of days
    of one month never interleave their roll-ups)."""
    month = month.replace(day=1)
    params = {"month": month, "next": _next_month(month)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, month.toordinal()])
        cursor.execute("DELETE FROM indicators_monthlystat WHERE month = %s", [month])
        cursor.execute(_ROLLUP_FLOWS, params)
        cursor.execute(_ROLLUP_HIST, params)
    memo.forget()


def rollup(start: dt.date, end: dt.date) -> None:
    """`rollup_month` for every month touching [start, end], each in its own
    transaction."""
    month = start.replace(day=1)
    while month <= end:
        with transaction.atomic():
            rollup_month(month)
        month = _next_month(month)


_INSERT_FACTS = """
INSERT INTO indicators_dossierfact
    (day, metric, dossier_id, receiving_agency_id, competent_agency_id, procedure_id,
     field_id)
SELECT * FROM unnest(%s::date[], %s::smallint[], %s::bigint[], %s::int[], %s::int[],
                     %s::int[], %s::int[])
"""


def _write_facts(day: dt.date, rows: list[tuple], last: dt.date | None = None) -> None:
    """Replaces the `DossierFact` rows of `day` (to `last`): one statement of arrays
    rather than an object per row, since a city's day has thousands of them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM indicators_dossierfact WHERE day BETWEEN %s AND %s", [day, last or day]
        )
        for i in range(0, len(rows), CHUNK):
            columns = [list(c) for c in zip(*rows[i : i + CHUNK], strict=True)]
            cursor.execute(_INSERT_FACTS, columns)


_DAY_COLUMNS = (
    "day",
    "receiving_agency_id",
    "competent_agency_id",
    "procedure_id",
    "field_id",
    "channel",
    "days_hist",
    *COUNTERS,
)


_counters = itemgetter(*COUNTERS)


def _write_rows(days: list[tuple[dt.date, dict[tuple, dict]]]) -> None:
    """Inserts the days' `DailyStat` rows through COPY, each row a tuple that psycopg
    formats in C: building and saving a model instance per row was most of a day's
    refresh."""
    sql = f"COPY indicators_dailystat ({', '.join(_DAY_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for day, rows in days:
            for (recv, comp, proc, fld, channel), row in rows.items():
                hist = Jsonb(row["days_hist"])
                copy.write_row((day, recv, comp, proc, fld, channel, hist, *_counters(row)))


def refresh_day(
    day: dt.date,
    *,
    now: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
    keep_snapshot: bool = False,
    stock: dict[tuple, dict] | None = None,
    roll_up: bool = True,
) -> int:
    """Rewrites `day`'s summary rows and, with `roll_up`, its month's roll-up in the
    same transaction; returns how many day rows were written. `stock`: the day's
    dossiers in progress when the caller computed them already (`past_stock`)."""
    now = now or timezone.now()
    calendar = calendar or WorkingCalendar.load()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK, day.toordinal()])
        collected = collect(day, now=now, calendar=calendar)
        rows = collected.rows
        existing = DailyStat.objects.filter(day=day)
        if stock is None and keep_snapshot and day_bounds(day)[1] <= now:
            stock = _stored_stock(existing)
        elif stock is None:
            stock = snapshot(day, now=now)
        for key, values in stock.items():
            if any(values.values()):
                rows[key].update(values)
        existing.delete()
        _write_rows([(day, rows)])
        _write_facts(day, collected.fact_rows(day))
        # The radar's step times of the dossiers returned that day, in the same
        # transaction and under the same lock.
        radar_refresh.refresh_steps(day, calendar=calendar)
        RefreshedDay.objects.update_or_create(day=day, defaults={"refreshed_at": now})
        if roll_up:
            rollup_month(day)
        memo.forget()
    return len(rows)


def refresh_days(
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime,
    days: DayCounter,
    stock: dict[dt.date, dict[tuple, dict]],
) -> int:
    """Rewrites the past days [start, end] in one transaction, under each day's lock:
    what `refresh_day` writes for each of them with its stock from `stock`
    (`past_stock`), read with one query per source for the whole range instead of one
    per day, and written with one statement per table. No roll-up (the caller's)."""
    first, _ = day_bounds(start)
    _, last = day_bounds(end)
    span = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, d) FROM unnest(%s::int[]) AS d ORDER BY d",
                [ADVISORY_LOCK, [day.toordinal() for day in span]],
            )
        read = _Sources(first, last, days)
        written, facts = [], []
        for day in span:
            collected = read.collect(day)
            rows = collected.rows
            for key, values in stock.get(day, {}).items():
                if any(values.values()):
                    rows[key].update(values)
            written.append((day, rows))
            facts += collected.fact_rows(day)
        DailyStat.objects.filter(day__gte=start, day__lte=end).delete()
        _write_rows(written)
        _write_facts(start, facts, end)
        radar_refresh.refresh_steps_range(start, end, days=days)
        RefreshedDay.objects.bulk_create(
            [RefreshedDay(day=day, refreshed_at=now) for day in span],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["refreshed_at"],
        )
        memo.forget()
    return sum(len(rows) for _day, rows in written)


# Past days refreshed per transaction by `refresh`: a week of a city of ten million
# dossiers is some seventy thousand of them and their log, read at once.
RANGE_DAYS = 7


def _refresh_weeks(weeks, now: dt.datetime, workers: int) -> int:
    """`refresh_days` of each (start, end, stock) of `weeks`, here or in `workers`
    processes forked from this one: the refresh waits on PostgreSQL about as long as it
    computes, so two processes keep two cores busy."""
    if workers <= 1 or len(weeks) < 2:
        days = DayCounter(WorkingCalendar.load())
        return sum(refresh_days(a, b, now=now, days=days, stock=stock) for a, b, stock in weeks)
    # The processes open connections of their own: none may inherit this one's.
    connection.close()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return sum(pool.starmap(_refresh_week, [(a, b, now, stock) for a, b, stock in weeks]))


def _refresh_week(start: dt.date, end: dt.date, now: dt.datetime, stock) -> int:
    days = _PROCESS_DAYS.get("days")
    if days is None:
        days = _PROCESS_DAYS["days"] = DayCounter(WorkingCalendar.load())
    return refresh_days(start, end, now=now, days=days, stock=stock)


# A refreshing process's calendar and the pairs of dates it counted already.
_PROCESS_DAYS: dict[str, DayCounter] = {}


def refresh(
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
    keep_snapshot=False,
    workers: int = 1,
) -> int:
    """Rewrites every day of [start, end], then the roll-up of each month touched (once
    per month rather than once per day). The days that ended before `now` go
    `RANGE_DAYS` at a time (`refresh_days`, in `workers` processes), unless
    `keep_snapshot` keeps their stored stock; today (and any later day) by
    `refresh_day`."""
    if end < start:
        raise ValueError("The end date is before the start date.")
    now = now or timezone.now()
    calendar = WorkingCalendar.load()
    # The days that ended before `now`: their stock in one pass over the dossiers.
    last_past = timezone.localtime(now).date() - dt.timedelta(days=1)
    written, day = 0, start
    if not keep_snapshot and start <= last_past:
        past = past_stock(start, min(end, last_past))
        weeks = []
        while day <= min(end, last_past):
            until = min(day + dt.timedelta(days=RANGE_DAYS - 1), end, last_past)
            span = [day + dt.timedelta(days=i) for i in range((until - day).days + 1)]
            weeks.append((day, until, {d: past[d] for d in span if d in past}))
            day = until + dt.timedelta(days=1)
        written += _refresh_weeks(weeks, now, workers)
    while day <= end:
        written += refresh_day(
            day, now=now, calendar=calendar, keep_snapshot=keep_snapshot, roll_up=False
        )
        day += dt.timedelta(days=1)
    rollup(start, end)
    return written


def analyze() -> None:
    """Fresh planner statistics for the tables a long refresh rewrote. Until
    autovacuum gets to them, the planner may take a freshly filled `DossierFact` for
    empty and sort a whole year of the city's facts where walking its dossier index
    would stop after one page."""
    with connection.cursor() as cursor:
        for model in (DailyStat, MonthlyStat, DossierFact):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


def first_day() -> dt.date | None:
    """The first local day any dossier was received or finished."""
    from django.db.models import Min

    found = Dossier.objects.aggregate(r=Min("received_at"), f=Min("finished_at"))
    moments = [m for m in found.values() if m is not None]
    return timezone.localtime(min(moments)).date() if moments else None
