"""Steps the payment tests share: the simulated bank's round trip, and the state a
result may change."""

from urllib.parse import parse_qsl, urlsplit

from django.urls import reverse

from dossiers.models import DossierLog, Payment


def payment_state(dossier):
    """What a payment result may change: the dossier's status, its payments and its log."""
    dossier.refresh_from_db()
    return (
        dossier.status,
        list(Payment.objects.filter(dossier=dossier).values_list("status", "transaction_id")),
        DossierLog.objects.filter(dossier=dossier).count(),
    )


def pay_through_the_bank(client, dossier, payment, *, button="pay", notify=False):
    """Pay button -> simulated bank page -> bank button -> the signed callback URL.
    With `notify` the simulated bank also sends its server notification first."""
    pay = client.post(
        reverse("portal:dossier-pay", kwargs={"ref": dossier.ref, "reference": payment.reference})
    )
    assert pay.status_code == 302 and pay["Location"].startswith("/thanh-toan/gia-lap/")
    bank = client.get(pay["Location"])
    assert bank.status_code == 200 and payment.reference in bank.content.decode()
    form = dict(parse_qsl(urlsplit(pay["Location"]).query))
    extra = {"notify": "1"} if notify else {}
    back = client.post(reverse("portal:payment-dev-bank"), {**form, button: "1", **extra})
    assert back.status_code == 302 and back["Location"].startswith("/thanh-toan/ket-qua/")
    return back["Location"]
