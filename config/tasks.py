"""Tasks that belong to the platform rather than to one domain app."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_CACHE_KEY = "celery:heartbeat"


@shared_task(name="config.tasks.ping", ignore_result=False)
def ping(token: str) -> str:
    """Echo `token` back: proves a worker took a task from the broker and answered."""
    return f"pong:{token}"


@shared_task(name="config.tasks.heartbeat")
def heartbeat() -> str:
    """Record when beat last reached a worker, so operators can see both are alive."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, now, timeout=600)
    return now
