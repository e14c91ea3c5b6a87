"""Paying fees and financial obligations (`dossiers.payments`): the Pay button, the
development bank, the bank's two roads back (browser redirect and server-to-server
notification) and the payment receipt (biên lai) PDF.
"""

from __future__ import annotations

import contextlib
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.ratelimit import client_address
from dossiers import payments, services
from dossiers.constants import PaymentStatus
from dossiers.errors import DossierError
from dossiers.selectors import dossier_get_for_applicant
from dossiers.workflow import TransitionNotAllowed
from portal.dossier_views import detail_context
from web.responses import pdf_response

logger = logging.getLogger(__name__)


@login_required
@require_POST
def dossier_pay(request, ref, reference):
    """Sends the applicant to the payment gateway for one pending payment."""
    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    payment = get_object_or_404(dossier.payments, reference=reference)
    try:
        services.payment_start(payment_id=payment.pk, actor=request.user)
    except (DossierError, TransitionNotAllowed):
        return render(
            request,
            "portal/dossiers/detail.html",
            detail_context(request, dossier, error=_("This payment cannot be made now.")),
            status=400,
        )
    gateway = payments.get_gateway()
    return redirect(gateway.redirect_url(payment, client_ip=client_address(request)))


# The simulated bank's buttons and the result codes it answers with.
DEV_BANK_BUTTONS = {
    "pay": payments.CODE_PAID,
    "cancel": payments.CODE_CANCELLED,
    "decline": "51",  # insufficient funds
}


@require_http_methods(["GET", "POST"])
def payment_dev_bank(request):
    """The development gateway's simulated bank page (404 with any other gateway). On a
    button it first sends the server notification, as a bank's server would, unless
    "notify" is off (to try the redirect alone), then sends the browser back."""
    gateway = payments.dev_gateway()
    if gateway is None:
        raise Http404
    params = request.POST if request.method == "POST" else request.GET
    order = {k: params.get(k, "") for k in ("reference", "amount", "signature")}
    if not payments.signature_ok(order) or not order["amount"].isdigit():
        return render(request, "portal/payments/refused.html", status=400)
    if request.method == "POST":
        code = next((c for button, c in DEV_BANK_BUTTONS.items() if button in params), None)
        if code is None:
            return render(request, "portal/payments/refused.html", status=400)
        result = gateway.bank_result(
            reference=order["reference"], amount=int(order["amount"]), code=code
        )
        if params.get("notify") == "1":
            # A refusal is shown to the citizen by the redirect below, which fails alike.
            with contextlib.suppress(payments.PaymentRefused):
                payments.payment_result_handle(result, via="notification")
        return redirect(payments.callback_url(result))
    return render(
        request, "portal/payments/dev_bank.html", {"order": order, "amount": int(order["amount"])}
    )


@require_GET
def payment_callback(request):
    """The gateway's signed result as the browser comes back from the bank. Verified
    before anything changes; a refused one changes nothing. When the notification got
    there first this is a no-op, and the citizen sees how the payment stands."""
    try:
        outcome = payments.payment_result_handle(request.GET, via="redirect")
    except payments.PaymentRefused as error:
        return render(
            request, "portal/payments/refused.html", {"error": error.messages[0]}, status=400
        )
    text = {
        PaymentStatus.PAID: _("Payment received. Thank you."),
        PaymentStatus.CANCELLED: _(
            "The payment was cancelled; nothing was charged. You can pay again."
        ),
        PaymentStatus.FAILED: _(
            "The bank did not accept the payment; nothing was charged. You can try again."
        ),
    }.get(outcome.status, _("This payment was already recorded."))
    (messages.success if outcome.status == PaymentStatus.PAID else messages.warning)(request, text)
    return redirect(outcome.payment.dossier)


@csrf_exempt  # a server-to-server call from the bank: the signature is the protection
def payment_notification(request):
    """The bank's server-to-server notification (IPN), by the method and in the JSON
    the configured gateway speaks, with the usual codes so the bank stops retrying: 00
    applied, 02 already recorded (a replay, or the browser redirect got there first);
    97/01/04 refused, nothing changed; 99 an error of ours (the bank retries)."""
    gateway = payments.get_gateway()
    if request.method not in gateway.notification_methods:
        return HttpResponseNotAllowed(gateway.notification_methods)
    params = request.POST if request.method == "POST" else request.GET
    try:
        outcome = payments.payment_result_handle(params, via="notification")
    except payments.PaymentRefused as error:
        body, status = gateway.notification_answer(error.code, error.messages[0])
    except Exception:
        # The bank must hear something it understands; it will call again.
        logger.exception("payment notification failed")
        body, status = gateway.notification_answer(payments.NOTIFY_UNKNOWN_ERROR, "unknown error")
    else:
        if outcome.applied:
            code, message = payments.NOTIFY_CONFIRMED, "confirmed"
        else:
            code, message = payments.NOTIFY_ALREADY_CONFIRMED, "already confirmed"
        body, status = gateway.notification_answer(code, message, status=outcome.status)
    return JsonResponse(body, status=status)


@login_required
@require_GET
def payment_receipt_pdf(request, ref, reference):
    """The payment receipt (biên lai) of a paid payment, for the parties of the
    dossier; anything else is a 404."""
    from dossiers.receipts import payment_receipt_pdf as render_receipt
    from dossiers.receipts import receipt_filename

    dossier = dossier_get_for_applicant(user=request.user, ref=ref)
    payment = get_object_or_404(
        dossier.payments.select_related("dossier"), reference=reference, status=PaymentStatus.PAID
    )
    return pdf_response(render_receipt(payment), receipt_filename(payment))
