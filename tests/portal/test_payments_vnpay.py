"""VNPay (dossiers.vnpay): the signed redirect, and VNPay's two roads back (the browser's
return and the IPN server call) built and signed here the way VNPay builds them."""

import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from dossiers import services, vnpay
from dossiers.constants import PaymentStatus, Status
from dossiers.models import Payment
from tests.dossiers.factories import World
from tests.portal.payment_helpers import payment_state

pytestmark = pytest.mark.django_db

SECRET = "VNPAYTESTSECRET0123456789ABCDEF"
TMN = "MOTCUA01"
PAY_URL = "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html"
IPN = "/thanh-toan/thong-bao/"


@pytest.fixture
def world(db, settings):
    settings.PAYMENT_GATEWAY = "dossiers.vnpay.VnpayGateway"
    settings.VNPAY_TMN_CODE = TMN
    settings.VNPAY_HASH_SECRET = SECRET
    settings.VNPAY_PAYMENT_URL = PAY_URL
    settings.SITE_URL = "https://motcua.example.gov.vn"
    return World()


def vnpay_sign(params, secret=SECRET):
    """VNPay's own recipe, written out independently of dossiers.vnpay."""
    text = "&".join(
        f"{k}={v}"
        for k, v in sorted(
            (k, urlencode({"": v})[1:]) for k, v in params.items() if k.startswith("vnp_")
        )
    )
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def vnpay_result(payment, code="00", *, amount=None, secret=SECRET, **changes):
    """The parameters VNPay sends back (return URL and IPN alike), signed."""
    params = {
        "vnp_Amount": str((payment.amount if amount is None else amount) * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP14422574",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": f"Thanh toan {payment.reference}",
        "vnp_PayDate": "20250101103000",
        "vnp_ResponseCode": code,
        "vnp_TmnCode": TMN,
        "vnp_TransactionNo": "14422574",
        "vnp_TransactionStatus": code if code in ("00", "24") else "02",
        "vnp_TxnRef": payment.reference,
        **changes,
    }
    params["vnp_SecureHash"] = vnpay_sign(params, secret)
    params["vnp_SecureHashType"] = "HmacSHA512"  # sent along, not signed
    return params


def ipn(params):
    # VNPay's server: no session, no CSRF token, a GET.
    return Client(enforce_csrf_checks=True).get(IPN, params)


def test_signature_matches_a_vector_computed_by_hand():
    params = {
        "vnp_TxnRef": "MC250101ABC",
        "vnp_Amount": "15000000",
        "vnp_OrderInfo": "Thanh toan MC250101ABC",
        "vnp_ReturnUrl": "https://motcua.example.gov.vn/thanh-toan/ket-qua/",
        "vnp_Command": "pay",
        "vnp_SecureHash": "ignored",
    }
    text = (
        "vnp_Amount=15000000&vnp_Command=pay&vnp_OrderInfo=Thanh+toan+MC250101ABC"
        "&vnp_ReturnUrl=https%3A%2F%2Fmotcua.example.gov.vn%2Fthanh-toan%2Fket-qua%2F"
        "&vnp_TxnRef=MC250101ABC"
    )
    expected = hmac.new(b"SECRET", text.encode(), hashlib.sha512).hexdigest()
    assert vnpay.hash_data(params) == text
    assert vnpay.secure_hash(params, "SECRET") == expected
    assert len(expected) == 128


def test_vnpay_without_its_secret_refuses_to_work(settings):
    settings.VNPAY_TMN_CODE, settings.VNPAY_HASH_SECRET = TMN, ""
    with pytest.raises(ImproperlyConfigured):
        vnpay.VnpayGateway()


def test_citizen_pays_through_vnpay_end_to_end(client, world):
    dossier = world.dossier_in(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    client.force_login(world.applicant)

    pay = client.post(reverse("portal:dossier-pay", args=[dossier.ref, payment.reference]))

    assert pay.status_code == 302 and pay["Location"].startswith(PAY_URL + "?")
    order = dict(parse_qsl(urlsplit(pay["Location"]).query))
    signature = order.pop("vnp_SecureHash")
    assert signature == vnpay_sign(order)
    assert order["vnp_Amount"] == str(payment.amount * 100)
    assert order["vnp_TxnRef"] == payment.reference and order["vnp_TmnCode"] == TMN
    assert (order["vnp_Version"], order["vnp_Command"], order["vnp_CurrCode"]) == (
        "2.1.0",
        "pay",
        "VND",
    )
    assert order["vnp_Locale"] == "vn" and order["vnp_IpAddr"] == "127.0.0.1"
    assert order["vnp_ReturnUrl"] == "https://motcua.example.gov.vn/thanh-toan/ket-qua/"
    assert len(order["vnp_CreateDate"]) == len(order["vnp_ExpireDate"]) == 14
    assert order["vnp_ExpireDate"] > order["vnp_CreateDate"]

    # VNPay's server calls the IPN first, then sends the browser back.
    result = vnpay_result(payment)
    answer = ipn(result)
    assert answer.status_code == 200
    assert answer.json() == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    dossier.refresh_from_db()
    assert (payment.status, payment.gateway, payment.transaction_id) == (
        PaymentStatus.PAID,
        "vnpay",
        "14422574",
    )
    assert dossier.status == Status.PROCESSING

    back = client.get(reverse("portal:payment-callback"), result)
    assert back.status_code == 302 and back["Location"] == dossier.get_absolute_url()
    before = payment_state(dossier)
    assert ipn(result).json() == {"RspCode": "02", "Message": "Order already confirmed"}
    assert payment_state(dossier) == before


def test_the_return_alone_records_the_payment(client, world):
    dossier = world.dossier_in(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    client.force_login(world.applicant)
    back = client.get(reverse("portal:payment-callback"), vnpay_result(payment))
    assert back.status_code == 302 and back["Location"] == dossier.get_absolute_url()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID


@pytest.mark.parametrize(
    ("make", "rsp"),
    [
        (lambda p: {**vnpay_result(p), "vnp_Amount": "1"}, "97"),  # changed after signing
        (lambda p: vnpay_result(p, secret="another-secret"), "97"),
        (lambda p: {k: v for k, v in vnpay_result(p).items() if k != "vnp_SecureHash"}, "97"),
        (lambda p: vnpay_result(p, vnp_TmnCode="OTHERTMN"), "97"),
        (lambda p: vnpay_result(p, vnp_TxnRef="MC000000UNKNOWN"), "01"),
        (lambda p: vnpay_result(p, amount=p.amount - 1000), "04"),
        (lambda p: vnpay_result(p, vnp_Amount=str(p.amount * 100 + 1)), "04"),
    ],
    ids=["tampered", "wrong-key", "unsigned", "other-merchant", "unknown", "amount", "cents"],
)
def test_ipn_refusals_change_nothing(world, make, rsp):
    dossier = world.dossier_in(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    before = payment_state(dossier)

    answer = ipn(make(payment))

    assert answer.status_code == 200
    assert answer.json() == {"RspCode": rsp, "Message": vnpay.IPN_MESSAGES[rsp]}
    assert payment_state(dossier) == before


@pytest.mark.parametrize(
    ("code", "status"), [("24", PaymentStatus.CANCELLED), ("51", PaymentStatus.FAILED)]
)
def test_cancelled_or_failed_at_vnpay_opens_a_new_attempt(world, code, status):
    dossier = world.dossier_in(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()

    answer = ipn(vnpay_result(payment, code=code))

    assert answer.json() == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == status
    assert dossier.payments.filter(status=PaymentStatus.PENDING).count() == 1


def test_success_code_with_a_failed_transaction_is_not_paid(world):
    dossier = world.dossier_in(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()
    ipn(vnpay_result(payment, code="00", vnp_TransactionStatus="02"))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED


def test_ipn_answers_99_on_an_error_of_ours(world, monkeypatch):
    dossier = world.dossier_in(Status.AWAITING_PAYMENT)
    payment = dossier.payments.get()

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "payment_mark_paid", broken)
    answer = ipn(vnpay_result(payment))
    assert answer.status_code == 200
    assert answer.json() == {"RspCode": "99", "Message": "Unknown error"}
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING


def test_ipn_is_a_get_for_vnpay(world):
    payment = world.dossier_in(Status.AWAITING_PAYMENT).payments.get()
    assert Client(enforce_csrf_checks=True).post(IPN, vnpay_result(payment)).status_code == 405
