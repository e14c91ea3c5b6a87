"""Digital signatures on the dossier's documents (signing/ does the signing itself):
the result signed by the approving leader, forms 06 and 07 sealed when downloaded as
PDF, and the validation of signed files that officials and applicants upload."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from dossiers import documents, legal
from dossiers.constants import Action, StandardForm, Visibility
from dossiers.errors import DossierError
from dossiers.models import Dossier
from dossiers.services.actors import OFFICIAL_ROLES, acting_role
from dossiers.services.log import dossier_log_record
from dossiers.services.transition import dossier_lock
from signing import services as signing
from signing.signers import SigningFailed
from signing.validation import BROKEN, Outcome, validate_pdf

logger = logging.getLogger(__name__)

RESULT_TITLE = "Kết quả giải quyết thủ tục hành chính"


def _read(upload) -> bytes:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return content


def signature_refusal(outcome: str) -> str:
    return _(
        "The digital signature of this file is broken (%(outcome)s). Ask for a "
        "correctly signed file; nothing was recorded."
    ) % {"outcome": Outcome(outcome).label}


def result_check(upload) -> dict:
    """Validates an externally signed result before it is recorded; raises DossierError
    when a signature is broken (modified after signing, or an expired certificate): a
    result is valid because of its signature (`legal.SIGNED_DOCUMENTS`)."""
    content = _read(upload)
    if not content.startswith(b"%PDF"):
        return {"outcome": Outcome.NOT_SIGNED}
    verdict = validate_pdf(content)
    if verdict.outcome in BROKEN - {Outcome.UNREADABLE}:
        raise DossierError(signature_refusal(verdict.outcome))
    return {"outcome": verdict.outcome}


def result_sign(*, dossier: Dossier, actor, upload):
    """The result file signed with the approving leader's certificate: (the upload to
    store, the log row's `result` data). A PDF whose existing signature is broken is
    refused; an image, or a leader without a certificate, leaves it unsigned and says so
    in the log. Raises DossierError when the signature cannot be made."""
    content = _read(upload)
    if not content.startswith(b"%PDF"):
        return upload, {"signature": {"status": "unsigned", "reason": "not a PDF"}}
    before = result_check(upload)["outcome"]
    try:
        issued = signing.document_sign(
            content,
            title=RESULT_TITLE,
            dossier_code=dossier.code or "",
            certificate=signing.certificate_for(official=actor),
            signer_name=str(actor),
            organisation=dossier.competent_agency.name,
            reason="Phê duyệt kết quả giải quyết",
        )
    except SigningFailed as error:
        raise DossierError(str(error)) from None
    signed = ContentFile(issued.content, name=getattr(upload, "name", "ket-qua.pdf"))
    return signed, {
        "sha256": issued.sha256,
        "signatures_before": before,
        "signature": issued.log_data(),
    }


@transaction.atomic
def control_sheet_issue(*, dossier_id: int, actor) -> bytes:
    """Form 06 rendered now and sealed with the competent agency's certificate; the
    signature is logged (internal, like the sheet). Without a certificate the sheet is
    returned unsigned and nothing is logged. Raises DossierError when signing fails."""
    dossier = dossier_lock(dossier_id)
    role = acting_role(dossier, actor, set(OFFICIAL_ROLES))
    content = documents.control_sheet_pdf(dossier)
    issued = documents.agency_sign(
        dossier, content, form=StandardForm.CONTROL, agency=dossier.competent_agency
    )
    if issued.signed:
        dossier_log_record(
            dossier=dossier,
            actor=actor,
            role=role,
            action=Action.DOCUMENT_SIGNED,
            visibility=Visibility.INTERNAL,
            data={
                "document": {
                    "form": StandardForm.CONTROL,
                    "sha256": issued.sha256,
                    "signature": issued.log_data(),
                }
            },
        )
    return issued.content


def register_issue(*, official, agency_id: int, start, end) -> tuple[bytes, int]:
    """Form 07 of `agency_id` for the days `start`..`end` as a PDF sealed with the
    agency's certificate and registered for /xac-thuc/ (it covers many dossiers, so no
    dossier's log records it; the register of issued documents does). Returns (the
    PDF, its row count). Raises DossierError when the official is not of the agency,
    or when the signature cannot be made (then nothing is registered). Without a
    certificate the register is issued unsigned, registered all the same."""
    from dossiers import exports
    from procedures.models import Agency

    qs = exports.register_queryset(official=official, agency_id=agency_id, start=start, end=end)
    agency = Agency.objects.get(pk=agency_id)
    with translation.override("vi"):
        rows = list(exports.register_rows(qs))
    try:
        content = documents.register_pdf(
            agency=agency, start=start, end=end, rows=rows, official=official
        )
    except Exception:  # WeasyPrint, fonts, a broken replacement template: all the same here
        logger.exception("form 07 of agency %s could not be rendered", agency_id)
        raise DossierError(
            _(
                "The dossier register (form 07) could not be produced. Try again; if it "
                "keeps failing, tell the system administrator."
            )
        ) from None
    title = legal.FORM_TITLES[StandardForm.REGISTER]
    try:
        with transaction.atomic():
            issued = signing.document_sign(
                content,
                title=f"{title} {start:%d/%m/%Y}-{end:%d/%m/%Y} (mẫu số 07)",
                dossier_code="",
                certificate=signing.certificate_for(agency=agency),
                signer_name=agency.name,
                organisation=agency.name,
                reason=str(StandardForm.REGISTER.label),
            )
    except SigningFailed as error:
        raise DossierError(str(error)) from None
    return issued.content, len(rows)
