"""The queue tally (dossiers.tally): the tabs' counts read from a small table
kept by a trigger must equal the counts on the dossier table, through transitions,
moves between agencies, deletions, rollbacks and compactions, and at every boundary
of "overdue" and "due soon"."""

import copy
import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossiers import queues, services, tally
from dossiers.constants import OPEN_STATES, Status
from dossiers.models import Dossier, QueueTally
from procedures.calendar import WorkingCalendar
from tests.backoffice.worlds import two_wards
from tests.helpers import rolled_back_after

# The wards are built once for the module (see `built_wards`), on one xdist worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("queue_tally")]

ZONE = ZoneInfo(tally.TALLY_ZONE)
# Noon, local: "today" has dossiers due before and after this minute.
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=ZONE)  # a Wednesday
TODAY = NOW.date()
STATES = (*OPEN_STATES, Status.RETURNED, Status.REFUSED, Status.DRAFT)


def _at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    day = TODAY + dt.timedelta(days=day_offset)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


# Appointment dates around every boundary the due tabs draw.
DUE_DATES = (
    _at(-400, 9),  # long overdue: folded into LONG_OVERDUE by the compaction
    _at(-1, 23, 59),  # yesterday's last minute
    _at(0, 0, 0),  # today's first minute
    _at(0, 11, 59),  # a minute ago
    _at(0, 12, 0),  # this minute: due soon, not overdue
    _at(0, 23, 59),
    _at(1, 0, 0),  # tomorrow
    _at(2, 17, 0),
    _at(5, 8, 0),  # beyond the due-soon window (two working days)
    None,
)


def _count_from_the_tally(settings):
    # "All" is estimated, so the other tabs come from the tally.
    settings.BACKOFFICE_EXACT_COUNT_BELOW = 1
    settings.QUEUE_COUNTS_CACHE_SECONDS = 0


def _wards(*, walked: bool):
    a, b = two_wards()
    for world in (a, b):
        make = world.dossier_in if walked else world.dossier_built
        world.d = {s: make(s) for s in STATES}
        # One more of each running state per appointment date, by a plain UPDATE (a
        # path the services never take: the trigger sees every writer).
        running = [make(Status.PROCESSING) for _ in DUE_DATES]
        for dossier, due in zip(running, DUE_DATES, strict=True):
            Dossier.objects.filter(pk=dossier.pk).update(due_at=due)
        Dossier.objects.filter(pk=world.d[Status.RESULT_READY].pk).update(due_at=DUE_DATES[3])
        Dossier.objects.filter(pk=world.d[Status.RECEIVED].pk).update(due_at=DUE_DATES[0])
        far = [world.d[Status.PROCESSING].pk, world.d[Status.AWAITING_APPROVAL].pk]
        Dossier.objects.filter(pk__in=far).update(due_at=_at(30, 9))
    return a, b


@pytest.fixture(scope="module")
def built_wards(django_db_setup, django_db_blocker):
    """Two wards with dossiers in every state, written in their state (DossierFactory:
    the trigger counts each as it is inserted), once for the module and rolled back
    after its last test."""
    with rolled_back_after(django_db_blocker):
        yield _wards(walked=False)


@pytest.fixture
def wards(db, built_wards, settings):
    """The built wards for one test: what it writes is undone after it (a savepoint in
    the module's transaction), and its objects are copies, so a `refresh_from_db` in
    one test does not show its writes to the next."""
    _count_from_the_tally(settings)
    return copy.deepcopy(built_wards)


def _officials(*worlds):
    return [o for w in worlds for o in (w.receptionist, w.specialist, w.leader)]


def _counts(user, *, use_tally: bool, settings):
    settings.QUEUE_TALLY = use_tally
    scope = queues.official_scope(user)
    names = queues.queues_for(scope)
    counts = queues.counts_compute(scope, names, now=NOW, calendar=WorkingCalendar.load())
    return {name: n for name, n in counts.items() if name != "all"}


def _assert_same(worlds, settings):
    seen = {}
    for official in _officials(*worlds):
        exact = _counts(official, use_tally=False, settings=settings)
        from_tally = _counts(official, use_tally=True, settings=settings)
        assert from_tally == exact, official
        for name, number in exact.items():
            seen[name] = seen.get(name, 0) + number
    return seen


def _sums():
    """Key -> sum of n: what the tally says, whatever its state of compaction."""
    rows = QueueTally.objects.values(
        "receiving_agency_id", "competent_agency_id", "status", "assignee_id", "due_day"
    ).annotate(total=Sum("n"))
    return {
        (
            r["receiving_agency_id"],
            r["competent_agency_id"],
            r["status"],
            r["assignee_id"],
            r["due_day"],
        ): r["total"]
        for r in rows
        if r["total"]
    }


def test_the_tally_counts_what_the_dossier_table_counts(wards, settings):
    _assert_every_tab_counted_alike(wards, settings)


def _assert_every_tab_counted_alike(wards, settings):
    """(also for the walked wards of test_queue_tally_walked.py)"""
    seen = _assert_same(wards, settings)
    # Every tab has dossiers in it, so each comparison could have failed.
    assert all(seen[name] > 0 for name in ("receive", "mine", "approval", "waiting", "ready"))
    assert all(seen[name] > 0 for name in ("overdue", "due_soon"))


def test_overdue_and_due_soon_at_their_boundaries(wards, settings):
    a, _b = wards
    counts = _counts(a.specialist, use_tally=True, settings=settings)
    # Processing with a date: -400 d, yesterday, 00:00 and 11:59 today are overdue;
    # plus the received one long overdue and the result-ready one a minute ago.
    assert counts["overdue"] == 4 + 2
    # 12:00 and 23:59 today, tomorrow 00:00 and the day after 17:00 (two working days).
    assert counts["due_soon"] == 4


def test_changes_of_every_kind_keep_it_exact_before_and_after_compaction(wards, settings):
    a, b = wards
    # Transitions.
    services.dossier_receive(dossier_id=a.d[Status.SUBMITTED].pk, actor=a.receptionist)
    ready = a.d[Status.RESULT_READY].pk
    # Not overdue on the real clock, or the workflow asks for an apology first.
    Dossier.objects.filter(pk=ready).update(due_at=timezone.now() + dt.timedelta(days=30))
    services.dossier_return_result(dossier_id=ready, actor=a.receptionist)
    # A dossier moved to the other ward, one unassigned, one deleted, a due date moved.
    Dossier.objects.filter(pk=a.d[Status.PROCESSING].pk).update(
        receiving_agency=b.agency, competent_agency=b.agency
    )
    Dossier.objects.filter(pk=b.d[Status.PROCESSING].pk).update(assignee=None)
    Dossier.objects.filter(pk=b.d[Status.AWAITING_APPROVAL].pk).update(due_at=DUE_DATES[1])
    draft = a.dossier_built(Status.SUBMITTED)
    Dossier.objects.filter(pk=draft.pk).update(status=Status.DRAFT)
    assert QueueTally.objects.filter(n__lt=0).exists()  # the deltas are there
    _assert_same(wards, settings)

    before = _sums()
    written = tally.compact(today=TODAY)
    assert written > 0
    assert not QueueTally.objects.filter(n=0).exists()
    # One row per key, and days before yesterday folded into one.
    assert QueueTally.objects.count() == len(_sums())
    assert not QueueTally.objects.filter(
        due_day__lt=TODAY - dt.timedelta(days=1), due_day__gt=tally.LONG_OVERDUE
    ).exists()
    assert QueueTally.objects.filter(due_day=tally.LONG_OVERDUE).exists()
    folded = {}
    for (r, c, s, a_id, day), n in before.items():
        if day < TODAY - dt.timedelta(days=1):
            day = tally.LONG_OVERDUE
        folded[(r, c, s, a_id, day)] = folded.get((r, c, s, a_id, day), 0) + n
    assert _sums() == {k: n for k, n in folded.items() if n}
    _assert_same(wards, settings)

    # A second compaction has nothing left to fold.
    assert tally.compact(today=TODAY) == 0
    _assert_same(wards, settings)


def test_a_rolled_back_change_leaves_no_trace(wards, settings):
    a, _b = wards
    before = _sums()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_receive(dossier_id=a.d[Status.SUBMITTED].pk, actor=a.receptionist)
        assert _sums() != before
        raise RuntimeError
    assert _sums() == before


def test_a_save_that_changes_no_key_writes_nothing(wards):
    a, _b = wards
    rows = QueueTally.objects.count()
    services.dossier_save_declaration(
        dossier_id=a.complete_draft().pk, actor=a.applicant, data={"full_name": "Lê Văn An"}
    )
    Dossier.objects.filter(status__in=OPEN_STATES).update(deadline_state="")
    assert QueueTally.objects.count() == rows


def test_rebuild_gives_the_same_counts(wards, settings):
    tally.compact(today=TODAY)
    expected = _sums()
    QueueTally.objects.filter(status=Status.SUBMITTED).delete()  # lost rows come back
    tally.rebuild(today=TODAY)
    assert _sums() == expected
    assert QueueTally.objects.count() == len(expected)  # one row per key
    _assert_same(wards, settings)


def test_the_rebuild_command(wards):
    expected = _sums()
    QueueTally.objects.all().delete()
    out = StringIO()
    call_command("rebuild_queue_tally", stdout=out)
    assert f"queue tally: {QueueTally.objects.count()} rows" in out.getvalue()
    # The command folds with the real date; compare per key outside the folded days.
    recent = {k: n for k, n in _sums().items() if k[4] > TODAY + dt.timedelta(days=30)}
    assert recent == {k: n for k, n in expected.items() if k[4] > TODAY + dt.timedelta(days=30)}
    assert sum(_sums().values()) == sum(expected.values()) > 0


def test_one_compaction_at_a_time(wards):
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [tally.ADVISORY_LOCK])
        assert tally.compact(today=TODAY) == -1
        # A rebuild waits for it (here until its lock timeout) rather than run beside it.
        with pytest.raises(OperationalError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            tally.rebuild(today=TODAY)
        other.execute("SELECT pg_advisory_unlock(%s)", [tally.ADVISORY_LOCK])
    assert tally.compact(today=TODAY) >= 0


def test_the_counts_read_the_tally_and_only_todays_appointments(wards, settings):
    a, _b = wards
    settings.QUEUE_TALLY = True
    scope = queues.official_scope(a.leader)
    with CaptureQueriesContext(connection) as ctx:
        queues.counts_compute(scope, queues.queues_for(scope), now=NOW, calendar=None)
    sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith("EXPLAIN")]
    counting = [s for s in sql if "dossiers_queuetally" in s]
    assert len(counting) == 1
    # The dossier table is read only for the appointments of today, in subqueries.
    parts = counting[0].split('FROM "dossiers_dossier"')
    assert len(parts) == 3
    for part in parts[1:]:
        where = part.split("FROM", 1)[0]
        assert '"due_at" >= ' in where and '"due_at" < ' in where


def test_another_time_zone_counts_on_the_dossier_table(wards, settings):
    settings.QUEUE_TALLY = True
    a, _b = wards
    scope = queues.official_scope(a.specialist)
    names = queues.queues_for(scope)
    with timezone.override(ZoneInfo("UTC")), CaptureQueriesContext(connection) as ctx:
        in_utc = queues.counts_compute(scope, names, now=NOW, calendar=None)
    assert not any("dossiers_queuetally" in q["sql"] for q in ctx.captured_queries)
    settings.QUEUE_TALLY = False
    with timezone.override(ZoneInfo("UTC")):
        assert in_utc == queues.counts_compute(scope, names, now=NOW, calendar=None)


def test_the_compaction_is_on_the_beat_schedule():
    import dossiers.tasks  # noqa: F401 - registers the shared tasks
    from config.celery import app

    entry = app.conf.beat_schedule["queue-tally-compact"]
    assert entry["task"] == "dossiers.queue_tally_compact"
    assert entry["schedule"] <= 60
    assert app.tasks[entry["task"]]


def test_autovacuum_keeps_up_with_the_compaction():
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [tally.TABLE])
        (options,) = cursor.fetchone()
    assert "autovacuum_vacuum_scale_factor=0" in options
    assert "autovacuum_vacuum_threshold=1000" in options
