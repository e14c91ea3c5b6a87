"""Certificates: reading what an agency admin uploads, the trust roots of the
deployment, and the demo certificate authority of development (`seed_demo`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.translation import gettext as _


class CertificateError(ValueError):
    """The upload is not a usable certificate; the message is for the admin."""


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    common_name: str
    organisation: str
    issuer: str
    serial: str
    fingerprint: str  # SHA-256 of the DER, hex
    not_before: dt.datetime
    not_after: dt.datetime
    der: bytes


def _attr(name: x509.Name, oid) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def describe(cert: x509.Certificate) -> CertificateInfo:
    der = cert.public_bytes(serialization.Encoding.DER)
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        common_name=_attr(cert.subject, NameOID.COMMON_NAME),
        organisation=_attr(cert.subject, NameOID.ORGANIZATION_NAME),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        fingerprint=hashlib.sha256(der).hexdigest(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        der=der,
    )


def read_pkcs12(data: bytes, password: str) -> tuple[CertificateInfo, list[bytes]]:
    """The certificate of a PKCS#12 file and its chain (DER). Raises CertificateError
    when the password is wrong, the file holds no key or the certificate is not valid
    now."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except ValueError:
        raise CertificateError(
            _("This file cannot be opened with this password (or is not a PKCS#12 file).")
        ) from None
    if key is None or cert is None:
        raise CertificateError(_("This file holds no private key with its certificate."))
    info = describe(cert)
    _check_current(info)
    return info, [c.public_bytes(serialization.Encoding.DER) for c in extra or []]


def read_certificate(data: bytes) -> tuple[CertificateInfo, list[bytes]]:
    """A public certificate (PEM or DER; a PEM may carry its chain after it)."""
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise CertificateError(_("This file is not a certificate (PEM or DER).")) from None
    info = describe(certs[0])
    _check_current(info)
    return info, [c.public_bytes(serialization.Encoding.DER) for c in certs[1:]]


def _check_current(info: CertificateInfo) -> None:
    now = dt.datetime.now(dt.UTC)
    if info.not_after < now:
        raise CertificateError(_("This certificate has expired."))
    if info.not_before > now:
        raise CertificateError(_("This certificate is not valid yet."))


def trust_roots() -> list[x509.Certificate]:
    """The CA certificates of `SIGNING_TRUST_ROOTS_DIR` (PEM or DER files)."""
    folder = Path(settings.SIGNING_TRUST_ROOTS_DIR)
    roots = []
    if not folder.is_dir():
        return roots
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        data = path.read_bytes()
        try:
            if b"-----BEGIN" in data:
                roots.extend(x509.load_pem_x509_certificates(data))
            else:
                roots.append(x509.load_der_x509_certificate(data))
        except ValueError:
            continue
    return roots


# --- the demo certificate authority (development only) ------------------------------

DEMO_ROOT_NAME = "MotCua Demo Root CA"


def new_key() -> ec.EllipticCurvePrivateKey:
    # P-256: generated in milliseconds (RSA 2048 takes a noticeable fraction of a second).
    return ec.generate_private_key(ec.SECP256R1())


def issue_ca(common_name: str, *, key=None, days: int = 3650):
    key = key or new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MotCua (demo)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_leaf(
    ca_key,
    ca_cert,
    *,
    common_name: str,
    organisation: str,
    key=None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    timestamping: bool = False,
):
    key = key or new_key()
    now = dt.datetime.now(dt.UTC)
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attrs))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not timestamping,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if timestamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def to_pkcs12(key, cert, chain, password: str, name: str = "") -> bytes:
    return pkcs12.serialize_key_and_certificates(
        name.encode() or None,
        key,
        cert,
        chain or None,
        serialization.BestAvailableEncryption(password.encode()),
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
