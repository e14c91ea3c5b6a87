"""generate_load_data: bulk rows that keep the invariants the services keep."""

import datetime as dt
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max

from dossiers import services, tally
from dossiers.constants import OPEN_STATES, Action, Status
from dossiers.evaluation import dossier_moments_reached
from dossiers.integrity import verify_chains
from dossiers.models import (
    Dossier,
    DossierCodeCounter,
    DossierDocument,
    DossierLog,
    DossierMessage,
    Payment,
    QueueTally,
    Rating,
)
from dossiers.queues import official_scope
from dossiers.workflow import TRANSITIONS
from loadtest.generator import PATHS, LoadGenerator, log_hash

pytestmark = pytest.mark.django_db(transaction=True)
TALLY_KEY = ("receiving_agency_id", "competent_agency_id", "status", "assignee_id", "due_day")


def _generate(n=400, **kw):
    out = StringIO()
    # The statistics refresh is tested in test_generate_load_statistics.
    kw.setdefault("no_statistics", True)
    call_command("generate_load_data", dossiers=n, batch=150, stdout=out, **kw)
    return out.getvalue()


@pytest.mark.parametrize("as_replica", [True, False], ids=["superuser", "plain-role"])
def test_counts_match_and_every_status_has_rows(world, monkeypatch, as_replica):
    # A superuser's run writes as a replica (no foreign-key checks, no tally trigger)
    # and rebuilds the tally; another role's run keeps the triggers and folds the tally.
    monkeypatch.setattr(LoadGenerator, "_may_skip_triggers", staticmethod(lambda: as_replica))
    output = _generate(400, citizens=50, seed=3)
    assert "dossiers/s" in output  # the rate is printed
    assert Dossier.objects.count() == 400
    statuses = set(Dossier.objects.values_list("status", flat=True))
    # Every status of the workflow table at this size (the mix is weighted, the seed fixed).
    assert statuses == set(Status.values)
    assert set(PATHS) == set(Status.values)
    # About ten log rows a dossier (drafts have one, returned dossiers ten or more).
    per_dossier = DossierLog.objects.count() / 400
    assert 6 <= per_dossier <= 14
    assert "400 dossiers, 50 citizens" in output
    assert DossierDocument.objects.count() > 0
    assert DossierMessage.objects.count() > 0
    # Each evaluation at a moment the dossier reached, once per moment.
    assert Rating.objects.exists()
    for rating in Rating.objects.select_related("dossier"):
        assert rating.moment in dossier_moments_reached(rating.dossier)
    # A pending obligation for each dossier awaiting payment, and only for those.
    pending = Payment.objects.filter(purpose="obligation", status="pending")
    assert set(pending.values_list("dossier_id", flat=True)) == set(
        Dossier.objects.filter(status=Status.AWAITING_PAYMENT).values_list("pk", flat=True)
    )
    # One tally row per key, and the same rows as counting afresh: whether the trigger
    # saw every open dossier of the COPY and the run folded its rows, or the run
    # counted them itself.
    written = sorted(QueueTally.objects.values_list(*TALLY_KEY, "n"))
    assert len({row[:-1] for row in written}) == len(written)
    assert sum(row[-1] for row in written) == Dossier.objects.filter(status__in=OPEN_STATES).count()
    tally.rebuild()
    assert sorted(QueueTally.objects.values_list(*TALLY_KEY, "n")) == written


def test_codes_unique_and_counters_continue(world):
    _generate(300, seed=4)
    codes = list(Dossier.objects.exclude(code=None).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) > 0
    assert (
        not Dossier.objects.filter(status__in=[Status.DRAFT, Status.DISCARDED])
        .exclude(code=None)
        .exists()
    )
    # The counter of each agency and day is the highest number handed out that day...
    last = DossierCodeCounter.objects.get(
        agency=world.agency, day=DossierCodeCounter.objects.aggregate(d=Max("day"))["d"]
    )
    day_codes = [c for c in codes if c.split("-")[1] == f"{last.day:%y%m%d}"]
    assert max(int(c.rsplit("-", 1)[1]) for c in day_codes) == last.last
    # ... so a real submission afterwards continues the sequence instead of clashing.
    dossier = world.complete_draft()
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.code not in codes


def test_log_chains_verify_and_match_the_model_hash(world):
    _generate(200, seed=5)
    assert list(verify_chains()) == []
    row = DossierLog.objects.filter(action=Action.RECEIVE).first()
    assert row.compute_hash() == row.hash
    as_dict = {f.attname: getattr(row, f.attname) for f in DossierLog._meta.concrete_fields}
    assert log_hash(as_dict) == row.hash


def test_dates_statuses_and_assignees_are_consistent(world):
    _generate(300, seed=6)
    for d in Dossier.objects.all():
        actions = list(
            d.log.order_by("seq").values_list("action", "from_status", "to_status", "created_at")
        )
        transitions = [(a, frm, to) for a, frm, to, _ in actions if to and frm != to]
        # Every step an edge of the workflow table, from creation to the status held.
        assert transitions[0] == (Action.CREATE, "", Status.DRAFT)
        for action, frm, to in transitions[1:]:
            assert TRANSITIONS[(frm, action)].target == to
        for before, after in pairwise(transitions):
            assert before[2] == after[1]
        assert transitions[-1][2] == d.status
        # Steps that keep the status (apologies, evaluations) are edges too.
        for action, frm, to, _t in actions:
            if action in (Action.APOLOGISE, Action.RATE):
                assert TRANSITIONS[(frm, action)].target == to == frm
        times = [t for _a, _f, _to, t in actions]
        assert times == sorted(times)
        if d.submitted_at:
            assert d.created_at <= d.submitted_at
        if d.received_at:
            assert d.submitted_at <= d.received_at < d.due_at
        assert (d.assignee_id is not None) == any(a == Action.ASSIGN for a, _f, _t in transitions)
        assert (d.finished_at is not None) == (
            d.status in (Status.RETURNED, Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)
        )
        assert (d.paused_at is not None) == (
            d.status in (Status.SUPPLEMENT_REQUESTED, Status.AWAITING_PAYMENT)
        )
    spread = Dossier.objects.aggregate(first=Max("created_at"))["first"] - min(
        Dossier.objects.values_list("created_at", flat=True)
    )
    assert spread > dt.timedelta(days=365)  # several years of filings


def test_officials_of_the_agency_see_the_generated_dossiers(world):
    _generate(200, seed=7)
    scope = official_scope(world.receptionist)
    assert Dossier.objects.filter(receiving_agency_id__in=scope.any_ids).count() == 200
    # Assignees are specialists of the competent agency.
    assignees = Dossier.objects.exclude(assignee=None).values("assignee").annotate(n=Count("pk"))
    specialists = set(
        world.specialist.__class__.objects.filter(
            official_memberships__agency=world.agency,
            official_memberships__role="specialist",
        ).values_list("pk", flat=True)
    )
    assert {a["assignee"] for a in assignees} <= specialists


def test_refuses_an_empty_catalogue_and_bad_sizes(db):
    with pytest.raises(CommandError, match="seed_demo"):
        _generate(10)
    with pytest.raises(CommandError):
        _generate(0)
    assert not Dossier.objects.exists()


def test_runs_twice_without_clashes(world):
    LoadGenerator(dossiers=50, seed=1, batch=20, statistics=False).run()
    LoadGenerator(dossiers=50, seed=1, batch=20, statistics=False).run()
    assert Dossier.objects.count() == 100
    assert list(verify_chains()) == []


def test_citizens_can_file_as_they_are_and_their_numbers_never_repeat(world):
    from identity.models import User
    from identity.validators import id_number_errors

    LoadGenerator(dossiers=50, seed=1, batch=20, statistics=False).run()
    LoadGenerator(dossiers=50, seed=2, batch=20, statistics=False).run()
    citizens = list(User.objects.filter(username__regex=r"-c[0-9]+$"))
    assert len(citizens) > 30
    for user in citizens:
        # The checks a declaration makes of the account's number.
        assert id_number_errors(user.id_number, birth_date=user.birth_date, sex=user.sex) == []
        assert 1945 <= user.birth_date.year <= 2007
    numbers = list(User.objects.exclude(id_number=None).values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers))
    # Each run takes a province no account used before it: none beside the demo's.
    runs = {u.id_number[:3] for u in citizens}
    others = User.objects.exclude(pk__in=[u.pk for u in citizens]).exclude(id_number=None)
    demo = {u.id_number[:3] for u in others}
    assert len(runs) == 2 and not runs & demo


def test_a_failed_batch_stops_the_run_and_leaves_whole_batches(world, monkeypatch):
    """Batches are written by a second thread while the next is built: a failure
    there reaches the command, and what was written is whole batches only."""
    from loadtest import generator as loadgen

    flush = loadgen.Table.flush
    calls = {"logs": 0}

    def failing_flush(self, cursor):
        if self.model is DossierLog:
            calls["logs"] += 1
            if calls["logs"] == 2:
                raise RuntimeError("disk full")
        return flush(self, cursor)

    monkeypatch.setattr(loadgen.Table, "flush", failing_flush)
    with pytest.raises(CommandError, match="disk full"):
        _generate(400, citizens=40, seed=9)
    assert Dossier.objects.count() == 150  # the first batch, not a row of the second
    assert not Dossier.objects.annotate(n=Count("log")).filter(n=0).exists()


def test_the_builder_processes_make_the_batches_one_process_makes(world, monkeypatch):
    """Each batch draws from a generator seeded by the run's seed and its place in the
    run: two builder processes give, batch by batch, the rows one process gives."""
    from psycopg.types.json import Jsonb

    from loadtest import generator as loadgen

    gen = LoadGenerator(dossiers=120, seed=6, batch=50, statistics=False)
    gen.load_catalogue()
    gen.load_staff()
    gen.make_citizens()
    gen._load_consultation_targets()
    # The same ids for both, so that the rows can be compared whole.
    monkeypatch.setattr(loadgen, "reserve_ids", lambda model, count: 10**7)

    def plain(value):
        return value.obj if isinstance(value, Jsonb) else value

    made = {}
    for workers in (1, 2):
        gen.workers = workers
        made[workers] = [
            (
                {
                    name: [tuple(map(plain, row)) for row in rows]
                    for name, rows in table_rows.items()
                },
                by_status,
            )
            for table_rows, by_status in (t.pack() for t in gen._built_batches())
        ]
    assert made[1] == made[2]
    assert [sum(b.values()) for _rows, b in made[2]] == [50, 50, 20]
    assert made[2][0][0]["logs"]


def _indexes() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN"
            " ('dossiers_dossier', 'dossiers_dossierlog', 'dossiers_storedfile',"
            " 'dossiers_dossierdocument') ORDER BY indexdef"
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_large_load_sets_the_indexes_aside_and_builds_them_again(world, monkeypatch):
    """Larger than the table: the secondary indexes go for the load and come back after
    it, after a failed batch too; a smaller load keeps them."""
    from django.db import connection

    from loadtest import generator as loadgen

    before = _indexes()
    output = _generate(300, citizens=40, seed=5)
    assert "set aside for the load" in output and "built again" in output
    assert _indexes() == before

    flush = loadgen.Table.flush

    def failing_flush(self, cursor):
        if self.model is DossierLog:
            raise RuntimeError("disk full")
        return flush(self, cursor)

    monkeypatch.setattr(loadgen.Table, "flush", failing_flush)
    with pytest.raises(CommandError, match="disk full"):
        _generate(400, citizens=40, seed=6)
    assert _indexes() == before
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {loadgen.SET_ASIDE}")  # noqa: S608
        assert cursor.fetchone()[0] == 0
    monkeypatch.undo()

    assert "set aside" not in _generate(100, citizens=40, seed=7)
