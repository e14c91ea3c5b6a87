"""Fees and financial obligations: what is due, and the gateway's verified results."""

from __future__ import annotations

import logging
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.constants import (
    FINAL,
    Action,
    ActorRole,
    EventKind,
    PaymentPurpose,
    PaymentStatus,
    Status,
)
from dossiers.errors import DossierError
from dossiers.models import Dossier, Payment
from dossiers.outbox import emit
from dossiers.services.actors import acting_role
from dossiers.services.clock import clock_resume
from dossiers.services.log import dossier_log_record
from dossiers.services.transition import dossier_lock, dossier_transition

logger = logging.getLogger(__name__)


def version_fee(dossier: Dossier) -> int:
    """The fee in VND of the dossier's channel in its version (0 when free or when the
    amount is set by another regulation, which the agency then requires as a financial
    obligation). Cached under the catalogue generation, like `case_documents`."""
    from procedures.selectors import cached_with_catalogue_in_process

    version = dossier.version

    def build():
        channel = (
            version.channels.filter(method=dossier.channel).first() or version.channels.first()
        )
        if channel is None:
            return 0
        return sum(f.amount or 0 for f in channel.fees.all() if f.currency == "VND")

    return cached_with_catalogue_in_process(f"fee:{version.pk}:{dossier.channel}", build)


def payable(payment: Payment) -> bool:
    """A payment the applicant may pay now: pending, on a filed dossier still open."""
    return (
        payment.status == PaymentStatus.PENDING
        and payment.dossier.status not in FINAL
        and payment.dossier.status != Status.DRAFT
    )


def payment_start(*, payment_id: int, actor) -> Payment:
    """Checks that `actor` may pay this payment now; the portal then sends them to the
    gateway. Nothing is written: the gateway's verified callback records the payment."""
    payment = Payment.objects.select_related("dossier").get(pk=payment_id)
    acting_role(payment.dossier, actor, {ActorRole.APPLICANT})
    if not payable(payment):
        raise DossierError(_("This payment cannot be made now."))
    return payment


def payment_create(*, dossier: Dossier, purpose: str, amount: int, reason: str = "") -> Payment:
    return Payment.objects.create(
        dossier=dossier,
        purpose=purpose,
        amount=amount,
        reason=reason,
        reference=f"MC{timezone.localdate():%y%m%d}{secrets.token_hex(6).upper()}",
    )


@transaction.atomic
def payment_mark_paid(*, reference: str, amount: int, transaction_id: str, gateway: str) -> bool:
    """A verified gateway callback: PENDING -> PAID. A replayed callback (already paid)
    changes nothing and returns False. For a financial obligation the dossier moves
    AWAITING_PAYMENT -> PROCESSING and the clock resumes."""
    payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        raise DossierError(_("Unknown payment."))
    if payment.status != PaymentStatus.PENDING:
        return False
    if payment.amount != amount:
        raise DossierError(_("The amount paid does not match the amount due."))
    dossier = dossier_lock(payment.dossier_id)
    payment.status, payment.paid_at = PaymentStatus.PAID, timezone.now()
    payment.transaction_id, payment.gateway = transaction_id[:100], gateway
    payment.save()
    data = {"payment": payment.reference, "amount": amount, "transaction": payment.transaction_id}
    if payment.purpose == PaymentPurpose.OBLIGATION and dossier.status == Status.AWAITING_PAYMENT:
        dossier_transition(
            dossier_id=dossier.pk,
            action=Action.PAY,
            actor=dossier.applicant,
            data=data,
            change=clock_resume,
        )
    else:
        dossier_log_record(
            dossier=dossier,
            actor=None,
            role=ActorRole.SYSTEM,
            action=Action.PAYMENT_RECEIVED,
            data=data,
        )
        # A fee paid without a state change: the applicant still hears of it.
        emit(EventKind.PAID, dossier=dossier, data={"payment": payment.reference})
    return True


@transaction.atomic
def payment_mark_failed(
    *, reference: str, amount: int, transaction_id: str, gateway: str, cancelled: bool, code: str
) -> Payment | None:
    """A verified gateway result that is not a payment: PENDING -> CANCELLED (the citizen
    cancelled at the bank) or FAILED (the bank declined; `code` is its result code). The
    dossier and its clock do not change. While the dossier is open, a new PENDING
    attempt for the same amount is opened at once so the citizen can pay again (a
    gateway never accepts the same order reference twice). A replayed result (the
    payment is no longer pending) changes nothing and returns None; otherwise returns
    the new attempt, or the failed payment itself when the dossier is closed."""
    payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        raise DossierError(_("Unknown payment."))
    if payment.status != PaymentStatus.PENDING:
        return None
    if payment.amount != amount:
        raise DossierError(_("The amount paid does not match the amount due."))
    dossier = dossier_lock(payment.dossier_id)
    payment.status = PaymentStatus.CANCELLED if cancelled else PaymentStatus.FAILED
    payment.transaction_id, payment.gateway = transaction_id[:100], gateway
    payment.save(update_fields=["status", "transaction_id", "gateway"])
    retry = None
    if dossier.status not in FINAL and dossier.status != Status.DRAFT:
        retry = payment_create(
            dossier=dossier, purpose=payment.purpose, amount=payment.amount, reason=payment.reason
        )
    dossier_log_record(
        dossier=dossier,
        actor=None,
        role=ActorRole.SYSTEM,
        action=Action.PAYMENT_CANCELLED if cancelled else Action.PAYMENT_FAILED,
        data={
            "payment": payment.reference,
            "amount": amount,
            "transaction": payment.transaction_id,
            "code": code,
            "new_attempt": retry.reference if retry else None,
        },
    )
    logger.info("payment %s %s (code %s)", payment.reference, payment.status, code)
    return retry or payment
