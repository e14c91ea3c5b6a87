"""Validating the signatures of a PDF with pyHanko: intact or modified after signing,
who signed and when, and whether the certificate was valid then and chains to a root
of `SIGNING_TRUST_ROOTS_DIR`. No network: revocation is checked only when the file
carries its own revocation data (soft fail otherwise)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import asdict, dataclass, field
from io import BytesIO

from django.db import models
from django.utils.translation import gettext_lazy as _

from signing import certificates

logger = logging.getLogger(__name__)


class Outcome(models.TextChoices):
    VALID = "valid", _("Signed, intact and the signer is trusted")
    MODIFIED = "modified", _("Changed after it was signed: do not rely on it")
    EXPIRED = "expired", _("Signed with a certificate that was not valid at the signing time")
    UNTRUSTED = "untrusted", _("Signed, intact, but by a signer MotCua does not trust")
    NOT_SIGNED = "not_signed", _("Not digitally signed")
    UNREADABLE = "unreadable", _("Not a readable PDF: its signatures cannot be checked")


# The outcome in a few plain words (a badge); `Outcome.label` says what it means.
PLAIN = {
    Outcome.VALID: _("Valid signature"),
    Outcome.MODIFIED: _("Modified after signing"),
    Outcome.EXPIRED: _("Expired certificate"),
    Outcome.UNTRUSTED: _("Untrusted signer"),
    Outcome.NOT_SIGNED: _("Not signed"),
    Outcome.UNREADABLE: _("Unreadable file"),
}
# Colour family of the badge (the words carry the meaning; static/css/main.css).
TONE = {
    Outcome.VALID: "done",
    Outcome.MODIFIED: "ended",
    Outcome.EXPIRED: "ended",
    Outcome.UNTRUSTED: "waiting",
    Outcome.NOT_SIGNED: "draft",
    Outcome.UNREADABLE: "ended",
}

# Worst first: a file's outcome is the worst of its signatures'.
_SEVERITY = [Outcome.MODIFIED, Outcome.EXPIRED, Outcome.UNTRUSTED, Outcome.VALID]
BROKEN = frozenset({Outcome.MODIFIED, Outcome.EXPIRED, Outcome.UNREADABLE})


@dataclass
class SignatureReport:
    outcome: str
    signer: str = ""
    organisation: str = ""
    signed_at: str = ""  # ISO 8601
    timestamped: bool = False
    fingerprint: str = ""

    @property
    def signed_time(self) -> dt.datetime | None:
        return dt.datetime.fromisoformat(self.signed_at) if self.signed_at else None


@dataclass
class Verdict:
    outcome: str
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Outcome(self.outcome).label

    @property
    def broken(self) -> bool:
        return self.outcome in BROKEN

    def details(self) -> list[dict]:
        return [asdict(s) for s in self.signatures]


def _asn1_roots():
    from asn1crypto import x509 as asn1_x509

    return [
        asn1_x509.Certificate.load(c.public_bytes(certificates.serialization.Encoding.DER))
        for c in certificates.trust_roots()
    ]


def validate_pdf(content: bytes) -> Verdict:
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not content.startswith(b"%PDF"):
        return Verdict(Outcome.UNREADABLE)
    try:
        reader = PdfFileReader(BytesIO(content), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except Exception:
        return Verdict(Outcome.UNREADABLE)
    if not embedded:
        return Verdict(Outcome.NOT_SIGNED)
    roots = _asn1_roots()
    reports = [_one(sig, roots) for sig in embedded]
    worst = min(reports, key=lambda r: _SEVERITY.index(Outcome(r.outcome))).outcome
    return Verdict(worst, reports)


def _one(sig, roots) -> SignatureReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import ModificationLevel
    from pyhanko_certvalidator import ValidationContext

    report = SignatureReport(Outcome.MODIFIED)
    try:
        cert = sig.signer_cert
        report.signer = _name(cert, "common_name")
        report.organisation = _name(cert, "organization_name")
        report.fingerprint = hashlib.sha256(cert.dump()).hexdigest()
        claimed = sig.self_reported_timestamp or dt.datetime.now(dt.UTC)
        context = ValidationContext(trust_roots=roots, allow_fetching=False, moment=claimed)
        status = validate_pdf_signature(
            sig, signer_validation_context=context, ts_validation_context=context
        )
    except Exception:
        logger.info("signature could not be validated", exc_info=True)
        return report
    when = claimed
    if status.timestamp_validity is not None and status.timestamp_validity.intact:
        when = status.timestamp_validity.timestamp
        report.timestamped = True
    report.signed_at = when.isoformat()
    modified = status.modification_level is not None and status.modification_level not in (
        ModificationLevel.NONE,
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    )
    if not (status.intact and status.valid) or modified or status.docmdp_ok is False:
        report.outcome = Outcome.MODIFIED
    elif not (cert.not_valid_before <= when <= cert.not_valid_after):
        report.outcome = Outcome.EXPIRED
    elif not status.trusted:
        report.outcome = Outcome.UNTRUSTED
    else:
        report.outcome = Outcome.VALID
    return report


def _name(cert, attr: str) -> str:
    return str(cert.subject.native.get(attr, "") or "")
