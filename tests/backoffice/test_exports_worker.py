"""A large export through a real Celery worker on Redis (not eager): the worker reads
the committed job from the test database and finishes it."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from dossiers import exports
from dossiers.constants import Status
from dossiers.export_tasks import export_run
from dossiers.models import ExportJob
from tests.backoffice.queue_data import clone_many
from tests.dossiers.factories import World

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue():
    queue = f"test-export-{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # The worker must see the test database, where this test commits the job.
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
            f"--queues={queue}",
            f"--hostname={queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if "Traceback" in (output or ""):
            print(output)


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
