"""Form 07, the dossier register, as a PDF sealed with the agency's certificate: the
legal form's columns, the agency's dossiers of the period only, signed with the local
and the remote signer, registered for /xac-thuc/, large registers through an export
job, and a signing failure said on the form with nothing registered."""

from __future__ import annotations

import hashlib
import subprocess
import unicodedata

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import exports
from dossiers.constants import Status
from dossiers.models import ExportJob
from signing.models import DocumentRecord
from signing.validation import Outcome, validate_pdf
from tests.backoffice.worlds import two_wards
from tests.helpers import force_login_verified
from tests.signing.conftest import local_certificate, remote_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def wards():
    a, b = two_wards()
    a.d = [a.dossier_built(s) for s in (Status.RECEIVED, Status.PROCESSING, Status.RETURNED)]
    b.d = [b.dossier_built(Status.RECEIVED)]
    return a, b


def _register_pdf(client, agency):
    today = timezone.localdate()
    return client.post(
        "/mot-cua/so-theo-doi/",
        {
            "agency": agency.pk,
            "start": today.isoformat(),
            "end": today.isoformat(),
            "format": "pdf",
        },
    )


def _text(content: bytes, tmp_path) -> str:
    path = tmp_path / "so.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("kind", ["local", "remote"])
def test_the_register_pdf_is_sealed_by_the_agency(
    client, wards, test_ca, trusted, tmp_path, kind, request
):
    a, b = wards
    if kind == "local":
        cert = local_certificate(test_ca, agency=a.agency)
    else:
        cert = remote_certificate(request.getfixturevalue("signing_service"), agency=a.agency)
    force_login_verified(client, a.receptionist)
    response = _register_pdf(client, a.agency)
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    verdict = validate_pdf(content)
    assert verdict.outcome == Outcome.VALID
    assert verdict.signatures[0].fingerprint == cert.fingerprint
    text = _text(content, tmp_path)
    assert "SỔ THEO DÕI HỒ SƠ" in text and a.agency.name.upper() in text
    assert "Mẫu số 07" in text and "Trả kết quả" in text and "Tên thủ tục" in " ".join(text.split())
    for dossier in a.d:
        assert dossier.code in text
    assert b.d[0].code not in text
    record = DocumentRecord.objects.get(sha256=hashlib.sha256(content).hexdigest())
    assert record.certificate == cert and "Sổ theo dõi hồ sơ" in record.title
    page = client.post(
        "/xac-thuc/", {"tep-file": SimpleUploadedFile("so.pdf", content, "application/pdf")}
    ).content.decode()
    assert "MotCua đã cấp văn bản này" in page


def test_another_agencys_register_is_refused(client, wards, test_ca, trusted):
    a, b = wards
    local_certificate(test_ca, agency=b.agency)
    force_login_verified(client, a.receptionist)
    response = _register_pdf(client, b.agency)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not DocumentRecord.objects.exists()


def test_a_large_register_is_made_by_a_job_and_signed(client, wards, test_ca, trusted, settings):
    a, _b = wards
    settings.EXPORT_PDF_SYNC_MAX_ROWS = 2
    local_certificate(test_ca, agency=a.agency)
    force_login_verified(client, a.receptionist)
    response = _register_pdf(client, a.agency)
    assert response.status_code == 302
    job = ExportJob.objects.get(owner=a.receptionist)
    assert (job.kind, job.format) == ("register", "pdf")
    exports.export_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.State.DONE and job.row_count == 3
    download = client.get(f"/mot-cua/xuat/cua-toi/{job.pk}/")
    assert download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert validate_pdf(content).outcome == Outcome.VALID


def test_a_signing_failure_is_said_and_nothing_is_registered(
    client, wards, signing_service, settings
):
    a, _b = wards
    signing_service.mode = "error"
    remote_certificate(signing_service, agency=a.agency)
    force_login_verified(client, a.receptionist)
    response = _register_pdf(client, a.agency)
    assert response.status_code == 400
    assert "Không ký số được văn bản" in response.content.decode()
    assert not DocumentRecord.objects.exists()


def test_without_a_certificate_the_register_is_issued_unsigned(client, wards):
    a, _b = wards
    force_login_verified(client, a.receptionist)
    content = _register_pdf(client, a.agency).content
    assert validate_pdf(content).outcome == Outcome.NOT_SIGNED
    record = DocumentRecord.objects.get(sha256=hashlib.sha256(content).hexdigest())
    assert record.certificate is None


def test_a_rendering_failure_is_said_and_nothing_is_registered(client, wards, monkeypatch):
    from dossiers import documents

    def broken(**kwargs):
        raise OSError("font missing")

    monkeypatch.setattr(documents, "register_pdf", broken)
    a, _b = wards
    force_login_verified(client, a.receptionist)
    response = _register_pdf(client, a.agency)
    assert response.status_code == 400
    assert "Không lập được sổ theo dõi hồ sơ" in response.content.decode()
    assert not DocumentRecord.objects.exists()
