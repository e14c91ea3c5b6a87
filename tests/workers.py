"""Real Celery workers for tests (not eager mode): each test gets a queue of its own, so
a developer's worker on the same Redis cannot steal its tasks, and workers that share
the test database when the test needs one.

    (the fixture is imported into tests/conftest.py, so every test can ask for it)

    def test_x(celery_worker_factory, transactional_db):
        worker = celery_worker_factory(database=True)
        some_task.apply_async(queue=worker.queue)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_workers() -> str:
    """The URL of the database this test runs against (pytest-django's test_...), for
    worker processes that must see the rows the test commits."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    def __init__(self, queue: str, env: dict):
        self.queue = queue
        self.output = ""
        self.process = subprocess.Popen(
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
                f"--hostname={queue}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task, its database connection drops, its task
        stays unacknowledged in Redis."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.output, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate()


@pytest.fixture
def celery_worker_factory():
    """Start real `celery worker` processes on one fresh queue; the in-process app
    sends its tasks there too (task_default_queue). Keyword arguments of the factory:
    `database=True` points the worker at the test database (use transactional_db so
    the worker sees committed rows), `env` adds environment variables."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    saved_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    workers: list[Worker] = []

    def start(*, database: bool = False, env: dict | None = None) -> Worker:
        full = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            **(env or {}),
        }
        if database:
            full["DATABASE_URL"] = database_url_for_workers()
        worker = Worker(queue, full)
        workers.append(worker)
        return worker

    yield start
    app.conf.task_default_queue = saved_queue
    for worker in workers:
        worker.stop()
        if "Traceback" in (worker.output or ""):
            print(worker.output)


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.1):
    # Generous: worker processes start slowly on a loaded two-core machine.
    """Poll until `predicate()` is truthy; return its value or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(interval)


@contextlib.contextmanager
def broker_at(url: str):
    """Point this process's Celery producer at another broker URL (a closed port: Redis
    is down) and back again."""
    from config.celery import app

    def reset():
        # kombu keeps its pools per URL, so the old URL's pool is found again after.
        app._pool = None
        app.amqp._producer_pool = None

    saved = app.conf.broker_url
    reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = saved
