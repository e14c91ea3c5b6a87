"""The transactional outbox: nothing that someone must hear about is lost.

Contract (shared with the notifications and the partner sync):

    emit(kind, *, dossier=None, actor=None, data=None) -> OutboxEvent
        writes one event row in the CURRENT transaction, so the event exists exactly
        when the change it announces commits, and asks a worker to dispatch it once
        the transaction commits.
    class Subscriber: name; plan(event) -> (recipient, channel) pairs; deliver(delivery)
    register(subscriber)          idempotent by name, call it from AppConfig.ready()
    NotYet                        raised by deliver(): retry later, no attempt counted

Dispatching (`dispatch`, `sweep`, run by the Celery tasks in `dossiers.tasks`):
1. fan-out: each unplanned event is locked, every subscriber plans its deliveries,
   the rows are inserted (the unique (event, subscriber, recipient, channel) key makes
   planning twice harmless) and the event is marked planned, in one transaction;
2. delivery: each due delivery is taken with SELECT ... FOR UPDATE SKIP LOCKED (two
   workers never take the same row), `deliver()` runs while the lock is held, and the
   row is marked sent in the same transaction. A worker that dies mid-delivery loses
   its connection, so the lock goes and the row is still pending: at-least-once. A row
   already sent is never sent again, however often its task is redelivered.
3. a failed delivery is retried after an exponential backoff (settings
   OUTBOX_RETRY_BASE_SECONDS, OUTBOX_RETRY_MAX_SECONDS); after OUTBOX_MAX_ATTEMPTS it
   is marked failed and waits in Django admin for someone to retry it.

The on-commit trigger is best effort: when Redis or the workers are down the request
still succeeds, and the periodic sweep (Celery beat) delivers what was left behind.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from dossiers.constants import DeliveryStatus, EventKind
from dossiers.models import OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)

# How many rows one task handles before it lets the next task in; the sweep loops.
BATCH = 100


class NotYet(Exception):
    """Raised by `Subscriber.deliver`: not now (e.g. an earlier event must go first).
    The delivery is looked at again later without counting an attempt. `retry_at` (an
    aware datetime) says when, if the subscriber knows."""

    def __init__(self, reason: str = "", *, retry_at: dt.datetime | None = None):
        super().__init__(reason)
        self.retry_at = retry_at


class Subscriber:
    """One consumer of events. Subclass, set `name`, register an instance."""

    name: str = ""

    def plan(self, event: OutboxEvent) -> Iterable[tuple[str, str]]:
        """(recipient, channel) pairs this event must reach. May return nothing."""
        return ()

    def deliver(self, delivery: OutboxDelivery) -> None:
        """Send one delivery; raise to retry with backoff, raise NotYet to wait."""
        raise NotImplementedError


_registry: dict[str, Subscriber] = {}


def register(subscriber: Subscriber) -> Subscriber:
    """Add a subscriber (an instance, or a class to instantiate). Registering the same
    name again replaces it, so `ready()` running twice changes nothing."""
    if isinstance(subscriber, type):
        subscriber = subscriber()
    if not subscriber.name:
        raise ValueError("a subscriber needs a name")
    _registry[subscriber.name] = subscriber
    return subscriber


def unregister(name: str) -> None:
    _registry.pop(name, None)


def registered() -> dict[str, Subscriber]:
    return dict(_registry)


def register_configured() -> None:
    """Subscribers named in settings.OUTBOX_SUBSCRIBERS (dotted paths)."""
    for path in settings.OUTBOX_SUBSCRIBERS:
        register(import_string(path))


# --- writing events ------------------------------------------------------------------


def emit(kind: str, *, dossier=None, actor=None, data: dict | None = None) -> OutboxEvent:
    """Write one event in the current transaction; dispatch it after commit."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    event = OutboxEvent.objects.create(
        kind=kind,
        dossier=dossier,
        actor=actor if actor is not None and actor.is_authenticated else None,
        data=data or {},
    )
    transaction.on_commit(partial(dispatch_soon, event.pk))
    return event


def enqueue(task, *, kwargs: dict, countdown: float | None = None, what: str) -> bool:
    """Queue a Celery task after a commit. Never raises: the request or action has
    committed and must not fail because Redis is down; a beat sweep picks the work up
    later. `what` names it in the warning."""
    try:
        # One quick retry replaces a stale pooled connection (Redis restarted); with
        # Redis down, publishing fails at once (config/celery.py: max_retries 0).
        task.apply_async(
            kwargs=kwargs,
            countdown=countdown,
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception:
        logger.warning("could not queue %s; the sweep will do it", what, exc_info=True)
        return False
    return True


def dispatch_soon(event_id: int | None = None, *, countdown: float | None = None) -> bool:
    """Ask a worker to dispatch `event_id` (or everything due); see `enqueue`."""
    from dossiers.tasks import outbox_dispatch

    return enqueue(
        outbox_dispatch,
        kwargs={"event_id": event_id},
        countdown=countdown,
        what=f"the dispatch of outbox event {event_id}",
    )


# --- dispatching ---------------------------------------------------------------------


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1`: base, 2 base, 4 base, ... capped."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS)


def fan_out(*, event_id: int | None = None, limit: int = BATCH) -> int:
    """Plan the deliveries of unplanned events (one transaction per event, so one
    subscriber failing to plan one event holds up nothing else). Returns how many."""
    candidates = OutboxEvent.objects.filter(planned_at=None)
    if event_id is not None:
        candidates = candidates.filter(pk=event_id)
    done = 0
    for pk in candidates.order_by("pk").values_list("pk", flat=True)[:limit]:
        try:
            with transaction.atomic():
                # The event row alone is locked and read; its dossier comes by primary
                # key when a subscriber asks for it. Joined in the locking query,
                # PostgreSQL may choose a merge join over the whole dossier table on
                # stale outbox statistics, reading every dossier for one event.
                event = (
                    OutboxEvent.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, planned_at=None)
                    .first()
                )
                if event is None:  # another worker has it, or had it
                    continue
                now = timezone.now()
                rows = [
                    OutboxDelivery(
                        event=event,
                        subscriber=name,
                        recipient=recipient,
                        channel=channel,
                        next_attempt_at=now,
                        created_at=now,
                    )
                    for name, subscriber in _registry.items()
                    for recipient, channel in subscriber.plan(event) or ()
                ]
                OutboxDelivery.objects.bulk_create(rows, ignore_conflicts=True)
                event.planned_at = now
                event.save(update_fields=["planned_at"])
                done += 1
        except Exception:
            logger.exception("outbox: planning event %s failed; the sweep tries again", pk)
    return done


def deliver_one(*, event_id: int | None = None) -> OutboxDelivery | None:
    """Take one due delivery (skipping rows other workers hold), deliver it and record
    the outcome in the same transaction. None when nothing is due."""
    with transaction.atomic():
        now = timezone.now()
        due = OutboxDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        if event_id is not None:
            due = due.filter(event_id=event_id)
        # Only the delivery row in the locking query (see fan_out); its event and
        # dossier come by primary key once it is ours.
        delivery = due.select_for_update(skip_locked=True).order_by("next_attempt_at", "pk").first()
        if delivery is None:
            return None
        subscriber = _registry.get(delivery.subscriber)
        try:
            if subscriber is None:
                raise LookupError(f"no subscriber {delivery.subscriber!r} in this process")
            # A savepoint: whatever a failed deliver() wrote is undone, the bookkeeping
            # below is kept.
            with transaction.atomic():
                subscriber.deliver(delivery)
        except NotYet as wait:
            delivery.next_attempt_at = max(
                wait.retry_at or now, now + dt.timedelta(seconds=settings.OUTBOX_NOT_YET_SECONDS)
            )
            delivery.last_error = f"waiting: {wait}"[:2000]
        except Exception as exc:
            delivery.attempts += 1
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                logger.error("outbox: delivery %s failed for good: %s", delivery, exc)
            else:
                delivery.next_attempt_at = now + dt.timedelta(seconds=backoff(delivery.attempts))
                logger.warning("outbox: delivery %s will be retried: %s", delivery, exc)
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = now
            delivery.attempts += 1
            delivery.last_error = ""
        delivery.save(
            update_fields=["status", "attempts", "next_attempt_at", "last_error", "sent_at"]
        )
        return delivery


def deliver_due(*, event_id: int | None = None, limit: int = BATCH) -> list[OutboxDelivery]:
    handled = []
    while len(handled) < limit:
        delivery = deliver_one(event_id=event_id)
        if delivery is None:
            break
        handled.append(delivery)
    return handled


def dispatch(*, event_id: int | None = None) -> int:
    """Fan out and deliver one event (or whatever is due), then schedule a dispatch
    for each retry that comes sooner than the next sweep. Returns deliveries sent."""
    fan_out(event_id=event_id)
    handled = deliver_due(event_id=event_id)
    now = timezone.now()
    later = {
        d.event_id: d.next_attempt_at
        for d in handled
        if d.status == DeliveryStatus.PENDING
        and (d.next_attempt_at - now).total_seconds() < settings.OUTBOX_SWEEP_SECONDS
    }
    for pending_event, at in later.items():
        dispatch_soon(pending_event, countdown=max((at - now).total_seconds(), 0))
    return sum(d.status == DeliveryStatus.SENT for d in handled)


def sweep(*, budget_seconds: float = 50.0) -> int:
    """Everything left behind (Redis or the workers were down, retries now due), in
    batches, until nothing is due or the time budget is spent."""
    started = timezone.now()
    sent = 0
    while True:
        planned = fan_out()
        handled = deliver_due()
        sent += sum(d.status == DeliveryStatus.SENT for d in handled)
        if not planned and not handled:
            return sent
        if (timezone.now() - started).total_seconds() > budget_seconds:
            return sent


def purge_delivered(*, keep_days: float | None = None, batch: int = 5_000, budget_seconds=50.0):
    """Delete events older than `keep_days` (setting OUTBOX_KEEP_DAYS) whose every
    delivery was sent, with those deliveries; returns how many events went.

    The outbox is transport, not record: what happened to a dossier is in its log,
    and what was said to whom in notifications' SentMessage. Kept, it would grow by
    every transition's event and deliveries, some 300 M rows a year at city scale
    (docs/scaling.md). Events still being fanned out, or with a delivery pending or
    failed (it waits in Django admin), stay. Each batch is one statement in its own
    transaction, oldest first, so a run stopped halfway leaves whole events; rows
    another worker holds are skipped and taken the next night."""
    keep = settings.OUTBOX_KEEP_DAYS if keep_days is None else keep_days
    cutoff = timezone.now() - dt.timedelta(days=keep)
    started = timezone.now()
    purged = 0
    sql = f"""
        WITH old AS (
            SELECT e.id FROM {OutboxEvent._meta.db_table} e
            WHERE e.planned_at IS NOT NULL AND e.created_at < %s
              AND NOT EXISTS (
                  SELECT 1 FROM {OutboxDelivery._meta.db_table} d
                  WHERE d.event_id = e.id AND d.status <> %s
              )
            ORDER BY e.id
            LIMIT %s
            FOR UPDATE SKIP LOCKED
        ), deliveries AS (
            DELETE FROM {OutboxDelivery._meta.db_table} d USING old WHERE d.event_id = old.id
        )
        DELETE FROM {OutboxEvent._meta.db_table} e USING old WHERE e.id = old.id
    """  # noqa: S608 - table names from the models, values as parameters
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [cutoff, DeliveryStatus.SENT, batch])
            gone = cursor.rowcount
        purged += gone
        if gone < batch or (timezone.now() - started).total_seconds() > budget_seconds:
            if purged:
                logger.info("outbox: %s delivered events older than %s days purged", purged, keep)
            return purged


# --- operations ----------------------------------------------------------------------


@transaction.atomic
def delivery_retry(*, delivery_ids: Iterable[int]) -> int:
    """FAILED -> PENDING, attempts from zero, due now; deliveries of the same subscriber
    and dossier that waited behind them (ordering) are made due now too. Dispatched
    after commit. Returns how many failed deliveries were reset."""
    failed = list(
        OutboxDelivery.objects.select_for_update()
        .filter(pk__in=list(delivery_ids), status=DeliveryStatus.FAILED)
        .select_related("event")
    )
    now = timezone.now()
    for delivery in failed:
        delivery.status, delivery.attempts, delivery.next_attempt_at = (
            DeliveryStatus.PENDING,
            0,
            now,
        )
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        if delivery.event.dossier_id is not None:
            OutboxDelivery.objects.filter(
                status=DeliveryStatus.PENDING,
                subscriber=delivery.subscriber,
                event__dossier_id=delivery.event.dossier_id,
                event_id__gt=delivery.event_id,
            ).update(next_attempt_at=now)
    for event_id in {d.event_id for d in failed}:
        transaction.on_commit(partial(dispatch_soon, event_id))
    return len(failed)


def earlier_unsent(delivery: OutboxDelivery) -> Q:
    """Deliveries of the same subscriber for earlier events of the same dossier that
    are not sent yet: what strict per-dossier order waits for."""
    return Q(
        subscriber=delivery.subscriber,
        event__dossier_id=delivery.event.dossier_id,
        event_id__lt=delivery.event_id,
    ) & ~Q(status=DeliveryStatus.SENT)
