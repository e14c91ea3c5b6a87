"""The national public-service portal's view of our dossiers: the national status list,
and the workbench's line on what the portal has been told.

The push itself is a webhook subscription (`api.webhooks`, outbox subscriber `partner`)
of the operators, recipient `national-portal`, set up from PARTNER_SYNC_URL and
PARTNER_SYNC_SECRET: it sends a dossier's status change only when the status on the
national list changes (newly registered, received, not received, in progress,
supplement requested, financial obligation, withdrawn, stopped, finished, result
returned), signed, retried with backoff, in order per dossier.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max, Q

from dossiers.constants import DeliveryStatus, Status
from dossiers.models import OutboxDelivery

# The outbox subscriber that delivers webhooks, and the national portal's recipient name.
NAME = "partner"
RECIPIENT = "national-portal"

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


def national_change(before: str | None, after: str | None) -> bool:
    """Whether going from `before` to `after` changes the status on the national list."""
    new = NATIONAL_STATUS.get(after)
    return new is not None and new != NATIONAL_STATUS.get(before)


def enabled() -> bool:
    return bool(settings.PARTNER_SYNC_URL)


def sync_status(dossier) -> dict | None:
    """For the workbench: the last change the portal has, when, how many are waiting
    and how many failed. None when sync is off and never ran for this dossier."""
    rows = OutboxDelivery.objects.filter(
        subscriber=NAME, recipient=RECIPIENT, event__dossier=dossier
    )
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
