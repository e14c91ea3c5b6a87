"""Sign-and-validate round trips for every standard form and the result, with the
local PKCS#12 signer and the remote signing service; what validation reports for
modified, expired and untrusted signatures; the remote service failing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
import unicodedata

import pytest
from django.utils import timezone

from dossiers import documents, services
from dossiers.constants import Action, StandardForm, Status
from dossiers.errors import DossierError
from dossiers.models import DossierLog
from signing import keystore
from signing.models import DocumentRecord, SigningCertificate
from signing.validation import Outcome, validate_pdf
from tests.dossiers.factories import World
from tests.signing.conftest import (
    EXPIRED,
    local_certificate,
    needs_pdfsig,
    pdfsig,
    remote_certificate,
)

pytestmark = pytest.mark.django_db

FORMS = ["01", "02", "03", "04", "05", "06"]
# The tests that sign a form of their own take a dossier written in its state
# (`World.dossier_built`): walking it there through the services would render and sign
# every form of the walk too. The forms signed during the walk have tests of their own
# below (the receipt, form 06, the result).


@pytest.fixture
def world(db):
    return World()


@pytest.fixture(params=["local", "remote"])
def agency_certificate(request, world, test_ca, trusted):
    if request.param == "local":
        return local_certificate(test_ca, agency=world.agency)
    service = request.getfixturevalue("signing_service")
    return remote_certificate(service, agency=world.agency)


@pytest.mark.parametrize("form", FORMS)
def test_every_form_round_trips(world, agency_certificate, form, test_ca, tmp_path):
    dossier = world.dossier_built(Status.PROCESSING)
    content = documents.render(form, dossier, data={})
    issued = documents.agency_sign(dossier, content, form=form, agency=world.agency)
    assert issued.signed and issued.content != content
    verdict = validate_pdf(issued.content)
    assert verdict.outcome == Outcome.VALID
    [signature] = verdict.signatures
    assert signature.signer == agency_certificate.common_name
    assert signature.fingerprint == agency_certificate.fingerprint
    record = DocumentRecord.objects.get(sha256=hashlib.sha256(issued.content).hexdigest())
    assert record.dossier_code == dossier.code and record.certificate == agency_certificate
    if shutil.which("pdfsig") and shutil.which("certutil"):
        # An independent validator agrees: poppler, trusting the test root through NSS.
        report = pdfsig(issued.content, tmp_path, trust_pem=test_ca.pem())
        assert report.count("Signature Validation: Signature is Valid.") == 1, report
        assert "Certificate Validation: Certificate is Trusted." in report, report


def test_receipt_is_signed_when_the_dossier_is_received(world, test_ca, trusted):
    cert = local_certificate(test_ca, agency=world.agency)
    dossier = world.dossier_in(Status.RECEIVED)
    issued = dossier.issued.get(form=StandardForm.RECEIPT)
    content = issued.file.open("rb").read()
    assert hashlib.sha256(content).hexdigest() == issued.sha256
    assert validate_pdf(content).outcome == Outcome.VALID
    # The worker that wrote the file logged the signature, in a system row of its own.
    entry = DossierLog.objects.get(dossier=dossier, action=Action.DOCUMENT_WRITTEN)
    signature = entry.data["document"]["signature"]
    assert signature["status"] == "signed"
    assert (signature["fingerprint"], signature["subject"]) == (cert.fingerprint, cert.subject)
    assert signature["sha256"] == issued.sha256 and signature["signer"] == world.agency.name


@pytest.mark.parametrize("kind", ["local", "remote"])
def test_result_is_signed_by_the_approving_leader(world, test_ca, trusted, kind, request, tmp_path):
    if kind == "local":
        cert = local_certificate(test_ca, official=world.leader)
    else:
        cert = remote_certificate(request.getfixturevalue("signing_service"), official=world.leader)
    dossier = world.dossier_in(Status.AWAITING_APPROVAL)
    draft = documents.render("02", dossier, data={})  # any real PDF stands for the result
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.dossier_approve(
        dossier_id=dossier.pk,
        actor=world.leader,
        result_upload=SimpleUploadedFile("ket-qua.pdf", draft, "application/pdf"),
    )
    result = dossier.documents.get(is_result=True).file
    content = result.file.open("rb").read()
    verdict = validate_pdf(content)
    assert verdict.outcome == Outcome.VALID
    assert verdict.signatures[0].fingerprint == cert.fingerprint
    entry = DossierLog.objects.get(dossier=dossier, action=Action.APPROVE)
    assert entry.data["result"]["sha256"] == result.sha256
    assert entry.data["result"]["signature"]["signer"] == str(world.leader)
    if shutil.which("pdfsig") and shutil.which("certutil"):
        report = pdfsig(content, tmp_path, trust_pem=test_ca.pem())
        assert report.count("Signature Validation: Signature is Valid.") == 1, report
        assert "Certificate Validation: Certificate is Trusted." in report, report


def test_form_06_download_is_sealed_and_logged(world, test_ca, trusted):
    local_certificate(test_ca, agency=world.agency)
    dossier = world.dossier_in(Status.PROCESSING)
    content = services.control_sheet_issue(dossier_id=dossier.pk, actor=world.specialist)
    assert validate_pdf(content).outcome == Outcome.VALID
    entry = DossierLog.objects.filter(dossier=dossier).latest("seq")
    assert entry.action == Action.DOCUMENT_SIGNED
    assert entry.data["document"]["sha256"] == hashlib.sha256(content).hexdigest()


def test_without_a_certificate_documents_are_issued_unsigned_and_flagged(world):
    dossier = world.dossier_in(Status.RECEIVED)
    content = dossier.issued.get().file.open("rb").read()
    assert validate_pdf(content).outcome == Outcome.NOT_SIGNED
    entry = DossierLog.objects.get(dossier=dossier, action=Action.DOCUMENT_WRITTEN)
    assert entry.data["document"]["signature"]["status"] == "unsigned"
    assert (
        DocumentRecord.objects.get(sha256=hashlib.sha256(content).hexdigest()).certificate is None
    )


def test_timestamp_from_the_tsa(world, test_ca, trusted, tsa, tmp_path):
    local_certificate(test_ca, agency=world.agency)
    dossier = world.dossier_built(Status.PROCESSING)
    issued = documents.agency_sign(
        dossier, documents.render("05", dossier, data={}), form="05", agency=world.agency
    )
    verdict = validate_pdf(issued.content)
    assert verdict.outcome == Outcome.VALID and verdict.signatures[0].timestamped
    assert tsa.requests >= 1
    if shutil.which("pdfsig") and shutil.which("certutil"):
        report = pdfsig(issued.content, tmp_path, trust_pem=test_ca.pem())
        assert "Signature Validation: Signature is Valid." in report, report


def test_remote_timestamp_too(world, test_ca, trusted, tsa, signing_service):
    remote_certificate(signing_service, agency=world.agency)
    dossier = world.dossier_built(Status.PROCESSING)
    issued = documents.agency_sign(
        dossier, documents.render("01", dossier, data={}), form="01", agency=world.agency
    )
    verdict = validate_pdf(issued.content)
    assert verdict.outcome == Outcome.VALID and verdict.signatures[0].timestamped


def test_one_byte_changed_after_signing_is_modified(world, test_ca, trusted):
    local_certificate(test_ca, agency=world.agency)
    dossier = world.dossier_built(Status.PROCESSING)
    issued = documents.agency_sign(
        dossier, documents.render("02", dossier, data={}), form="02", agency=world.agency
    )
    tampered = bytearray(issued.content)
    at = issued.content.index(b"/MediaBox")  # inside the signed range, outside any stream
    tampered[at + 1] = ord("N")  # /MediaBox -> /NediaBox
    assert validate_pdf(bytes(tampered)).outcome == Outcome.MODIFIED


def test_expired_certificate_is_reported(world, test_ca, trusted):
    from cryptography.hazmat.primitives.serialization import pkcs12

    from signing.signers import LocalPkcs12Signer, Stamp

    # The upload form refuses an expired certificate, so the signer is made directly.
    data = test_ca.pkcs12("Hết hạn", **EXPIRED)
    pkcs12.load_key_and_certificates(data, b"mat-khau-p12")
    signed = LocalPkcs12Signer(data, b"mat-khau-p12").sign_pdf(
        documents.render("01", world.dossier_built(Status.RECEIVED), data={}),
        stamp=Stamp(signer="Hết hạn", organisation="", number="EXP00001"),
    )
    assert validate_pdf(signed).outcome == Outcome.EXPIRED


def test_untrusted_signer_is_reported(world, foreign_ca, trusted):
    local_certificate(foreign_ca, agency=world.agency)
    dossier = world.dossier_built(Status.PROCESSING)
    issued = documents.agency_sign(
        dossier, documents.render("03", dossier, data={}), form="03", agency=world.agency
    )
    assert validate_pdf(issued.content).outcome == Outcome.UNTRUSTED


def test_unsigned_and_non_pdf():
    assert validate_pdf(b"%PDF-1.7\nnot really").outcome in (Outcome.UNREADABLE, Outcome.NOT_SIGNED)
    assert validate_pdf(b"\x89PNG").outcome == Outcome.UNREADABLE


@pytest.mark.parametrize("mode", ["error", "slow", "garbage"])
def test_remote_failure_keeps_the_issuance_and_signs_later(world, settings, signing_service, mode):
    # The form is signed by the worker after the action: a signer down delays its file,
    # never the action.
    settings.SIGNING_REMOTE_TIMEOUT = 0.5
    signing_service.mode = mode
    remote_certificate(signing_service, agency=world.agency)
    dossier = world.dossier_in(Status.SUBMITTED)
    records = DocumentRecord.objects.count()
    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    dossier.refresh_from_db()
    issued = dossier.issued.get()
    assert dossier.status == Status.RECEIVED
    assert (issued.state, issued.attempts) == ("pending", 1) and "ký số" in issued.last_error
    assert not dossier.log.filter(action=Action.DOCUMENT_WRITTEN).exists()
    assert DocumentRecord.objects.count() == records

    signing_service.mode = "ok"
    documents.write(issued.pk)
    issued.refresh_from_db()
    assert issued.state == "ready"
    row = dossier.log.get(action=Action.DOCUMENT_WRITTEN)
    assert row.data["document"]["signature"]["status"] == "signed"
    assert DocumentRecord.objects.get(number=issued.number).sha256 == issued.sha256


def test_approval_refuses_a_result_whose_signature_is_broken(world, test_ca, trusted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    local_certificate(test_ca, agency=world.agency)
    dossier = world.dossier_in(Status.AWAITING_APPROVAL)
    issued = documents.agency_sign(
        dossier, documents.render("05", dossier, data={}), form="05", agency=world.agency
    )
    tampered = issued.content.replace(b"/MediaBox", b"/NediaBox", 1)
    with pytest.raises(DossierError, match="hỏng"):
        services.dossier_approve(
            dossier_id=dossier.pk,
            actor=world.leader,
            result_upload=SimpleUploadedFile("kq.pdf", tampered, "application/pdf"),
        )
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL


def test_keys_are_stored_encrypted_and_rotate(world, test_ca, settings):
    from cryptography.fernet import Fernet

    cert = local_certificate(test_ca, agency=world.agency)
    stored = SigningCertificate.objects.get(pk=cert.pk)
    assert b"mat-khau-p12" not in bytes(stored.pkcs12_password)
    assert keystore.decrypt(stored.pkcs12_password) == b"mat-khau-p12"
    old = settings.SIGNING_KEY_ENCRYPTION_KEY
    settings.SIGNING_KEY_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{old}"
    from signing import services as signing_services

    assert signing_services.keys_rotate() == 1
    settings.SIGNING_KEY_ENCRYPTION_KEY = settings.SIGNING_KEY_ENCRYPTION_KEY.split(",")[0]
    stored.refresh_from_db()
    assert keystore.decrypt(stored.pkcs12_password) == b"mat-khau-p12"


def test_a_new_certificate_replaces_the_one_in_use(world, test_ca):
    first = local_certificate(test_ca, agency=world.agency)
    second = local_certificate(test_ca, agency=world.agency)
    first.refresh_from_db()
    assert not first.active and second.active


def test_wrong_password_is_refused(world, test_ca):
    from signing import services as signing_services
    from signing.certificates import CertificateError

    with pytest.raises(CertificateError):
        signing_services.certificate_add_local(
            pkcs12=test_ca.pkcs12("Sai"), password="sai", agency=world.agency
        )
    with pytest.raises(CertificateError):
        signing_services.certificate_add_local(
            pkcs12=test_ca.pkcs12("Cũ", **EXPIRED), password="mat-khau-p12", agency=world.agency
        )


@needs_pdfsig
@pytest.mark.parametrize("kind", ["local", "remote"])
def test_pdfsig_calls_the_signature_valid_and_trusted(world, test_ca, tmp_path, kind, request):
    if kind == "local":
        local_certificate(test_ca, agency=world.agency)
    else:
        remote_certificate(request.getfixturevalue("signing_service"), agency=world.agency)
    dossier = world.dossier_in(Status.RECEIVED)
    content = dossier.issued.get().file.open("rb").read()
    report = pdfsig(content, tmp_path, trust_pem=test_ca.pem())
    assert report.count("Signature Validation: Signature is Valid.") == 1, report
    assert "Certificate Validation: Certificate is Trusted." in report, report
    assert "Total document signed" in report


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
@pytest.mark.parametrize("kind", ["local", "remote"])
def test_the_visible_stamp_names_signer_organisation_time_and_number(
    world, test_ca, trusted, tmp_path, kind, request
):
    if kind == "local":
        local_certificate(test_ca, official=world.leader)
    else:
        remote_certificate(request.getfixturevalue("signing_service"), official=world.leader)
    dossier = world.dossier_in(Status.AWAITING_APPROVAL)
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = timezone.localtime()
    services.dossier_approve(
        dossier_id=dossier.pk,
        actor=world.leader,
        result_upload=SimpleUploadedFile(
            "kq.pdf", documents.render("05", dossier, data={}), "application/pdf"
        ),
    )
    content = dossier.documents.get(is_result=True).file.file.open("rb").read()
    number = DossierLog.objects.get(dossier=dossier, action=Action.APPROVE).data["result"][
        "signature"
    ]["number"]
    path = tmp_path / "stamped.pdf"
    path.write_bytes(content)
    # The stamp is a form field's appearance: pdftotext reads it from the last page.
    text = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "9", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    text = unicodedata.normalize("NFC", text)
    assert f"Ký số bởi / Signed by: {world.leader}" in text, text
    assert world.agency.name in text  # the organisation line
    assert f"Số xác thực / Number: {number}" in text
    stamped = re.search(r"Thời gian / Time: (\d\d:\d\d:\d\d \d\d/\d\d/\d{4})", text)
    assert stamped, text
    at = dt.datetime.strptime(stamped.group(1), "%H:%M:%S %d/%m/%Y")
    assert abs((at - before.replace(tzinfo=None)).total_seconds()) < 120


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_the_workbench_says_when_the_remote_signer_fails(
    client, world, settings, signing_service, mode
):
    from tests.helpers import force_login_verified

    submitted = world.dossier_in(Status.SUBMITTED)
    processing = world.dossier_in(Status.PROCESSING)
    settings.SIGNING_REMOTE_TIMEOUT = 0.5
    signing_service.mode = mode
    remote_certificate(signing_service, agency=world.agency)
    entries = {d.pk: d.log.count() for d in (submitted, processing)}
    force_login_verified(client, world.receptionist)

    # The receipt is issued all the same; its file waits for the signer.
    page = client.post(
        f"/mot-cua/ho-so/{submitted.ref}/thao-tac/receive/", {"note": ""}, follow=True
    ).content.decode()
    assert "Đang chuẩn bị" in page
    issued = submitted.issued.get()
    why = "không trả lời kịp" if mode == "slow" else "báo lỗi 500"
    assert f"dịch vụ ký số từ xa {why}" in issued.last_error
    entries[submitted.pk] += 1

    # Form 06 asked for while the service is down: the same message, no sheet.
    client.logout()
    force_login_verified(client, world.specialist)
    response = client.get(f"/mot-cua/ho-so/{processing.ref}/mau-06.pdf", follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert "Không ký số được văn bản" in response.content.decode()

    processing.refresh_from_db()
    assert processing.log.count() == entries[processing.pk]
    submitted.refresh_from_db()
    assert submitted.status == Status.RECEIVED
    assert submitted.log.count() == entries[submitted.pk]
