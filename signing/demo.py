"""The demo certificate authority of development (`SIGNING_DEMO_CA`): one root kept in
`SIGNING_DEMO_CA_DIR`, trusted through `SIGNING_TRUST_ROOTS_DIR`, and a certificate for
each demo agency (its seal) and each of their leaders, so that `make run` issues
signed documents. Production refuses SIGNING_DEMO_CA (config/backends.py)."""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from identity.constants import OfficialRole
from identity.permissions import officials_of
from procedures.models import Agency
from signing import certificates, services
from signing.models import SigningCertificate

ROOT_FILE = "demo-root.pem"


def demo_root_pem() -> bytes | None:
    """The demo root certificate, when the demo CA exists (the download page)."""
    if not settings.SIGNING_DEMO_CA:
        return None
    path = Path(settings.SIGNING_DEMO_CA_DIR) / ROOT_FILE
    return path.read_bytes() if path.is_file() else None


def demo_ca():
    """The demo root's key and certificate, made the first time."""
    folder = Path(settings.SIGNING_DEMO_CA_DIR)
    key_path, cert_path = folder / "demo-root-key.pem", folder / ROOT_FILE
    if key_path.is_file() and cert_path.is_file():
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    else:
        folder.mkdir(parents=True, exist_ok=True)
        key, cert = certificates.issue_ca(certificates.DEMO_ROOT_NAME)
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        cert_path.write_bytes(certificates.pem(cert))
    trust = Path(settings.SIGNING_TRUST_ROOTS_DIR)
    trust.mkdir(parents=True, exist_ok=True)
    (trust / ROOT_FILE).write_bytes(certificates.pem(cert))
    return key, cert


def seed_signing(agency_codes, *, stdout=None) -> int:
    """A demo certificate for each agency of `agency_codes` and each of their leaders,
    unless they hold one from this demo root already. Returns how many were made."""
    if not settings.SIGNING_DEMO_CA:
        return 0
    key, root = demo_ca()
    issuer = root.subject.rfc4514_string()
    made = 0
    for agency in Agency.objects.filter(code__in=agency_codes):
        holders = [{"agency": agency}] + [
            {"official": u} for u in officials_of(agency, OfficialRole.LEADER)
        ]
        for holder in holders:
            current = SigningCertificate.objects.filter(active=True, **holder).first()
            if current is not None and current.issuer == issuer:
                continue
            name = agency.name if "agency" in holder else str(holder["official"])
            leaf_key, leaf = certificates.issue_leaf(
                key, root, common_name=name, organisation=agency.name
            )
            password = secrets.token_urlsafe(12)
            services.certificate_add_local(
                pkcs12=certificates.to_pkcs12(leaf_key, leaf, [root], password),
                password=password,
                **holder,
            )
            made += 1
    if stdout is not None:
        stdout.write(f"demo signing certificates: {made} new (root {ROOT_FILE})")
    return made
