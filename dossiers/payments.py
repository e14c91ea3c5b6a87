"""Online payment of fees and financial obligations through a payment gateway.

A gateway does two things: it gives the URL to which the citizen's browser is sent to
pay (the bank's page), and it verifies the callback that comes back. The settings name
the gateway class (`PAYMENT_GATEWAY`); a real bank or the national payment platform
plugs in with a class of the same shape.

`DevelopmentGateway` simulates a bank: `/thanh-toan/gia-lap/` shows the amount with
"pay" and "cancel" buttons and sends the browser back to `/thanh-toan/ket-qua/` with a
callback signed with HMAC-SHA256 under `PAYMENT_DEV_SECRET`. Every callback is checked
before anything changes: signature, known reference, amount; a replayed callback
(the payment is already paid) changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from dossiers.errors import DossierError
from dossiers.models import Payment


class PaymentRefused(DossierError):
    """A callback that does not verify: nothing was changed."""


@dataclass(frozen=True)
class Callback:
    reference: str
    amount: int
    transaction_id: str
    paid: bool  # False: the citizen cancelled or the bank declined


class PaymentGateway:
    """The interface of a payment gateway."""

    name = ""

    def redirect_url(self, payment: Payment) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def verify_callback(self, params: Mapping[str, str]) -> Callback:  # pragma: no cover
        """The verified callback, or PaymentRefused."""
        raise NotImplementedError


def sign(params: Mapping[str, str], secret: str | None = None) -> str:
    """HMAC-SHA256 (hex) over the parameters sorted by name, `signature` left out."""
    key = (secret if secret is not None else settings.PAYMENT_DEV_SECRET).encode()
    message = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def signature_ok(params: Mapping[str, str]) -> bool:
    return hmac.compare_digest(str(params.get("signature", "")), sign(params))


class DevelopmentGateway(PaymentGateway):
    """A simulated bank for development and tests; never for real money."""

    name = "dev"

    def redirect_url(self, payment: Payment) -> str:
        params = {"reference": payment.reference, "amount": str(payment.amount)}
        params["signature"] = sign(params)
        return f"{reverse('portal:payment-dev-bank')}?{urlencode(params)}"

    def bank_callback(self, *, reference: str, amount: int, paid: bool) -> str:
        """What the simulated bank sends back: the callback URL with signed parameters."""
        params = {
            "reference": reference,
            "amount": str(amount),
            "transaction_id": f"DEV{secrets.token_hex(8).upper()}",
            "result": "paid" if paid else "cancelled",
        }
        params["signature"] = sign(params)
        return f"{reverse('portal:payment-callback')}?{urlencode(params)}"

    def verify_callback(self, params: Mapping[str, str]) -> Callback:
        needed = ("reference", "amount", "transaction_id", "result", "signature")
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
            paid=params["result"] == "paid",
        )


def get_gateway() -> PaymentGateway:
    return import_string(settings.PAYMENT_GATEWAY)()


def dev_gateway() -> DevelopmentGateway | None:
    """The simulated bank, when it is the configured gateway (else its pages are 404)."""
    gateway = get_gateway()
    return gateway if isinstance(gateway, DevelopmentGateway) else None


@dataclass(frozen=True)
class Outcome:
    payment: Payment
    status: str  # "paid", "replayed" (already paid: ignored) or "cancelled"


def payment_callback_handle(params: Mapping[str, str]) -> Outcome:
    """Verify a gateway callback and apply it (`services.payment_mark_paid`, one
    transaction). Raises PaymentRefused (bad signature, unknown payment, wrong amount)
    with nothing changed."""
    from dossiers import services

    gateway = get_gateway()
    callback = gateway.verify_callback(params)
    payment = Payment.objects.filter(reference=callback.reference).first()
    if payment is None:
        raise PaymentRefused(_("Unknown payment."))
    if callback.amount != payment.amount:
        raise PaymentRefused(_("The amount paid does not match the amount due."))
    if not callback.paid:
        return Outcome(payment, "cancelled")
    try:
        applied = services.payment_mark_paid(
            reference=callback.reference,
            amount=callback.amount,
            transaction_id=callback.transaction_id,
            gateway=gateway.name,
        )
    except DossierError as error:
        raise PaymentRefused(error.messages[0]) from None
    payment.refresh_from_db()
    return Outcome(payment, "paid" if applied else "replayed")
