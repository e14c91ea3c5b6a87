"""Status push to the national public-service portal, as an outbox subscriber.

Each change of a dossier's national status (the national status list: newly
registered, received, not received, in progress, supplement requested, financial
obligation, withdrawn, stopped, finished, result returned) becomes one delivery to
`national-portal` on the `partner` channel. Delivering POSTs a JSON payload to
settings.PARTNER_SYNC_URL with

    Idempotency-Key: motcua-<event>-partner-national-portal-partner   (same on retries)
    X-MotCua-Signature: sha256=<hex HMAC-SHA256 of the body with PARTNER_SYNC_SECRET>

Any answer other than 2xx, or no answer, is retried by the outbox with backoff.
Order is strict per dossier: a change is not sent while an earlier change of the same
dossier is unsent (NotYet), so the receiver sees a dossier's changes in order; a
change that failed for good holds the later ones until someone retries it in admin.
Sync is off while PARTNER_SYNC_URL is empty (events planned then are never pushed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import requests
from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from dossiers.constants import DeliveryStatus, Status
from dossiers.models import OutboxDelivery, OutboxEvent
from dossiers.outbox import NotYet, Subscriber, earlier_unsent

NAME = "partner"
RECIPIENT = "national-portal"
CHANNEL = "partner"
SIGNATURE_HEADER = "X-MotCua-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"

# Our states on the national status list. Our finer steps (awaiting approval) are "in
# progress" there, so proposing or sending back pushes nothing.
NATIONAL_STATUS = {
    Status.SUBMITTED: "newly_registered",
    Status.DESK_SUPPLEMENT: "supplement_requested",
    Status.RECEIVED: "received",
    Status.REFUSED: "not_received",
    Status.PROCESSING: "in_progress",
    Status.AWAITING_APPROVAL: "in_progress",
    Status.SUPPLEMENT_REQUESTED: "supplement_requested",
    Status.AWAITING_PAYMENT: "financial_obligation",
    Status.WITHDRAWN: "withdrawn",
    Status.STOPPED: "stopped",
    Status.RESULT_READY: "finished",
    Status.RETURNED: "result_returned",
}


def enabled() -> bool:
    return bool(settings.PARTNER_SYNC_URL)


def sign(body: bytes, *, secret: str) -> str:
    """The signature header's value for `body` (HMAC-SHA256 under `secret`)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str, *, secret: str) -> bool:
    """For receivers (and our tests): constant-time check of the signature header."""
    return hmac.compare_digest(sign(body, secret=secret), signature or "")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def payload(event: OutboxEvent) -> dict:
    """What the portal receives: the state the change led to (not today's state, which
    may be later), with the dossier's dates."""
    dossier = event.dossier
    status = event.data.get("to") or dossier.status
    return {
        "event_id": event.pk,
        "event": event.kind,
        "occurred_at": _iso(event.created_at),
        "code": dossier.code,
        "procedure_code": dossier.version.procedure.code,
        "agency_code": dossier.receiving_agency.code,
        "competent_agency_code": dossier.competent_agency.code,
        "status": NATIONAL_STATUS.get(status),
        "local_status": status,
        "dates": {
            "submitted_at": _iso(dossier.submitted_at),
            "received_at": _iso(dossier.received_at),
            "due_at": _iso(dossier.due_at),
            "finished_at": _iso(dossier.finished_at),
        },
    }


class HttpAdapter:
    """JSON over HTTPS with an HMAC-SHA256 signature. Swap it for another adapter
    (another portal's protocol) by setting `PartnerSubscriber.adapter`."""

    def send(self, data: dict, *, idempotency_key: str) -> None:
        body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
        response = requests.post(
            settings.PARTNER_SYNC_URL,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                IDEMPOTENCY_HEADER: idempotency_key,
                SIGNATURE_HEADER: sign(body, secret=settings.PARTNER_SYNC_SECRET),
            },
            timeout=settings.PARTNER_SYNC_TIMEOUT,
        )
        # Anything but 2xx is retried by the outbox; the body says why (kept short).
        if not 200 <= response.status_code < 300:
            raise requests.HTTPError(f"{response.status_code}: {response.text[:200]}")


class PartnerSubscriber(Subscriber):
    name = NAME
    adapter = HttpAdapter()

    def plan(self, event):
        if not enabled() or event.dossier_id is None:
            return ()
        before = NATIONAL_STATUS.get(event.data.get("from"))
        after = NATIONAL_STATUS.get(event.data.get("to"))
        if after is None or after == before:
            return ()
        return [(RECIPIENT, CHANNEL)]

    def deliver(self, delivery):
        event = delivery.event
        # An earlier event of the dossier not fanned out yet (another worker is planning
        # it right now) would otherwise be overtaken. Asked first: an event is planned
        # in the same transaction that writes its deliveries, so once this statement
        # sees it planned, the next one (a new snapshot, READ COMMITTED) sees them. In
        # the other order a planning that commits between the two slipped through.
        if OutboxEvent.objects.filter(
            dossier_id=event.dossier_id, pk__lt=event.pk, planned_at=None
        ).exists():
            raise NotYet("an earlier event is being planned")
        waiting = (
            OutboxDelivery.objects.filter(earlier_unsent(delivery))
            .order_by("event_id")
            .values("event_id", "status", "next_attempt_at")
            .first()
        )
        if waiting is not None:
            # Look again when the earlier one is next tried; behind a failed one, wait
            # for the admin retry (which makes this one due again) or the longest pause.
            retry_at = (
                waiting["next_attempt_at"]
                if waiting["status"] == DeliveryStatus.PENDING
                else timezone.now() + dt.timedelta(seconds=settings.OUTBOX_RETRY_MAX_SECONDS)
            )
            raise NotYet(f"after event {waiting['event_id']}", retry_at=retry_at)
        event = (
            OutboxEvent.objects.select_related(
                "dossier__version__procedure",
                "dossier__receiving_agency",
                "dossier__competent_agency",
            )
        ).get(pk=event.pk)
        self.adapter.send(payload(event), idempotency_key=delivery.idempotency_key)


def sync_status(dossier) -> dict | None:
    """For the workbench: the last change the portal has, when, how many are waiting
    and how many failed. None when sync is off and never ran for this dossier."""
    rows = OutboxDelivery.objects.filter(subscriber=NAME, event__dossier=dossier)
    counts = rows.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=DeliveryStatus.PENDING)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        last_sent_at=Max("sent_at"),
    )
    if not counts["total"] and not enabled():
        return None
    last = (
        rows.filter(status=DeliveryStatus.SENT)
        .order_by("-event_id")
        .values_list("event__kind", flat=True)
        .first()
        if counts["last_sent_at"]
        else None
    )
    return {**counts, "last_kind": last}
