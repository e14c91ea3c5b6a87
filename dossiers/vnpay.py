"""VNPay, the production payment gateway (VNPay's published protocol, version 2.1.0).

- **Redirect**: the citizen's browser goes to `VNPAY_PAYMENT_URL` with the order in
  `vnp_` parameters (amount in VND times 100) and `vnp_SecureHash`, an HMAC-SHA512 under
  `VNPAY_HASH_SECRET` of the parameters sorted by name and URL-encoded
  (`key=value&...`, spaces as `+`).
- **Return**: VNPay sends the browser back to `VNPAY_RETURN_URL` (the portal's
  `/thanh-toan/ket-qua/`) with the result signed the same way.
- **IPN**: VNPay's server calls `/thanh-toan/thong-bao/` (GET, the same signed
  parameters; the address is set in VNPay's merchant portal) and reads a JSON answer
  `{"RspCode": ..., "Message": ...}`: 00 confirmed, 01 order not found, 02 already
  confirmed, 04 invalid amount, 97 invalid signature, 99 unknown error.

Both roads go through `payments.payment_result_handle`, like every gateway's.
`vnp_ResponseCode` 00 is paid, 24 cancelled by the citizen, anything else failed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Payment
from dossiers.payments import CODE_PAID, Callback, PaymentGateway, PaymentRefused

logger = logging.getLogger(__name__)

# VNPay's dates are in Vietnam's time, whatever the server's zone.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")

IPN_MESSAGES = {
    "00": "Confirm Success",
    "01": "Order not found",
    "02": "Order already confirmed",
    "04": "Invalid amount",
    "97": "Invalid signature",
    "99": "Unknown error",
}


def hash_data(params: Mapping[str, str]) -> str:
    """The signed text: the `vnp_` parameters but the hash, sorted, URL-encoded."""
    fields = sorted(
        (k, str(v)) for k, v in params.items() if k.startswith("vnp_") and k not in _HASH_FIELDS
    )
    return urlencode(fields)


def secure_hash(params: Mapping[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), hash_data(params).encode(), hashlib.sha512).hexdigest()


class VnpayGateway(PaymentGateway):
    name = "vnpay"
    notification_methods = ("GET",)

    def __init__(
        self,
        *,
        tmn_code: str | None = None,
        hash_secret: str | None = None,
        payment_url: str | None = None,
        return_url: str | None = None,
    ):
        self.tmn_code = tmn_code if tmn_code is not None else settings.VNPAY_TMN_CODE
        self.hash_secret = hash_secret if hash_secret is not None else settings.VNPAY_HASH_SECRET
        self.payment_url = payment_url or settings.VNPAY_PAYMENT_URL
        self.return_url = (
            return_url
            or settings.VNPAY_RETURN_URL
            or settings.SITE_URL.rstrip("/") + reverse("portal:payment-callback")
        )
        if not self.tmn_code or not self.hash_secret:
            # An empty key would let anyone sign a "paid" result.
            raise ImproperlyConfigured("VNPay needs VNPAY_TMN_CODE and VNPAY_HASH_SECRET.")

    def redirect_url(self, payment: Payment, *, client_ip: str = "") -> str:
        now = timezone.now().astimezone(VIETNAM)
        expires = now + timedelta(minutes=settings.VNPAY_EXPIRE_MINUTES)
        params = {
            "vnp_Version": settings.VNPAY_VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(payment.amount * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": payment.reference,
            # VNPay asks for plain ASCII here.
            "vnp_OrderInfo": f"Thanh toan {payment.reference}",
            "vnp_OrderType": "other",
            "vnp_Locale": settings.VNPAY_LOCALE,
            "vnp_ReturnUrl": self.return_url,
            "vnp_IpAddr": client_ip or "127.0.0.1",
            "vnp_CreateDate": f"{now:%Y%m%d%H%M%S}",
            "vnp_ExpireDate": f"{expires:%Y%m%d%H%M%S}",
        }
        signature = secure_hash(params, self.hash_secret)
        return f"{self.payment_url}?{hash_data(params)}&vnp_SecureHash={signature}"

    def verify_callback(self, params: Mapping[str, str]) -> Callback:
        refused = _("The payment confirmation could not be verified.")
        given = str(params.get("vnp_SecureHash", "")).lower()
        if not given or not hmac.compare_digest(given, secure_hash(params, self.hash_secret)):
            raise PaymentRefused(refused)
        needed = ("vnp_TmnCode", "vnp_TxnRef", "vnp_Amount", "vnp_ResponseCode")
        if any(not params.get(k) for k in needed) or params["vnp_TmnCode"] != self.tmn_code:
            raise PaymentRefused(refused)
        try:
            amount, cents = divmod(int(params["vnp_Amount"]), 100)
        except ValueError:
            raise PaymentRefused(refused) from None
        if cents:
            raise PaymentRefused(_("The amount paid does not match the amount due."), code="04")
        code = params["vnp_ResponseCode"]
        status = params.get("vnp_TransactionStatus", CODE_PAID)
        if code == CODE_PAID and status != CODE_PAID:
            # VNPay says the request went through but the transaction did not.
            code = status or "99"
        return Callback(
            reference=params["vnp_TxnRef"],
            amount=amount,
            transaction_id=params.get("vnp_TransactionNo") or "",
            code=code,
        )

    def notification_answer(self, code: str, message: str, **extra) -> tuple[dict, int]:
        """VNPay reads only `RspCode` and `Message`, always with HTTP 200."""
        return {"RspCode": code, "Message": IPN_MESSAGES.get(code, IPN_MESSAGES["99"])}, 200
