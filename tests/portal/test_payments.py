"""Online payment through the development gateway: the bank's redirect page, the signed
callback, and every way a callback can be wrong (nothing changes)."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from dossiers import payments, services
from dossiers.constants import Action, PaymentPurpose, PaymentStatus, Status
from dossiers.integrity import verify_chains
from tests.dossiers.factories import World
from tests.portal.payment_helpers import pay_through_the_bank, payment_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def test_citizen_pays_a_financial_obligation(client, world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    client.force_login(world.applicant)
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert reverse("portal:dossier-pay", args=[dossier.ref, payment.reference]) in page

    callback = pay_through_the_bank(client, dossier, payment)
    response = client.get(callback)

    assert response.status_code == 302 and response["Location"] == dossier.get_absolute_url()
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.gateway == "dev"
    assert payment.transaction_id.startswith("DEV")
    assert dossier.status == Status.PROCESSING and dossier.paused_at is None
    assert dossier.log.filter(action=Action.PAY).count() == 1
    assert list(verify_chains()) == []
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert payment.transaction_id in page and "Số biên lai" in page
    receipt_url = reverse("portal:payment-receipt", args=[dossier.ref, payment.reference])
    assert receipt_url in page
    assert reverse("portal:dossier-pay", args=[dossier.ref, payment.reference]) not in page

    # The same callback again (replay): ignored, nothing changes.
    before = payment_state(dossier)
    again = client.get(callback)
    assert again.status_code == 302
    assert payment_state(dossier) == before


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: {**p, "amount": "1"},  # amount changed, signature kept
        lambda p: {**p, "signature": "0" * 64},
        lambda p: {k: v for k, v in p.items() if k != "signature"},
        lambda p: {**p, "reference": "MC000000UNKNOWN"},
        lambda p: {**p, "response_code": "00", "transaction_id": "OTHER"},
    ],
    ids=["amount", "signature", "unsigned", "reference", "transaction"],
)
def test_tampered_callbacks_are_refused_with_nothing_changed(client, world, tamper):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    client.force_login(world.applicant)
    callback = pay_through_the_bank(client, dossier, payment)
    params = dict(parse_qsl(urlsplit(callback).query))
    before = payment_state(dossier)

    response = client.get(reverse("portal:payment-callback"), tamper(params))

    assert response.status_code == 400
    assert "Chưa ghi nhận thanh toán" in response.content.decode()
    assert payment_state(dossier) == before


def test_a_validly_signed_callback_with_the_wrong_amount_is_refused(client, world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    params = {
        "reference": payment.reference,
        "amount": str(payment.amount - 1),
        "transaction_id": "DEVX",
        "response_code": "00",
    }
    params["signature"] = payments.sign(params)
    before = payment_state(dossier)

    response = client.get(reverse("portal:payment-callback"), params)

    assert response.status_code == 400
    assert payment_state(dossier) == before


def test_the_bank_page_refuses_an_unsigned_order(client, world):
    dossier = world.dossier_built(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    url = reverse("portal:payment-dev-bank")
    order = {"reference": payment.reference, "amount": "1", "signature": "x"}
    assert client.get(url, order).status_code == 400
    assert client.post(url, {**order, "pay": "1"}).status_code == 400


def test_the_bank_page_exists_only_with_the_development_gateway(client, settings):
    settings.PAYMENT_GATEWAY = "tests.portal.test_payments.OtherGateway"
    assert client.get(reverse("portal:payment-dev-bank")).status_code == 404


class OtherGateway(payments.PaymentGateway):
    name = "other"


def test_fee_of_the_version_is_payable_from_submission(client):
    world = World(fee=30000)
    dossier = world.dossier_in(Status.SUBMITTED)
    fee = dossier.payments.get()
    assert (fee.purpose, fee.amount, fee.status) == (PaymentPurpose.FEE, 30000, "pending")
    assert dossier.log.get(action=Action.SUBMIT).data["fee"] == 30000
    client.force_login(world.applicant)

    client.get(pay_through_the_bank(client, dossier, fee))

    fee.refresh_from_db()
    dossier.refresh_from_db()
    assert fee.status == PaymentStatus.PAID
    assert dossier.status == Status.SUBMITTED  # a fee does not move the dossier
    assert dossier.log.filter(action=Action.PAYMENT_RECEIVED).count() == 1
    assert list(verify_chains()) == []


def test_no_paying_on_a_closed_dossier_or_someone_elses(client):
    world = World(fee=30000)
    dossier = world.dossier_in(Status.WITHDRAWN)
    fee = dossier.payments.get()
    url = reverse("portal:dossier-pay", kwargs={"ref": dossier.ref, "reference": fee.reference})
    client.force_login(world.other)
    assert client.post(url).status_code == 404
    client.force_login(world.applicant)
    assert client.post(url).status_code == 400
    with pytest.raises(services.DossierError):
        services.payment_start(payment_id=fee.pk, actor=world.applicant)


def test_a_receipt_number_is_dated_by_the_local_day(world):
    """At 06:30 in Vietnam it is still yesterday in UTC: the number carries today."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    dossier = world.dossier_built(Status.PROCESSING)
    with time_machine.travel(
        dt.datetime(2027, 3, 2, 6, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False
    ):
        payment = services.payment_create(
            dossier=dossier, purpose=PaymentPurpose.FEE, amount=10_000
        )
    assert payment.reference.startswith("MC270302")
