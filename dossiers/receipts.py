"""The payment receipt (biên lai thu) of an online payment, as PDF (WeasyPrint through
`dossiers.pdf.render_pdf`). The template `templates/pdf/payment_receipt.html` can be
replaced by an administrator, like the standard forms.

It is an electronic confirmation that the payment was received for the dossier, with the
bank's transaction number; where the agency issues an electronic fee receipt under the
finance rules, that document is the legal one and should be attached to the dossier too.
"""

from __future__ import annotations

from dossiers.constants import PaymentStatus
from dossiers.errors import DossierError
from dossiers.models import Payment


def receipt_filename(payment: Payment) -> str:
    return f"bien-lai-{payment.reference}.pdf"


def payment_receipt_pdf(payment: Payment) -> bytes:
    """The receipt of a PAID payment (DossierError for any other)."""
    from dossiers.pdf import lookup_url, qr_svg, render_pdf

    if payment.status != PaymentStatus.PAID:
        raise DossierError("only a paid payment has a receipt")
    dossier = payment.dossier
    url = lookup_url(dossier.code)
    return render_pdf(
        "pdf/payment_receipt.html",
        {"payment": payment, "dossier": dossier, "lookup_url": url, "qr": qr_svg(url)},
    )
