"""Every write of the signing app: certificates added and rotated, documents signed
and registered, validation outcomes kept. Callers (dossiers) import this module."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from signing import certificates, keystore
from signing.models import DocumentRecord, SignatureCheck, SignerKind, SigningCertificate
from signing.signers import LocalPkcs12Signer, RemoteSigner, Signer, SigningFailed, Stamp
from signing.validation import Verdict, validate_pdf

logger = logging.getLogger(__name__)


# --- certificates -------------------------------------------------------------------


def _holder(agency, official) -> dict:
    if (agency is None) == (official is None):
        raise ValueError("a certificate belongs to one agency or one official")
    return {"agency": agency} if agency is not None else {"official": official}


def _fields(info: certificates.CertificateInfo, chain: list[bytes]) -> dict:
    return {
        "subject": info.subject[:500],
        "common_name": info.common_name[:200],
        "organisation": info.organisation[:200],
        "issuer": info.issuer[:500],
        "serial": info.serial[:80],
        "fingerprint": info.fingerprint,
        "not_before": info.not_before,
        "not_after": info.not_after,
        "certificate": info.der,
        "chain": [base64.b64encode(c).decode() for c in chain],
    }


@transaction.atomic
def certificate_add_local(
    *, pkcs12: bytes, password: str, agency=None, official=None, by=None
) -> SigningCertificate:
    """Checks the PKCS#12 file and its password (CertificateError otherwise), keeps it
    encrypted and makes it the holder's certificate in use; the one before is kept,
    out of use, for the documents it signed."""
    holder = _holder(agency, official)
    info, chain = certificates.read_pkcs12(pkcs12, password)
    SigningCertificate.objects.filter(active=True, **holder).update(active=False)
    return SigningCertificate.objects.create(
        kind=SignerKind.LOCAL,
        pkcs12=keystore.encrypt(pkcs12),
        pkcs12_password=keystore.encrypt(password.encode()),
        created_by=by,
        **holder,
        **_fields(info, chain),
    )


@transaction.atomic
def certificate_add_remote(
    *, certificate: bytes, url: str, token: str = "", agency=None, official=None, by=None
) -> SigningCertificate:
    """The public certificate of a key held by a remote signing service at `url`
    (HTTPS unless SIGNING_REMOTE_HTTPS_ONLY is off: the token and the digests go there)."""
    holder = _holder(agency, official)
    if settings.SIGNING_REMOTE_HTTPS_ONLY and not url.lower().startswith("https://"):
        raise certificates.CertificateError(
            _("The signing service must be reached over HTTPS (https://…).")
        )
    info, chain = certificates.read_certificate(certificate)
    SigningCertificate.objects.filter(active=True, **holder).update(active=False)
    return SigningCertificate.objects.create(
        kind=SignerKind.REMOTE,
        remote_url=url,
        remote_token=keystore.encrypt(token.encode()) if token else b"",
        created_by=by,
        **holder,
        **_fields(info, chain),
    )


def certificate_for(*, agency=None, official=None) -> SigningCertificate | None:
    """The holder's certificate in use, if any."""
    return SigningCertificate.objects.filter(active=True, **_holder(agency, official)).first()


def signer_for(cert: SigningCertificate) -> Signer:
    if cert.kind == SignerKind.LOCAL:
        return LocalPkcs12Signer(
            keystore.decrypt(cert.pkcs12), keystore.decrypt(cert.pkcs12_password) or None
        )
    from asn1crypto import x509

    chain = [x509.Certificate.load(base64.b64decode(c)) for c in cert.chain]
    token = keystore.decrypt(cert.remote_token).decode() if cert.remote_token else ""
    return RemoteSigner(
        x509.Certificate.load(bytes(cert.certificate)), chain, url=cert.remote_url, token=token
    )


def keys_rotate() -> int:
    """Re-encrypts every stored key with the first SIGNING_KEY_ENCRYPTION_KEY."""
    count = 0
    with transaction.atomic():
        for cert in SigningCertificate.objects.select_for_update():
            for name in ("pkcs12", "pkcs12_password", "remote_token"):
                if getattr(cert, name):
                    setattr(cert, name, keystore.rotate(getattr(cert, name)))
            cert.save(update_fields=["pkcs12", "pkcs12_password", "remote_token"])
            count += 1
    return count


# --- signing ------------------------------------------------------------------------


@dataclass
class Issued:
    content: bytes
    sha256: str
    record: DocumentRecord

    @property
    def signed(self) -> bool:
        return self.record.certificate_id is not None

    def log_data(self) -> dict:
        """What the dossier log row keeps about this signature."""
        record = self.record
        if record.certificate is None:
            return {"status": "unsigned", "reason": record.unsigned_reason, "number": record.number}
        return {
            "status": "signed",
            "number": record.number,
            "sha256": self.sha256,
            "subject": record.certificate.subject,
            "fingerprint": record.certificate.fingerprint,
            "signer": record.signer_name,
            "signed_at": record.issued_at.isoformat(),
        }


NO_CERTIFICATE = "no certificate"


def document_sign(
    content: bytes,
    *,
    title: str,
    dossier_code: str,
    certificate: SigningCertificate | None,
    signer_name: str,
    organisation: str,
    reason: str = "",
    number: str | None = None,
) -> Issued:
    """Signs `content` with `certificate` and registers its fingerprint for /xac-thuc/.
    Without a certificate the document is registered unsigned (issued all the same,
    flagged). Raises SigningFailed with a message for the official when the signature
    cannot be made; the caller's transaction then rolls back. `number` is one reserved
    earlier with `number_new` (a document issued now and signed later)."""
    number = number or _new_number(dossier_code)
    now = timezone.now()
    if certificate is None:
        signed, cert_name, unsigned_reason = content, "", NO_CERTIFICATE
    else:
        try:
            signer = signer_for(certificate)
            signed = signer.sign_pdf(
                content,
                stamp=Stamp(
                    signer=signer_name or certificate.common_name,
                    organisation=organisation or certificate.organisation,
                    number=number,
                    reason=reason,
                ),
            )
        except SigningFailed as error:
            logger.warning("signing with certificate %s failed: %s", certificate.pk, error)
            raise SigningFailed(
                _(
                    "The document could not be digitally signed (%(why)s), so nothing "
                    "was recorded. Try again later; if it keeps failing, tell the "
                    "system administrator."
                )
                % {"why": error}
            ) from None
        cert_name, unsigned_reason = signer_name or certificate.common_name, ""
    digest = hashlib.sha256(signed).hexdigest()
    record = DocumentRecord.objects.create(
        number=number,
        dossier_code=dossier_code,
        title=title[:200],
        sha256=digest,
        issued_at=now,
        certificate=certificate,
        signer_name=cert_name[:200],
        organisation=(organisation or (certificate.organisation if certificate else ""))[:200],
        unsigned_reason=unsigned_reason,
    )
    return Issued(signed, digest, record)


def number_new(dossier_code: str) -> str:
    """A verification number for a document of `dossier_code` to be signed later."""
    return _new_number(dossier_code)


def _new_number(dossier_code: str) -> str:
    # Random rather than sequential: a number cannot be guessed from another one.
    while True:
        number = secrets.token_hex(4).upper()
        if not DocumentRecord.objects.filter(dossier_code=dossier_code, number=number).exists():
            return number


# --- validating ---------------------------------------------------------------------


def signature_check(content: bytes) -> SignatureCheck:
    """The validation outcome of this file, computed once per content."""
    digest = hashlib.sha256(content).hexdigest()
    found = SignatureCheck.objects.filter(sha256=digest).first()
    if found is not None:
        return found
    verdict = validate_pdf(content)
    check, _created = SignatureCheck.objects.get_or_create(
        sha256=digest, defaults={"outcome": verdict.outcome, "details": verdict.details()}
    )
    return check


@dataclass
class Verification:
    record: DocumentRecord | None
    verdict: Verdict | None


def verify_upload(content: bytes) -> Verification:
    digest = hashlib.sha256(content).hexdigest()
    record = DocumentRecord.objects.filter(sha256=digest).select_related("certificate").first()
    return Verification(record, validate_pdf(content))


def verify_number(dossier_code: str, number: str) -> Verification:
    record = (
        DocumentRecord.objects.filter(
            dossier_code=dossier_code.strip(), number=number.strip().upper()
        )
        .select_related("certificate")
        .first()
    )
    return Verification(record, None)
