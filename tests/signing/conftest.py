"""A test CA made once per session (EC P-256: fast), certificates for agencies and
officials on demand, and the loopback signing service and TSA."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from signing import certificates, services

PASSWORD = "mat-khau-p12"


class TestCA:
    def __init__(self, name="MotCua Test Root"):
        self.key, self.cert = certificates.issue_ca(name)

    def leaf(self, name, organisation="", **kw):
        return certificates.issue_leaf(
            self.key, self.cert, common_name=name, organisation=organisation, **kw
        )

    def pkcs12(self, name, organisation="", **kw) -> bytes:
        key, cert = self.leaf(name, organisation, **kw)
        return certificates.to_pkcs12(key, cert, [self.cert], PASSWORD)

    def pem(self) -> bytes:
        return certificates.pem(self.cert)


@pytest.fixture(scope="session")
def test_ca():
    return TestCA()


@pytest.fixture(scope="session")
def foreign_ca():
    return TestCA("Foreign Root")


@pytest.fixture
def trusted(settings, test_ca, tmp_path):
    """The test CA is the deployment's only trust root."""
    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "test-root.pem").write_bytes(test_ca.pem())
    settings.SIGNING_TRUST_ROOTS_DIR = str(folder)
    return folder


def local_certificate(ca, *, agency=None, official=None, name=None, **kw):
    holder_name = name or (agency.name if agency is not None else str(official))
    return services.certificate_add_local(
        pkcs12=ca.pkcs12(holder_name, "UBND Thành phố (thử nghiệm)", **kw),
        password=PASSWORD,
        agency=agency,
        official=official,
    )


def pyhanko_signer(ca, name):
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, cert = ca.leaf(name, "UBND Thành phố (thử nghiệm)")
    data = certificates.to_pkcs12(key, cert, [ca.cert], PASSWORD)
    signer = signers.SimpleSigner.load_pkcs12_data(data, (), PASSWORD.encode())
    assert isinstance(signer.cert_registry, SimpleCertificateStore)
    return signer, cert


@pytest.fixture
def signing_service(test_ca):
    from tests.signing.servers import SigningService

    signer, cert = pyhanko_signer(test_ca, "Lãnh đạo ký từ xa")
    service = SigningService(signer, token="bi-mat")
    service.certificate_pem = certificates.pem(cert) + test_ca.pem()
    yield service
    service.close()


def remote_certificate(service, *, agency=None, official=None):
    return services.certificate_add_remote(
        certificate=service.certificate_pem,
        url=service.url,
        token=service.token,
        agency=agency,
        official=official,
    )


@pytest.fixture(scope="session")
def tsa_credentials(test_ca):
    from cryptography.hazmat.primitives.asymmetric import rsa

    # pyHanko's stand-in TSA signs with RSA only: one key for the session.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return test_ca.leaf("MotCua Test TSA", key=key, timestamping=True)


@pytest.fixture
def tsa(test_ca, tsa_credentials, settings):
    from asn1crypto import keys, x509

    from tests.signing.servers import TimestampAuthority

    key, cert = tsa_credentials
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    authority = TimestampAuthority(
        x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(der_key),
        [x509.Certificate.load(test_ca.cert.public_bytes(serialization.Encoding.DER))],
    )
    settings.SIGNING_TSA_URL = authority.url
    yield authority
    authority.close()


def pdfsig(content: bytes, tmp_path: Path, trust_pem: bytes | None = None) -> str:
    """poppler's report on the PDF; with `trust_pem`, through an NSS database that
    trusts that root (made with NSS's certutil)."""
    path = tmp_path / "signed.pdf"
    path.write_bytes(content)
    command = ["pdfsig"]
    if trust_pem is not None:
        nss = tmp_path / "nss"
        nss.mkdir(exist_ok=True)
        root = tmp_path / "root.pem"
        root.write_bytes(trust_pem)
        subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
        subprocess.run(
            ["certutil", "-A", "-d", f"sql:{nss}", "-n", "root", "-t", "CT,C,C", "-i", root],
            check=True,
        )
        command += ["-nssdir", f"sql:{nss}"]
    result = subprocess.run([*command, str(path)], capture_output=True, text=True)
    return result.stdout + result.stderr


needs_pdfsig = pytest.mark.skipif(
    shutil.which("pdfsig") is None or shutil.which("certutil") is None,
    reason="poppler-utils and libnss3-tools (installed by scripts/bootstrap.sh)",
)

EXPIRED = {
    "not_before": dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
    "not_after": dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
}
