"""The Celery app: Redis broker, JSON only, tasks acknowledged after they finish."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# The whole Celery beat schedule, in code. Each app adds its entries here.
BEAT_SCHEDULE = {
    "health-heartbeat": {
        "task": "config.tasks.heartbeat",
        "schedule": 60.0,
    },
    # The outbox's safety net: events written while Redis or the workers were down,
    # and retries that are due (dossiers.outbox).
    "outbox-sweep": {
        "task": "dossiers.outbox_sweep",
        "schedule": float(os.environ.get("OUTBOX_SWEEP_SECONDS", "60")),
        "options": {"expires": 120},
    },
    # Issued forms whose PDF no worker wrote after the action (dossiers.documents.sweep).
    "issued-documents-sweep": {
        "task": "dossiers.issued_documents_sweep",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Notifications and clock jobs (notifications/, dossiers/deadlines.py). All are safe
    # to run twice or on several workers at once; times are in TIME_ZONE.
    # The queue tabs' counts read the tally's deltas until they are folded (dossiers.tally).
    "queue-tally-compact": {
        "task": "dossiers.queue_tally_compact",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "deadline-sweep": {
        "task": "dossiers.deadlines.sweep",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    "officials-daily-digest": {
        "task": "notifications.daily_digests",
        "schedule": crontab(hour=6, minute=30),
    },
    "citizens-daily-reminders": {
        "task": "notifications.citizen_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "drafts-cleanup": {
        "task": "dossiers.deadlines.drafts",
        "schedule": crontab(hour=2, minute=15),
    },
    # Delivered outbox rows past OUTBOX_KEEP_DAYS (dossiers.outbox.purge_delivered).
    "outbox-purge": {
        "task": "dossiers.outbox_purge",
        "schedule": crontab(hour=3, minute=30),
    },
    # The partner API's call log past API_CALL_KEEP_DAYS (api.clients.api_calls_purge).
    "api-calls-purge": {
        "task": "api.calls_purge",
        "schedule": crontab(hour=3, minute=45),
    },
    # The statistics' summary of today and yesterday (indicators.refresh): the pages
    # and /minh-bach/ promise figures at most an hour old.
    "statistics-refresh": {
        "task": "indicators.refresh_recent",
        "schedule": 900.0,
        "options": {"expires": 800},
    },
    # The catalogue search's dossier counts of the last 90 days (indicators.demand).
    "procedure-demand": {
        "task": "indicators.procedure_demand",
        "schedule": crontab(hour=1, minute=30),
    },
    # The bottleneck radar to each leader (indicators.digest), once per week.
    "radar-weekly-digest": {
        "task": "indicators.radar_digests",
        "schedule": crontab(hour=7, minute=15, day_of_week="mon"),
    },
    "agencies-weekly-summary": {
        "task": "notifications.weekly_summaries",
        "schedule": crontab(hour=7, minute=0, day_of_week="mon"),
    },
}

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
    broker_transport_options={
        # Seconds before a task taken by a worker that died is handed to another one.
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
        # Publishing fails at once when Redis is down instead of retrying the connection
        # for seconds inside a web request; the outbox sweep delivers what was missed.
        "max_retries": 0,
    },
    task_default_queue=os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery"),
    timezone=os.environ.get("TIME_ZONE", "Asia/Ho_Chi_Minh"),
    enable_utc=True,
    beat_schedule=BEAT_SCHEDULE,
)
app.autodiscover_tasks()
app.autodiscover_tasks(["config"])
# Export jobs live beside, not in, dossiers/tasks.py.
app.autodiscover_tasks(["dossiers"], related_name="export_tasks")
