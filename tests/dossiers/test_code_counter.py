"""Dossier codes: `<agency>-<yymmdd>-<NNNN>`, gap-free and unique under concurrency and
when a submitting process dies, with the agency's day counter held only for the
submission's last statement and its commit."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.constants import Status
from dossiers.models import Dossier, DossierCodeCounter
from tests.helpers import code_counter_held_for, statements


@pytest.mark.django_db
def test_codes_count_per_agency_and_day(world):
    first = world.dossier_in(Status.SUBMITTED)
    second = world.dossier_in(Status.SUBMITTED)
    day = first.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert first.code == f"000.00.31.H29-{day:%y%m%d}-0001"
    assert second.code.endswith("-0002")


@pytest.mark.django_db
def test_a_failed_submission_gives_its_number_back(world):
    dossier = world.complete_draft()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        raise RuntimeError("crash after the code was taken")
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    dossier.refresh_from_db()
    assert dossier.code.endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_gap_free_unique_codes():
    from tests.dossiers.factories import World

    world = World()
    drafts = [world.complete_draft() for _ in range(24)]
    barrier = threading.Barrier(8)
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for d in chunk:
                try:
                    with transaction.atomic():
                        services.dossier_submit(dossier_id=d.pk, actor=world.applicant)
                        if d.pk % 5 == 0:
                            raise _Abort  # some submissions roll back mid-way
                except _Abort:
                    services.dossier_submit(dossier_id=d.pk, actor=world.applicant)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(drafts[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    numbers = sorted(
        int(c.rsplit("-", 1)[1]) for c in Dossier.objects.values_list("code", flat=True)
    )
    assert numbers == list(range(1, 25))
    assert connection.vendor == "postgresql"


class _Abort(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_the_counter_is_held_for_the_dossiers_update_and_the_commit_only(client):
    from tests.dossiers.factories import World

    world = World()
    draft = world.complete_draft()
    with statements() as seen:
        services.dossier_submit(dossier_id=draft.pk, actor=world.applicant)
    assert code_counter_held_for(seen) == ['UPDATE "dossiers_dossier"', "COMMIT"]

    # The same through the portal's page, whose request commits right after.
    draft = world.complete_draft()
    client.force_login(world.applicant)
    with statements() as seen:
        response = client.post(reverse("portal:dossier-review", kwargs={"ref": draft.ref}))
    assert response.status_code == 302
    assert code_counter_held_for(seen) == ['UPDATE "dossiers_dossier"', "COMMIT"]
    draft.refresh_from_db()
    assert draft.code.endswith("-0002") and draft.status == Status.SUBMITTED
    submit = draft.log.get(action="submit")
    assert submit.data["documents"] and "code" not in submit.data


@pytest.mark.django_db(transaction=True)
def test_another_submission_takes_the_counter_while_one_writes_its_log_and_event(monkeypatch):
    from dossiers.services import transition
    from tests.dossiers.factories import World

    world = World()
    slow, quick = world.complete_draft(), world.complete_draft()
    written, go_on = threading.Event(), threading.Event()
    emit = transition.action_event_emit

    def emit_and_wait(dossier, *args):
        emit(dossier, *args)
        if dossier.pk == slow.pk:
            written.set()
            go_on.wait(30)

    monkeypatch.setattr(transition, "action_event_emit", emit_and_wait)
    errors = []

    def submit_slow():
        try:
            services.dossier_submit(dossier_id=slow.pk, actor=world.applicant)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=submit_slow)
    thread.start()
    try:
        assert written.wait(30)
        # The slow submission's transaction is open with its dossier, log row and event
        # written: a lock wait here would be the counter held across them.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            services.dossier_submit(dossier_id=quick.pk, actor=world.applicant)
    finally:
        go_on.set()
        thread.join()
    assert not errors
    slow.refresh_from_db()
    quick.refresh_from_db()
    assert quick.code.endswith("-0001") and slow.code.endswith("-0002")


@pytest.mark.django_db(transaction=True)
def test_a_submission_killed_before_its_commit_leaves_no_gap():
    from tests.dossiers.factories import World
    from tests.workers import ROOT, database_url_for_workers

    world = World()
    killed, other = world.complete_draft(), world.complete_draft()
    url = database_url_for_workers()
    script = "tests.dossiers.hung_submission"
    child = subprocess.Popen(
        [sys.executable, "-m", script, str(killed.pk), str(world.applicant.pk)],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": url,
            "DATABASE_REPLICA_URL": url,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.startswith("taken ") and line.split()[1].endswith("-0001"), line
        # It holds the day's counter: taking it here waits (for a second, then gives up).
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            services.dossier_code_next(world.agency, timezone.now())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()

    # The killed process's transaction never committed: its number is free again.
    services.dossier_submit(dossier_id=other.pk, actor=world.applicant)
    services.dossier_submit(dossier_id=killed.pk, actor=world.applicant)
    other.refresh_from_db()
    killed.refresh_from_db()
    assert other.code.endswith("-0001") and killed.code.endswith("-0002")
    assert killed.log.filter(action="submit").count() == 1
    assert list(DossierCodeCounter.objects.values_list("last", flat=True)) == [2]
