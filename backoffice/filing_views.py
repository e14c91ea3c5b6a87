"""Downloads on the workbench that come from the citizen's side of a dossier: message
attachments and payment receipts. Officials of the dossier's agencies only
(`dossier_get_for_official`: anyone else gets a 404, like every dossier URL)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from backoffice.gate import official_required
from dossiers import queues
from dossiers.constants import PaymentStatus
from web.responses import pdf_response, stored_file_response


@require_GET
@official_required
def message_attachment(request, ref, pk):
    dossier = queues.dossier_get_for_official(official=request.user, ref=ref)
    message = get_object_or_404(
        dossier.messages.select_related("attachment").filter(attachment__isnull=False), pk=pk
    )
    return stored_file_response(message.attachment)


@require_GET
@official_required
def payment_receipt(request, ref, reference):
    from dossiers.receipts import payment_receipt_pdf, receipt_filename

    dossier = queues.dossier_get_for_official(official=request.user, ref=ref)
    payment = get_object_or_404(
        dossier.payments.select_related("dossier"), reference=reference, status=PaymentStatus.PAID
    )
    return pdf_response(payment_receipt_pdf(payment), receipt_filename(payment))
