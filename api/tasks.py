"""Celery jobs of the partner API."""

from celery import shared_task
from django.conf import settings

from api import clients


@shared_task(name="api.calls_purge")
def calls_purge() -> int:
    """The call log past API_CALL_KEEP_DAYS (daily; safe to run twice)."""
    return clients.api_calls_purge(keep_days=settings.API_CALL_KEEP_DAYS)
