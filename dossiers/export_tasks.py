"""Celery side of the large exports (dossiers.exports). Kept out of dossiers/tasks.py,
which belongs to the notifications work; config.celery discovers this module."""

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3700)
def export_run(job_id: int) -> str:
    """Write the export file of ExportJob `job_id` (ids only, never instances)."""
    from dossiers.exports import export_job_run

    return export_job_run(job_id).status
