"""The bank's two roads back (browser redirect and server notification), cancelled and
declined payments with a new attempt, and the payment receipt PDF."""

import logging
import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dossiers import payments
from dossiers.constants import Action, PaymentStatus, Status
from dossiers.integrity import verify_chains
from dossiers.models import DossierLog, Payment
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World
from tests.helpers import force_login_verified
from tests.portal.payment_helpers import pay_through_the_bank, payment_state

pytestmark = pytest.mark.django_db

NOTIFY = "/thanh-toan/thong-bao/"


@pytest.fixture
def world(db):
    return World()


def _result(payment, code="00", **changes):
    gateway = payments.DevelopmentGateway()
    params = gateway.bank_result(reference=payment.reference, amount=payment.amount, code=code)
    if changes:
        params = {**params, **changes}
    return params


def _notify(params):
    # A bank's server has no session and no CSRF token.
    return Client(enforce_csrf_checks=True).post(NOTIFY, params)


# --- notification (IPN) and redirect: first wins ---------------------------------------


def test_notification_alone_records_the_payment(world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()

    response = _notify(_result(payment))

    assert response.status_code == 200 and response.json()["code"] == "00"
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert dossier.status == Status.PROCESSING and dossier.paused_at is None
    assert dossier.log.filter(action=Action.PAY).count() == 1
    assert list(verify_chains()) == []


def test_notification_first_then_the_redirect_is_a_no_op(client, world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    client.force_login(world.applicant)

    callback = pay_through_the_bank(client, dossier, payment, notify=True)
    after_notification = payment_state(dossier)
    assert after_notification[0] == Status.PROCESSING  # applied before the browser came back

    page = client.get(callback, follow=True).content.decode()

    assert payment_state(dossier) == after_notification
    assert "Đã nhận thanh toán" in page  # the citizen is told it is paid, not "replayed"
    # The same notification again (the bank retries): acknowledged, nothing changes.
    again = _notify(dict(parse_qsl(urlsplit(callback).query)))
    assert again.status_code == 200 and again.json()["code"] == "02"
    assert payment_state(dossier) == after_notification


def test_redirect_first_then_the_notification_is_a_no_op(client, world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    client.force_login(world.applicant)
    callback = pay_through_the_bank(client, dossier, payment)
    client.get(callback)
    after_redirect = payment_state(dossier)
    assert after_redirect[0] == Status.PROCESSING

    response = _notify(dict(parse_qsl(urlsplit(callback).query)))

    assert response.status_code == 200
    assert response.json() == {"code": "02", "message": "already confirmed", "status": "paid"}
    assert payment_state(dossier) == after_redirect
    assert dossier.log.filter(action=Action.PAY).count() == 1


@pytest.mark.parametrize(
    ("tamper", "status", "code"),
    [
        (lambda p: {**p, "amount": "1"}, 400, "97"),
        (lambda p: {**p, "signature": "0" * 64}, 400, "97"),
        (lambda p: {k: v for k, v in p.items() if k != "signature"}, 400, "97"),
        (lambda p: {**p, "response_code": "24"}, 400, "97"),  # outcome changed, sig kept
    ],
    ids=["amount", "signature", "unsigned", "outcome"],
)
def test_tampered_notifications_are_refused(world, tamper, status, code):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    before = payment_state(dossier)

    response = _notify(tamper(_result(payment)))

    assert response.status_code == status and response.json()["code"] == code
    assert payment_state(dossier) == before


def test_signed_notifications_for_an_unknown_order_or_a_wrong_amount(world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    before = payment_state(dossier)
    gateway = payments.DevelopmentGateway()

    unknown = gateway.bank_result(reference="MC000000UNKNOWN", amount=payment.amount, code="00")
    wrong = gateway.bank_result(reference=payment.reference, amount=payment.amount - 1, code="00")

    assert _notify(unknown).status_code == 404 and _notify(unknown).json()["code"] == "01"
    assert _notify(wrong).status_code == 400 and _notify(wrong).json()["code"] == "04"
    assert payment_state(dossier) == before


def test_the_notification_endpoint_takes_only_post(client):
    assert client.get(NOTIFY).status_code == 405


# --- cancelled and declined --------------------------------------------------------------


@pytest.mark.parametrize(
    ("button", "code", "status", "action", "text"),
    [
        ("cancel", "24", PaymentStatus.CANCELLED, Action.PAYMENT_CANCELLED, "đã bị hủy"),
        ("decline", "51", PaymentStatus.FAILED, Action.PAYMENT_FAILED, "Ngân hàng không chấp nhận"),
    ],
)
def test_cancelled_or_declined_payment_then_a_new_attempt(
    client, world, button, code, status, action, text
):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    first = dossier.payments.get()
    paused_at = dossier.paused_at
    client.force_login(world.applicant)

    callback = pay_through_the_bank(client, dossier, first, button=button)
    page = client.get(callback, follow=True).content.decode()

    first.refresh_from_db()
    dossier.refresh_from_db()
    assert first.status == status
    # Nothing else changes: same state, the clock still paused since the same moment.
    assert (dossier.status, dossier.paused_at) == (Status.AWAITING_PAYMENT, paused_at)
    entry = dossier.log.get(action=action)
    attempt = dossier.payments.get(status=PaymentStatus.PENDING)
    assert entry.data["code"] == code and entry.data["new_attempt"] == attempt.reference
    assert (attempt.amount, attempt.purpose, attempt.reason) == (
        first.amount,
        first.purpose,
        first.reason,
    )
    assert attempt.reference != first.reference
    assert text in page
    assert reverse("portal:dossier-pay", args=[dossier.ref, attempt.reference]) in page
    assert reverse("portal:dossier-pay", args=[dossier.ref, first.reference]) not in page

    # The replayed result changes nothing; the new attempt is paid normally.
    before = payment_state(dossier)
    client.get(callback)
    assert payment_state(dossier) == before
    client.get(pay_through_the_bank(client, dossier, attempt))
    attempt.refresh_from_db()
    dossier.refresh_from_db()
    assert attempt.status == PaymentStatus.PAID and dossier.status == Status.PROCESSING
    assert list(verify_chains()) == []


def test_a_late_paid_result_after_a_cancellation_changes_nothing_and_is_logged(world, caplog):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    _notify(_result(payment, code="24"))
    before = payment_state(dossier)

    with caplog.at_level(logging.WARNING, logger="dossiers.payments"):
        response = _notify(_result(payment, code="00"))

    assert response.json()["code"] == "02"
    assert payment_state(dossier) == before
    assert "reconcile" in caplog.text and payment.reference in caplog.text


def test_a_cancelled_fee_on_a_closed_dossier_opens_no_new_attempt():
    world = World(fee=30000)
    dossier = world.dossier_in(Status.WITHDRAWN)
    fee = dossier.payments.get()

    _notify(_result(fee, code="24"))

    assert list(dossier.payments.values_list("status", flat=True)) == [PaymentStatus.CANCELLED]


@pytest.mark.django_db(transaction=True)
def test_redirect_and_notification_racing_apply_once():
    """Both roads at the same moment, on two connections: the row lock serialises them,
    so exactly one applies and the other is a no-op."""
    world = World()
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    params = _result(payment)
    barrier = threading.Barrier(2)
    outcomes = []

    def apply(via):
        try:
            barrier.wait()
            outcomes.append(payments.payment_result_handle(params, via=via).applied)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(v,)) for v in ("redirect", "notification")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == [False, True]
    assert DossierLog.objects.filter(dossier=dossier, action=Action.PAY).count() == 1
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID
    assert list(verify_chains()) == []


# --- receipt ---------------------------------------------------------------------------


def _paid(world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    _notify(_result(payment))
    payment.refresh_from_db()
    return dossier, payment


def test_the_payer_downloads_the_receipt(client, world):
    dossier, payment = _paid(world)
    client.force_login(world.applicant)

    response = client.get(reverse("portal:payment-receipt", args=[dossier.ref, payment.reference]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert payment.reference in response["Content-Disposition"]


def test_the_receipt_says_who_paid_what_for_which_dossier(world, monkeypatch):
    from dossiers import pdf
    from dossiers.receipts import payment_receipt_pdf

    dossier, payment = _paid(world)
    seen = {}
    monkeypatch.setattr(pdf, "render_pdf", lambda template, context: seen.update(context) or b"")
    payment_receipt_pdf(payment)
    with translation.override("vi"):
        html = render_to_string("pdf/payment_receipt.html", seen)

    assert "BIÊN LAI THU TIỀN" in html
    for text in (payment.reference, dossier.code, payment.transaction_id, "50.000", "Phạm Thu Hà"):
        assert text in html


def test_no_receipt_for_an_unpaid_payment_or_for_someone_else(client, world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    pending = dossier.payments.get()
    url = reverse("portal:payment-receipt", args=[dossier.ref, pending.reference])
    client.force_login(world.applicant)
    assert client.get(url).status_code == 404
    _notify(_result(pending))
    client.force_login(world.other)
    assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_officials_of_the_agency_get_the_receipt_others_do_not():
    a, b = two_wards()
    dossier, payment = _paid(a)
    url = f"/mot-cua/ho-so/{dossier.ref}/bien-lai/{payment.reference}.pdf"

    mine = force_login_verified(Client(), a.specialist)
    workbench = mine.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    assert url in workbench
    response = mine.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")

    theirs = force_login_verified(Client(), b.receptionist)
    assert theirs.get(url).status_code == 404
    citizen = Client()
    citizen.force_login(a.applicant)
    assert citizen.get(url).status_code in (302, 403)
