"""Celery tasks of the dossiers app. Tasks take ids, are idempotent and call services
(STYLE R8); the outbox's guarantees are in `dossiers.outbox`."""

from celery import shared_task

from dossiers import documents, outbox, tally


@shared_task(name="dossiers.outbox_dispatch", ignore_result=True)
def outbox_dispatch(event_id: int | None = None) -> int:
    """Deliver one event (queued on commit) or everything due (event_id None). Safe to
    run twice or on several workers at once: rows are taken with SKIP LOCKED and a sent
    row is never sent again."""
    return outbox.dispatch(event_id=event_id)


@shared_task(name="dossiers.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """Celery beat: deliver what the on-commit trigger missed and the retries now due."""
    return outbox.sweep()


@shared_task(name="dossiers.outbox_purge", ignore_result=True)
def outbox_purge() -> int:
    """Celery beat, nightly: drop delivered events past OUTBOX_KEEP_DAYS."""
    return outbox.purge_delivered()


@shared_task(name="dossiers.queue_tally_compact", ignore_result=True)
def queue_tally_compact() -> int:
    """Celery beat, every minute: fold the queue tally's deltas (dossiers.tally). Safe
    on several workers: one compaction runs at a time, the others return at once."""
    return tally.compact()


@shared_task(name="dossiers.issued_document_write", ignore_result=True)
def issued_document_write(issued_id: int) -> bool:
    """Render, sign and store an issued form's PDF (queued when its action commits).
    Safe to run twice: a document is written once (dossiers.documents.write)."""
    return documents.write(issued_id) is not None


@shared_task(name="dossiers.issued_documents_sweep", ignore_result=True)
def issued_documents_sweep(older_than: float | None = None) -> int:
    """Celery beat, every minute: the issued forms no worker wrote."""
    return documents.sweep(older_than=older_than)
