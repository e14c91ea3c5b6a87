"""A large export through a real Celery worker on Redis (not eager): the worker reads
the committed job from the test database and finishes it."""

import time

import pytest

from dossiers import exports
from dossiers.constants import Status
from dossiers.export_tasks import export_run
from dossiers.models import ExportJob
from tests.backoffice.queue_data import clone_many
from tests.dossiers.factories import World

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue(celery_worker_factory):
    # The worker must see the test database, where this test commits the job.
    return celery_worker_factory(database=True).queue


def test_a_large_export_is_finished_by_a_real_worker(worker_queue):
    world = World()
    clone_many(world.dossier_in(Status.RECEIVED), 120)
    job = ExportJob.objects.create(
        owner=world.leader,
        kind="queue",
        format="xlsx",
        title="all",
        params=exports.filters_to_params(exports.queues.Filters(queue="all")),
    )
    assert export_run.apply_async(args=[job.pk], queue=worker_queue).get(timeout=90) == "done"
    for _ in range(20):
        job.refresh_from_db()
        if job.status == ExportJob.State.DONE:
            break
        time.sleep(0.2)
    assert job.status == ExportJob.State.DONE
    assert job.row_count == 121 and job.file.name.startswith("exports/") and job.finished_at
