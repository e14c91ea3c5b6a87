"""An issued form's PDF through real Celery workers on the real Redis: written after the
action commits, and still written, once, when the worker writing it is killed."""

from __future__ import annotations

import pytest
from django.db import connection

from dossiers import services
from dossiers.constants import Action, Status
from dossiers.models import DossierLog, IssuedDocument
from dossiers.tasks import issued_documents_sweep
from tests.dossiers.factories import World
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deferred(settings):
    settings.ISSUED_DOCUMENTS_WRITE_INLINE = False


def written_rows(dossier) -> int:
    return DossierLog.objects.filter(dossier=dossier, action=Action.DOCUMENT_WRITTEN).count()


def held_by_a_worker() -> bool:
    """Whether another connection is inside `documents.write`, holding an issued form's
    row (SELECT ... FOR UPDATE takes ROW SHARE on the table until its commit). Read
    from pg_locks: taking the row here would make the worker skip it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND l.mode = 'RowShareLock' AND l.pid <> pg_backend_pid()",
            [IssuedDocument._meta.db_table],
        )
        return cursor.fetchone() is not None


def test_written_by_a_worker_after_the_commit(deferred, celery_worker_factory):
    celery_worker_factory(database=True)  # starts while we build
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)

    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    issued = IssuedDocument.objects.get(dossier=dossier)
    assert issued.number and issued.log.action == Action.RECEIVE

    wait_for(lambda: IssuedDocument.objects.filter(pk=issued.pk).exclude(file="").exists())
    issued.refresh_from_db()
    row = DossierLog.objects.get(dossier=dossier, action=Action.DOCUMENT_WRITTEN)
    assert row.data["document"]["sha256"] == issued.sha256 and len(issued.sha256) == 64


def test_a_worker_killed_while_writing_leaves_it_to_the_sweep(deferred, celery_worker_factory):
    # Redis hands a task taken by a dead worker to another after the visibility
    # timeout: one second here, an hour in production.
    env = {"CELERY_VISIBILITY_TIMEOUT": "1", "OUTBOX_RETRY_BASE_SECONDS": "1"}
    first = celery_worker_factory(database=True, env=env)
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)

    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    issued = IssuedDocument.objects.get(dossier=dossier)
    # The worker holds the row while it renders (importing WeasyPrint alone takes
    # seconds in a fresh worker): killed then, before its commit.
    wait_for(
        lambda: (
            IssuedDocument.objects.filter(pk=issued.pk, attempts=1).exists() and held_by_a_worker()
        ),
        interval=0.02,
    )
    first.kill()

    issued.refresh_from_db()
    # The attempt was counted before the rendering: a document that kills every worker
    # is given up on after ISSUED_DOCUMENT_MAX_ATTEMPTS.
    assert (issued.state, issued.attempts, issued.sha256) == ("pending", 1, "")
    assert written_rows(dossier) == 0
    # Its connection is gone, and with it the lock: the row waits for the sweep.
    wait_for(lambda: not held_by_a_worker())

    second = celery_worker_factory(database=True, env=env)
    issued_documents_sweep.apply_async(
        kwargs={"older_than": 0}, queue=second.queue, ignore_result=False
    ).get(timeout=120)
    wait_for(lambda: IssuedDocument.objects.filter(pk=issued.pk).exclude(file="").exists())
    issued.refresh_from_db()
    assert issued.state == "ready" and len(issued.sha256) == 64
    assert (issued.attempts, issued.retry_at, issued.last_error) == (1, None, "")
    # Written once, whether the sweep or the redelivered task got to it first.
    assert written_rows(dossier) == 1
    assert (
        issued_documents_sweep.apply_async(
            kwargs={"older_than": 0}, queue=second.queue, ignore_result=False
        ).get(timeout=60)
        == 0
    )
    assert written_rows(dossier) == 1
