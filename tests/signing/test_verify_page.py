"""/xac-thuc/: issued, tampered and foreign PDFs; the number lookup; the rate limit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import documents
from dossiers.constants import Status
from tests.dossiers.factories import World
from tests.signing.conftest import local_certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(test_ca, trusted):
    world = World()
    local_certificate(test_ca, agency=world.agency)
    dossier = world.dossier_in(Status.RECEIVED)
    doc = dossier.issued.get()
    return dossier, doc.file.open("rb").read(), doc.number


def _check(client, content):
    return client.post(
        "/xac-thuc/", {"tep-file": SimpleUploadedFile("a.pdf", content, "application/pdf")}
    )


def test_an_issued_pdf_is_recognised_and_valid(client, issued):
    dossier, content, number = issued
    page = _check(client, content).content.decode()
    assert "MotCua đã cấp văn bản này" in page
    assert dossier.code in page and number in page
    assert "Đã ký số, nguyên vẹn" in page
    assert dossier.applicant.full_name not in page  # nothing beyond the document itself


def test_a_tampered_pdf_is_not_recognised_and_modified(client, issued):
    _dossier, content, _number = issued
    page = _check(client, content.replace(b"/MediaBox", b"/NediaBox", 1)).content.decode()
    assert "MotCua không có bản ghi" in page
    assert "Đã bị thay đổi sau khi ký" in page


def test_a_foreign_pdf(client, db):
    world = World()
    content = documents.render("02", world.dossier_built(Status.PROCESSING), data={})
    page = _check(client, content).content.decode()
    assert "MotCua không có bản ghi" in page and "Không có chữ ký số" in page


def test_a_non_pdf_is_refused_plainly(client, db):
    response = _check(client, b"GIF89a")
    assert response.status_code == 200 and "không phải PDF" in response.content.decode()


def test_the_number_lookup(client, issued):
    dossier, _content, number = issued
    page = client.get("/xac-thuc/", {"ma": dossier.code, "so": number.lower()}).content.decode()
    assert "MotCua đã cấp văn bản này" in page
    page = client.get("/xac-thuc/", {"ma": dossier.code, "so": "00000000"}).content.decode()
    assert "Không có văn bản nào" in page


def test_rate_limited(client, settings, db):
    settings.SIGNING_VERIFY_DOOR_RATE = 2
    for _ in range(2):
        assert client.get("/xac-thuc/", {"ma": "X", "so": "Y"}).status_code == 200
    assert client.get("/xac-thuc/", {"ma": "X", "so": "Y"}).status_code == 429
