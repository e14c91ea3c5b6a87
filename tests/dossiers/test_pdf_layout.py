"""The standard forms and the payment receipt lay out as the official forms do, with a
long agency name and a long applicant name: the national heading on one line each, no
phrase of the heading cut in two, table rows kept whole, the receipt on one page.
Checked on the text pdftotext reads back (-layout keeps lines)."""

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from dossiers import documents, receipts
from dossiers.constants import PaymentPurpose, PaymentStatus, StandardForm, Status
from dossiers.models import Payment

pytestmark = pytest.mark.django_db

LONG_AGENCY = "Ủy ban nhân dân phường Bình Thạnh thuộc Thành phố Hồ Chí Minh (điểm tiếp nhận số 2)"
LONG_NAME = "Nguyễn Hoàng Thị Phương Thảo Ngọc Bích Trâm Anh Thư"


def _text(content: bytes) -> tuple[str, int]:
    pages = subprocess.run(
        ["pdfinfo", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    count = int(next(line for line in pages.splitlines() if line.startswith("Pages:")).split()[1])
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return text, count


@pytest.fixture
def long_world(world):
    world.agency.name = LONG_AGENCY
    world.agency.save(update_fields=["name"])
    world.applicant.full_name = LONG_NAME
    world.applicant.save(update_fields=["full_name"])
    return world


def _whole_lines(text: str, *phrases: str) -> None:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for phrase in phrases:
        assert any(phrase in line for line in lines), (phrase, text[:1500])


@pytest.mark.parametrize(
    "form",
    [
        StandardForm.RECEIPT,
        StandardForm.SUPPLEMENT,
        StandardForm.REFUSAL,
        StandardForm.APOLOGY,
        StandardForm.STOP,
    ],
)
def test_each_form_keeps_its_heading_whole(long_world, form):
    dossier = long_world.dossier_built(Status.PROCESSING)
    content = documents.render(
        form,
        dossier,
        actor=long_world.receptionist,
        note="Lý do " * 40,
        data={"due_at_before": timezone.now().isoformat()},
    )
    text, pages = _text(content)
    _whole_lines(text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
    assert pages <= 2


def test_the_receipt_heading_phrases_stay_whole(long_world):
    dossier = long_world.dossier_built(Status.RECEIVED)
    content = documents.render(StandardForm.RECEIPT, dossier, actor=long_world.receptionist)
    text, _pages = _text(content)
    _whole_lines(text, "TRẢ KẾT QUẢ", "CÁN BỘ XỬ LÝ")


def test_the_control_sheet_keeps_rows_whole(long_world, monkeypatch):
    dossier = long_world.dossier_built(Status.PROCESSING)
    now = timezone.now()
    rows = [
        documents.ControlRow(
            at=now,
            action="Chuyển xử lý",
            handed_by=LONG_NAME,
            received_by=LONG_NAME,
            due_at=now,
            late=n % 3 == 0,
            note=f"Ghi chú số {n} " * 8,
        )
        for n in range(1, 41)
    ]
    monkeypatch.setattr(documents, "control_rows", lambda dossier: rows)
    text, pages = _text(documents.control_sheet_pdf(dossier))
    assert pages >= 2
    numbers = [
        int(line.split()[0])
        for line in text.splitlines()
        if line.split() and line.split()[0].isdigit() and len(line.split()[0]) <= 2
    ]
    # Each row's number appears once and every row is there: no row is split with
    # its number on one page and the rest of it on the next.
    assert numbers == list(range(1, 41))


def test_the_payment_receipt_is_one_page(long_world):
    dossier = long_world.dossier_built(Status.PROCESSING)
    payment = Payment.objects.create(
        dossier=dossier,
        purpose=PaymentPurpose.FEE,
        amount=1_250_000,
        reason="Lệ phí " * 10,
        reference="MC261207ABCDEF123456",
        status=PaymentStatus.PAID,
        paid_at=timezone.now() - dt.timedelta(hours=1),
        transaction_id="VNP14223344",
    )
    text, pages = _text(receipts.payment_receipt_pdf(payment))
    assert pages == 1, text
    _whole_lines(text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
