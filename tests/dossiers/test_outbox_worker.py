"""The outbox through real Celery workers on the real Redis (not eager mode): delivery
after commit and never for a rollback, Redis down while a citizen submits, and a worker
killed in the middle of a delivery."""

import time

import pytest
from django.db import transaction

from dossiers import outbox, services
from dossiers.constants import DeliveryStatus, Status
from dossiers.models import OutboxDelivery, OutboxEvent
from dossiers.tasks import outbox_sweep
from tests.dossiers.factories import World
from tests.dossiers.outbox_recorder import PATH, FileRecorder, lines
from tests.workers import broker_at, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ENV = {"OUTBOX_SUBSCRIBERS": PATH}
# Other subscribers (notifications) also plan deliveries for these events: the
# assertions look at the recorder's own.


@pytest.fixture
def recorder(tmp_path, monkeypatch):
    """The record file of FileRecorder, registered here and in every worker."""
    path = tmp_path / "record.txt"
    monkeypatch.setenv("OUTBOX_TEST_RECORD", str(path))
    outbox.register(FileRecorder())
    yield path
    outbox.unregister(FileRecorder.name)


def sweep_through(worker) -> int:
    """What Celery beat does every minute, through the worker, waiting for the end."""
    return outbox_sweep.apply_async(queue=worker.queue, ignore_result=False).get(timeout=60)


def test_delivered_after_commit_never_for_a_rollback(recorder, celery_worker_factory):
    worker = celery_worker_factory(database=True, env=ENV)  # starts while we build
    world = World()
    dossier = world.complete_draft()

    with transaction.atomic():
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        # The event row exists, but no worker may see or be told about it yet.
        time.sleep(0.5)
        assert lines(recorder) == []
    event = OutboxEvent.objects.get()
    wait_for(
        lambda: OutboxDelivery.objects.filter(
            subscriber=FileRecorder.name, status=DeliveryStatus.SENT
        ).exists()
    )
    assert lines(recorder) == [
        f"motcua-{event.pk}-test-recorder-user:{world.applicant.pk}-file submitted"
    ]

    with pytest.raises(RuntimeError), transaction.atomic():
        services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
        raise RuntimeError("the request fails after the change")
    assert list(OutboxEvent.objects.values_list("kind", flat=True)) == ["submitted"]
    assert sweep_through(worker) == 0
    assert len(lines(recorder)) == 1
    delivery = OutboxDelivery.objects.get(subscriber=FileRecorder.name)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)


def test_redis_down_while_submitting_then_the_sweep_delivers(recorder, celery_worker_factory):
    worker = celery_worker_factory(database=True, env=ENV)  # starts while we build
    world = World()
    dossier = world.complete_draft()

    with broker_at("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        started = time.monotonic()
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        assert time.monotonic() - started < 3, "the request waited for Redis"
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED and dossier.code
    event = OutboxEvent.objects.get()
    assert event.kind == "submitted" and event.planned_at is None

    # Redis is back; nobody was told about the event, so only the sweep can find it.
    time.sleep(0.5)
    assert lines(recorder) == []
    # The other subscribers (notifications) are delivered by the same sweep.
    assert sweep_through(worker) >= 1
    assert len(lines(recorder)) == 1
    assert sweep_through(worker) == 0
    assert len(lines(recorder)) == 1


def test_worker_killed_mid_delivery_the_task_runs_again_and_sends_once(
    recorder, celery_worker_factory
):
    # Redis hands a task taken by a dead worker to another after the visibility
    # timeout: one second here, an hour in production.
    env = {**ENV, "CELERY_VISIBILITY_TIMEOUT": "1"}
    first = celery_worker_factory(database=True, env=env)
    world = World()
    dossier = world.complete_draft()
    recorder.with_suffix(".slow").touch()

    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    wait_for(lambda: lines(recorder.with_suffix(".started")))
    first.kill()  # inside deliver(), holding the row lock, before the commit
    assert lines(recorder) == []

    celery_worker_factory(database=True, env=env)
    # The record is written inside the delivering transaction: wait for its commit.
    wait_for(
        lambda: OutboxDelivery.objects.filter(
            subscriber=FileRecorder.name, status=DeliveryStatus.SENT
        ).exists()
    )
    assert len(lines(recorder)) == 1
    started = lines(recorder.with_suffix(".started"))
    assert len(started) == 2 and started[0] != started[1], "not run again by another worker"
    delivery = OutboxDelivery.objects.get(subscriber=FileRecorder.name)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    time.sleep(1)
    assert len(lines(recorder)) == 1
