"""The issue's "done when", on the demo data: with seed_demo's certificate authority
and certificates, receiving a demo dossier at the workbench issues a form 01 that
poppler's `pdfsig` calls valid and trusted (through an NSS database trusting the demo
root downloaded from /xac-thuc/), approving a demo dossier with a result gives it the
leader's signature, and /xac-thuc/ recognises and verifies both."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.constants import Action, StandardForm, Status
from dossiers.demo import (
    DEMO_PASSWORD,
    DEPARTMENT_PROCEDURE,
    demo_pdf,
    seed_dossiers,
)
from dossiers.models import Dossier, DossierLog
from identity.demo import DEPARTMENT_CODE, WARD_CODE, seed_accounts
from identity.models import User
from procedures.demo import seed as seed_catalogue
from signing.demo import seed_signing
from signing.validation import Outcome, validate_pdf
from tests.conftest import UnlaidHTML
from tests.helpers import force_login_verified
from tests.procedures.test_demo import write_demo_data
from tests.signing.conftest import needs_pdfsig, pdfsig

pytestmark = [pytest.mark.django_db, needs_pdfsig]


@pytest.fixture
def demo(settings, tmp_path):
    """`seed_demo`'s parts with the demo CA of development: accounts, catalogue and
    dossiers (their forms not laid out, for speed), then the demo certificates."""
    import weasyprint

    settings.SIGNING_DEMO_CA = True
    settings.SIGNING_DEMO_CA_DIR = str(tmp_path / "ca")
    settings.SIGNING_TRUST_ROOTS_DIR = str(tmp_path / "trust")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasyprint, "HTML", UnlaidHTML)
        seed_accounts(password=DEMO_PASSWORD)
        seed_catalogue(data_dir=write_demo_data(tmp_path / "data"))
        seed_dossiers()
    assert seed_signing([WARD_CODE, DEPARTMENT_CODE]) >= 4  # two seals, two leaders at least


def _department_dossier(status):
    return (
        Dossier.objects.filter(
            status=status,
            version__procedure__code=DEPARTMENT_PROCEDURE,
            receiving_agency__code=DEPARTMENT_CODE,
        )
        .order_by("pk")
        .first()
    )


def _verify(client, content: bytes) -> str:
    upload = SimpleUploadedFile("van-ban.pdf", content, "application/pdf")
    return client.post("/xac-thuc/", {"tep-file": upload}).content.decode()


def test_demo_receipt_and_result_are_signed_valid_and_verified(demo, client, tmp_path):
    (tmp_path / "01").mkdir()
    (tmp_path / "kq").mkdir()
    root = client.get("/xac-thuc/goc-demo.pem")
    assert root.status_code == 200
    official = User.objects.get(username="tiepnhan")
    leader = User.objects.get(username="lanhdao")

    # The desk receives a submitted demo dossier: form 01 comes out sealed.
    submitted = _department_dossier(Status.SUBMITTED)
    force_login_verified(client, official)
    response = client.post(f"/mot-cua/ho-so/{submitted.ref}/thao-tac/receive/", {"note": ""})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.RECEIVED
    receipt = submitted.issued.get(form=StandardForm.RECEIPT)
    form_01 = client.get(f"/mot-cua/ho-so/{submitted.ref}/mau/{receipt.pk}.pdf")
    form_01 = b"".join(form_01.streaming_content) if form_01.streaming else form_01.content
    report = pdfsig(form_01, tmp_path / "01", trust_pem=root.content)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Certificate Validation: Certificate is Trusted." in report, report
    assert submitted.receiving_agency.name in report

    # The leader approves a demo dossier with a result: it carries their signature.
    waiting = _department_dossier(Status.AWAITING_APPROVAL)
    client.logout()
    force_login_verified(client, leader)
    response = client.post(
        f"/mot-cua/ho-so/{waiting.ref}/thao-tac/approve/",
        {"note": "", "result": SimpleUploadedFile("ket-qua.pdf", demo_pdf("Ket qua"))},
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Status.RESULT_READY
    result = waiting.documents.get(is_result=True, superseded_at__isnull=True).file
    result_pdf = result.file.open("rb").read()
    verdict = validate_pdf(result_pdf)
    assert verdict.outcome == Outcome.VALID and verdict.signatures[0].signer == str(leader)
    entry = DossierLog.objects.get(dossier=waiting, action=Action.APPROVE)
    assert entry.data["result"]["signature"]["status"] == "signed"
    report = pdfsig(result_pdf, tmp_path / "kq", trust_pem=root.content)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Certificate Validation: Certificate is Trusted." in report, report

    # Anyone, signed in or not, verifies both on /xac-thuc/.
    client.logout()
    for content in (form_01, result_pdf):
        page = _verify(client, content)
        assert "MotCua đã cấp văn bản này" in page
        assert "Đã ký số, nguyên vẹn và người ký được tin cậy" in page
    number = entry.data["result"]["signature"]["number"]
    page = client.get("/xac-thuc/", {"ma": waiting.code, "so": number}).content.decode()
    assert "MotCua đã cấp văn bản này" in page and str(leader) in page
