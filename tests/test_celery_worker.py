"""Celery round-trip through a real worker process on the real Redis broker (not eager)."""

import uuid

import pytest
from django.conf import settings

from config.celery import app
from config.tasks import ping

pytestmark = pytest.mark.worker


@pytest.fixture
def celery_worker_process(celery_worker_factory):
    """A real `celery worker` on a queue of its own (tests/workers.py), so a developer's
    running worker on the same Redis cannot steal the test's tasks."""
    return celery_worker_factory().queue


def test_configuration_is_safe_for_lost_workers():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_time_limit and app.conf.task_soft_time_limit
    assert app.conf.broker_url.startswith("redis://")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    assert "health-heartbeat" in app.conf.beat_schedule


def test_ping_round_trip_through_a_real_worker(celery_worker_process):
    token = uuid.uuid4().hex
    result = ping.apply_async(args=[token], queue=celery_worker_process)
    assert result.get(timeout=60) == f"pong:{token}"


def test_heartbeat_task_records_time_through_a_real_worker(celery_worker_process):
    from django.core.cache import cache

    from config.tasks import HEARTBEAT_CACHE_KEY, heartbeat

    stamp = heartbeat.apply_async(queue=celery_worker_process).get(timeout=60)
    assert cache.get(HEARTBEAT_CACHE_KEY) == stamp


@pytest.mark.django_db
def test_deep_readiness_round_trips_a_task(client, settings, celery_worker_process):
    settings.READINESS_CELERY_QUEUE = celery_worker_process
    settings.READINESS_TIMEOUT = 30
    response = client.get("/readyz?deep=1")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["celery"]["ok"] is True


@pytest.mark.django_db
def test_deep_readiness_fails_fast_without_a_worker(client, settings):
    settings.READINESS_CELERY_QUEUE = f"nobody-listens-{uuid.uuid4().hex[:8]}"
    settings.READINESS_TIMEOUT = 0.5
    response = client.get("/readyz?deep=1")
    assert response.status_code == 503
    assert response.json()["failed"] == ["celery"]
