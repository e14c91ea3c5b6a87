"""Agency admins manage their agency's signing certificates in Django admin: upload a
PKCS#12 file with its password (never shown again) or register a remote signing
service; another agency's certificate is not found; a bad file or a wrong password is
refused with a clear message and nothing is written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from identity import services as identity_services
from identity.constants import OfficialRole
from signing import keystore
from signing.models import SignerKind, SigningCertificate
from tests.helpers import force_login_verified
from tests.identity.factories import UserFactory, make_official
from tests.procedures.factories import AgencyFactory
from tests.signing.conftest import EXPIRED, PASSWORD, local_certificate

pytestmark = pytest.mark.django_db

URL = "/admin/signing/signingcertificate/"


class Agencies:
    def __init__(self, ca):
        self.own = AgencyFactory(code="000.00.41.H29", name="Sở Tư pháp")
        self.other = AgencyFactory(code="000.00.42.H29", name="Sở Xây dựng")
        self.admin = UserFactory(username="quantri.tp")
        identity_services.official_membership_grant(
            user=self.admin, agency=self.own, role=OfficialRole.AGENCY_ADMIN
        )
        self.leader = make_official(OfficialRole.LEADER, self.own.code, full_name="Trần Lãnh")
        self.foreign_leader = make_official(
            OfficialRole.LEADER, self.other.code, full_name="Lê Ngoài"
        )
        self.foreign_cert = local_certificate(ca, agency=self.other)


@pytest.fixture
def agencies(test_ca):
    return Agencies(test_ca)


@pytest.fixture
def admin_client(client, agencies):
    return force_login_verified(client, agencies.admin)


def _p12(content, name="con-dau.p12"):
    return SimpleUploadedFile(name, content, "application/x-pkcs12")


def _post(client, **data):
    base = {"kind": SignerKind.LOCAL, "agency": "", "official": "", "remote_url": ""}
    return client.post(f"{URL}add/", {**base, **data})


def test_agency_admin_uploads_the_seal_of_their_agency(admin_client, agencies, test_ca):
    response = _post(
        admin_client,
        agency=agencies.own.pk,
        pkcs12_file=_p12(test_ca.pkcs12("Sở Tư pháp", "Sở Tư pháp")),
        password=PASSWORD,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    cert = SigningCertificate.objects.get(agency=agencies.own, active=True)
    assert cert.kind == SignerKind.LOCAL and cert.created_by == agencies.admin
    assert keystore.decrypt(cert.pkcs12_password) == PASSWORD.encode()
    page = admin_client.get(f"{URL}{cert.pk}/change/").content.decode()
    assert cert.fingerprint in page and "Sở Tư pháp" in page
    # Neither the password nor any way to change or download the key is offered again.
    assert PASSWORD not in page and 'name="password"' not in page
    assert 'name="pkcs12_file"' not in page and 'name="_save"' not in page


def test_agency_admin_gives_their_leader_a_certificate(admin_client, agencies, test_ca):
    response = _post(
        admin_client,
        official=agencies.leader.pk,
        pkcs12_file=_p12(test_ca.pkcs12("Trần Lãnh")),
        password=PASSWORD,
    )
    assert response.status_code == 302
    assert SigningCertificate.objects.get(official=agencies.leader, active=True)


def test_the_list_shows_only_their_agency(admin_client, agencies, test_ca):
    own = local_certificate(test_ca, agency=agencies.own)
    theirs = local_certificate(test_ca, official=agencies.leader)
    page = admin_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"{URL}{own.pk}/change/" in html and f"{URL}{theirs.pk}/change/" in html
    assert f"{URL}{agencies.foreign_cert.pk}/change/" not in html


def test_another_agencys_certificate_is_not_found(admin_client, agencies):
    assert admin_client.get(f"{URL}{agencies.foreign_cert.pk}/change/").status_code == 404
    assert admin_client.get(f"{URL}{agencies.foreign_cert.pk}/history/").status_code == 404
    assert admin_client.get(f"{URL}999999/change/").status_code == 404


@pytest.mark.parametrize("holder", ["agency", "official"])
def test_another_agency_or_its_official_cannot_be_chosen(admin_client, agencies, test_ca, holder):
    target = agencies.other if holder == "agency" else agencies.foreign_leader
    response = _post(
        admin_client,
        **{holder: target.pk},
        pkcs12_file=_p12(test_ca.pkcs12("Chiếm")),
        password=PASSWORD,
    )
    assert response.status_code == 200
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    assert SigningCertificate.objects.count() == 1  # the other agency's, untouched


def test_an_official_without_the_admin_role_has_no_door(client, agencies):
    force_login_verified(client, agencies.leader)
    assert client.get(URL).status_code in (302, 403)
    assert client.get(f"{URL}add/").status_code in (302, 403)


@pytest.mark.parametrize(
    ("upload", "password", "message"),
    [
        ("wrong-password", "sai-mat-khau", "Không mở được tệp này bằng mật khẩu"),
        ("garbage", PASSWORD, "Không mở được tệp này bằng mật khẩu"),
        ("no-key", PASSWORD, "không chứa khóa bí mật"),
        ("expired", PASSWORD, "đã hết hạn"),
        ("none", PASSWORD, "Hãy tải lên tệp PKCS#12"),
        ("huge", PASSWORD, "quá lớn"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    admin_client, agencies, test_ca, upload, password, message
):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    current = local_certificate(test_ca, agency=agencies.own)
    files = {
        "wrong-password": lambda: _p12(test_ca.pkcs12("Sở Tư pháp")),
        "garbage": lambda: _p12(b"\x30\x82 not a pkcs12 file"),
        "no-key": lambda: _p12(
            pkcs12.serialize_key_and_certificates(
                None, None, None, [test_ca.cert], BestAvailableEncryption(PASSWORD.encode())
            )
        ),
        "expired": lambda: _p12(test_ca.pkcs12("Cũ", **EXPIRED)),
        "huge": lambda: _p12(b"0" * (300 * 1024)),
    }
    data = {"agency": agencies.own.pk, "password": password}
    if upload in files:
        data["pkcs12_file"] = files[upload]()
    before = set(SigningCertificate.objects.values_list("pk", flat=True))
    response = _post(admin_client, **data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html, html[:4000]
    assert set(SigningCertificate.objects.values_list("pk", flat=True)) == before
    current.refresh_from_db()
    assert current.active  # the certificate in use stays in use
    assert password not in html  # the password typed is not sent back


def test_neither_or_both_holders_are_refused(admin_client, agencies, test_ca):
    for holder in ({}, {"agency": agencies.own.pk, "official": agencies.leader.pk}):
        response = _post(
            admin_client, **holder, pkcs12_file=_p12(test_ca.pkcs12("X")), password=PASSWORD
        )
        assert "Chọn một cơ quan (con dấu của cơ quan) hoặc một cán bộ" in response.content.decode()
    assert SigningCertificate.objects.count() == 1


def test_remote_signer_is_registered_with_its_token_encrypted(
    admin_client, agencies, signing_service
):
    response = _post(
        admin_client,
        kind=SignerKind.REMOTE,
        agency=agencies.own.pk,
        certificate_file=SimpleUploadedFile("cert.pem", signing_service.certificate_pem),
        remote_url=signing_service.url,
        token=signing_service.token,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    cert = SigningCertificate.objects.get(agency=agencies.own)
    assert cert.kind == SignerKind.REMOTE and cert.remote_url == signing_service.url
    assert signing_service.token.encode() not in bytes(cert.remote_token)
    page = admin_client.get(f"{URL}{cert.pk}/change/").content.decode()
    assert signing_service.token not in page


def test_remote_signer_needs_a_certificate_and_an_address(admin_client, agencies):
    response = _post(
        admin_client,
        kind=SignerKind.REMOTE,
        agency=agencies.own.pk,
        certificate_file=SimpleUploadedFile("cert.pem", b"-----BEGIN CERTIFICATE-----\nxx"),
        remote_url="https://ky-so.example.vn/sign",
    )
    assert "không phải chứng thư số" in response.content.decode()
    response = _post(admin_client, kind=SignerKind.REMOTE, agency=agencies.own.pk)
    assert "Hãy tải lên chứng thư số và nhập địa chỉ" in response.content.decode()
    assert SigningCertificate.objects.count() == 1


def test_a_remote_signer_must_be_reached_over_https(
    admin_client, agencies, signing_service, settings
):
    settings.SIGNING_REMOTE_HTTPS_ONLY = True
    response = _post(
        admin_client,
        kind=SignerKind.REMOTE,
        agency=agencies.own.pk,
        certificate_file=SimpleUploadedFile("cert.pem", signing_service.certificate_pem),
        remote_url=signing_service.url,  # http://127.0.0.1:…
        token=signing_service.token,
    )
    assert "phải được kết nối qua HTTPS" in response.content.decode()
    assert SigningCertificate.objects.count() == 1
