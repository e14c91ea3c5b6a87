"""Demo part of `seed_demo`: the demo dossiers were walked through the services, so
their outbox events exist; deliver them now, in this process, so the demo accounts
find their notifications without waiting for a Celery worker."""

from dossiers import outbox


def deliver_demo_notifications(*, stdout=None) -> int:
    sent = outbox.sweep(budget_seconds=120)
    if stdout is not None:
        stdout.write(f"demo notifications delivered: {sent}")
    return sent
