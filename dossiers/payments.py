"""Online payment of fees and financial obligations through a payment gateway.

A gateway does three things: it gives the URL to which the citizen's browser is sent to
pay (the bank's page), and it verifies the results that come back, by two roads:

- the **redirect**: the bank sends the browser back to `/thanh-toan/ket-qua/` with the
  signed result (the citizen may close the tab first, so it may never come);
- the **notification** (IPN): the bank's server POSTs the same signed result to
  `/thanh-toan/thong-bao/`, and retries until it gets an acknowledgement.

Both go through `payment_result_handle`, and every result is checked before anything
changes: signature, known reference, amount. Whichever of the two arrives first is
applied; the other finds the payment no longer pending and is a no-op, as is any
replay (the payment row is locked while a result is applied, so two that race are
serialised). A result that disagrees with the one applied first (a "paid" after a
"cancelled") is logged for reconciliation with the bank and changes nothing.

The bank's result code decides the outcome: `00` paid, `24` cancelled by the citizen,
anything else failed (declined, insufficient funds, timed out...). A cancelled or
failed payment is recorded as such, logged in the dossier log, and a new attempt for
the same amount is opened (`services.payment_mark_failed`); nothing else changes.

The settings name the gateway class (`PAYMENT_GATEWAY`): `dossiers.vnpay.VnpayGateway`
(VNPay's published protocol) in production; another bank or the national payment
platform plugs in with a class of the same shape (`PaymentGateway`).

`DevelopmentGateway` simulates a bank: `/thanh-toan/gia-lap/` shows the amount with
"pay", "decline" and "cancel" buttons, sends the notification (in-process, as the
bank's server would) and then the browser back, both signed with HMAC-SHA256 under
`PAYMENT_DEV_SECRET`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from dossiers.constants import PaymentStatus
from dossiers.errors import DossierError
from dossiers.models import Payment

logger = logging.getLogger(__name__)

CODE_PAID = "00"
CODE_CANCELLED = "24"  # the citizen cancelled on the bank's page


class PaymentRefused(DossierError):
    """A result that does not verify: nothing was changed. `code` is the answer to the
    bank's notification (the usual gateway codes: 97 bad signature, 01 unknown order,
    04 wrong amount)."""

    def __init__(self, message, code: str = "97"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Callback:
    reference: str
    amount: int
    transaction_id: str
    code: str  # the bank's result code

    @property
    def result(self) -> str:
        if self.code == CODE_PAID:
            return PaymentStatus.PAID
        return PaymentStatus.CANCELLED if self.code == CODE_CANCELLED else PaymentStatus.FAILED

    @property
    def paid(self) -> bool:
        return self.result == PaymentStatus.PAID


# Answers to the bank's notification, by the usual gateway codes.
NOTIFY_CONFIRMED = "00"
NOTIFY_ALREADY_CONFIRMED = "02"
NOTIFY_UNKNOWN_ERROR = "99"


class PaymentGateway:
    """The interface of a payment gateway."""

    name = ""
    # The HTTP methods of the bank's server notification (IPN).
    notification_methods: tuple[str, ...] = ("POST",)

    def redirect_url(self, payment: Payment, *, client_ip: str = "") -> str:  # pragma: no cover
        """Where the citizen's browser pays `payment` (`client_ip`: their address)."""
        raise NotImplementedError

    def verify_callback(self, params: Mapping[str, str]) -> Callback:  # pragma: no cover
        """The verified result (redirect or notification), or PaymentRefused."""
        raise NotImplementedError

    def notification_answer(self, code: str, message: str, **extra) -> tuple[dict, int]:
        """The JSON body and HTTP status answering the bank's notification with `code`
        (00 applied, 02 already recorded, 01/04/97 refused, 99 unknown error)."""
        if code in (NOTIFY_CONFIRMED, NOTIFY_ALREADY_CONFIRMED):
            status = 200
        else:
            status = {"01": 404, NOTIFY_UNKNOWN_ERROR: 500}.get(code, 400)
        return {"code": code, "message": message, **extra}, status


def sign(params: Mapping[str, str], *, secret: str | None = None) -> str:
    """HMAC-SHA256 (hex) over the parameters sorted by name, `signature` left out."""
    key = (secret if secret is not None else settings.PAYMENT_DEV_SECRET).encode()
    message = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def signature_ok(params: Mapping[str, str]) -> bool:
    return hmac.compare_digest(str(params.get("signature", "")), sign(params))


class DevelopmentGateway(PaymentGateway):
    """A simulated bank for development and tests; never for real money."""

    name = "dev"

    def redirect_url(self, payment: Payment, *, client_ip: str = "") -> str:
        params = {"reference": payment.reference, "amount": str(payment.amount)}
        params["signature"] = sign(params)
        return f"{reverse('portal:payment-dev-bank')}?{urlencode(params)}"

    def bank_result(self, *, reference: str, amount: int, code: str) -> dict[str, str]:
        """The signed result the simulated bank sends, by notification and redirect
        alike (one bank transaction, so one transaction id for both)."""
        params = {
            "reference": reference,
            "amount": str(amount),
            "transaction_id": f"DEV{secrets.token_hex(8).upper()}",
            "response_code": code,
        }
        params["signature"] = sign(params)
        return params

    def bank_callback(self, *, reference: str, amount: int, paid: bool) -> str:
        """The browser redirect URL of a paid or cancelled payment."""
        code = CODE_PAID if paid else CODE_CANCELLED
        params = self.bank_result(reference=reference, amount=amount, code=code)
        return callback_url(params)

    def verify_callback(self, params: Mapping[str, str]) -> Callback:
        needed = ("reference", "amount", "transaction_id", "response_code", "signature")
        if any(not params.get(k) for k in needed) or not signature_ok(params):
            raise PaymentRefused(_("The payment confirmation could not be verified."))
        try:
            amount = int(params["amount"])
        except ValueError:
            raise PaymentRefused(_("The payment confirmation could not be verified.")) from None
        return Callback(
            reference=params["reference"],
            amount=amount,
            transaction_id=params["transaction_id"],
            code=params["response_code"],
        )


def callback_url(params: Mapping[str, str]) -> str:
    return f"{reverse('portal:payment-callback')}?{urlencode(params)}"


def get_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()


def dev_gateway() -> DevelopmentGateway | None:
    """The simulated bank, when it is the configured gateway (else its pages are 404)."""
    gateway = get_gateway()
    return gateway if isinstance(gateway, DevelopmentGateway) else None


@dataclass(frozen=True)
class Outcome:
    payment: Payment  # the payment the result was about, as it is now
    applied: bool  # False: a replay, or the other road got there first (no-op)
    new_attempt: Payment | None = None  # opened after a failure or a cancellation

    @property
    def status(self) -> str:
        return self.payment.status


def payment_result_handle(params: Mapping[str, str], *, via: str = "redirect") -> Outcome:
    """Verify a gateway result (`via` the browser redirect or the bank's notification)
    and apply it in one transaction (`services.payment_mark_paid` /
    `payment_mark_failed`). Raises PaymentRefused (bad signature, unknown payment, wrong
    amount) with nothing changed."""
    from dossiers import services

    gateway = get_gateway()
    callback = gateway.verify_callback(params)
    payment = Payment.objects.filter(reference=callback.reference).first()
    if payment is None:
        raise PaymentRefused(_("Unknown payment."), code="01")
    if callback.amount != payment.amount:
        raise PaymentRefused(_("The amount paid does not match the amount due."), code="04")
    fields = {
        "reference": callback.reference,
        "amount": callback.amount,
        "transaction_id": callback.transaction_id,
        "gateway": gateway.name,
    }
    new_attempt = None
    try:
        if callback.paid:
            applied = services.payment_mark_paid(**fields)
        else:
            new_attempt = services.payment_mark_failed(
                **fields, cancelled=callback.result == PaymentStatus.CANCELLED, code=callback.code
            )
            applied = new_attempt is not None
    except DossierError as error:
        raise PaymentRefused(error.messages[0]) from None
    payment.refresh_from_db()
    if not applied and payment.status != callback.result:
        # First wins; a contradicting late result needs a person to look (a refund, or
        # a payment the bank took after reporting a failure).
        logger.warning(
            "payment %s: %s result %s (code %s) ignored, already %s; reconcile with the bank",
            payment.reference,
            via,
            callback.result,
            callback.code,
            payment.status,
        )
    if new_attempt is not None and new_attempt.pk == payment.pk:
        new_attempt = None
    logger.info(
        "payment %s: %s result %s applied=%s", payment.reference, via, callback.result, applied
    )
    return Outcome(payment, applied, new_attempt)
