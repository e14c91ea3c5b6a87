"""The Celery app: Redis broker, JSON only, tasks acknowledged after they finish."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("motcua")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # A task is acknowledged only once it has run, so a worker that dies mid-task
    # hands it to another; tasks are idempotent for exactly this reason.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # Deadline and notification jobs are short; prefetching one at a time keeps a
    # slow task from holding others hostage on a busy worker.
    worker_prefetch_multiplier=1,
    task_soft_time_limit=120,
    task_time_limit=180,
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": 3600},
    timezone=os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh"),
    enable_utc=True,
    beat_schedule={
        "health-heartbeat": {
            "task": "config.tasks.heartbeat",
            "schedule": 60.0,
        },
    },
)
app.autodiscover_tasks()
app.autodiscover_tasks(["config"])
# Export jobs (issue 6) live beside, not in, dossiers/tasks.py.
app.autodiscover_tasks(["dossiers"], related_name="export_tasks")
