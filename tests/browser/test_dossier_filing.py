"""A demo citizen files a dossier in Chromium end to end and follows it to the rated
result; the officials' steps go through the service layer (the back office has its own
browser tests).
axe-core checks every page visited."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from dossiers import services
from dossiers.constants import Status
from dossiers.demo import DEMO_PASSWORD, WARD_PROCEDURE, demo_pdf
from dossiers.models import Dossier
from identity.demo import seed_accounts
from procedures.demo import seed as seed_catalogue
from tests.procedures.test_demo import data_dir  # noqa: F401 - fixture


@pytest.fixture
def demo(data_dir):  # noqa: F811
    seed_accounts(password=DEMO_PASSWORD)
    seed_catalogue(data_dir=data_dir)
    return {u.username: u for u in get_user_model().objects.all()}


def _pdf_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(demo_pdf(text))
    return str(path)


def test_citizen_files_follows_supplements_pays_and_rates(
    live_server, page, axe_check, demo, tmp_path
):
    url = live_server.url
    # Sign in as the verified demo citizen.
    page.goto(url + "/dang-nhap/")
    page.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill("079190000123")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Phạm Thu Hà").first).to_be_visible()

    # From the procedure page: case and receiving agency.
    page.goto(f"{url}/thu-tuc/{WARD_PROCEDURE}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ")
    page.get_by_label("Cơ quan tiếp nhận").select_option(label="Phường Sài Gòn")
    axe_check(page, "start")
    page.get_by_role("button", name="Tiếp tục").click()

    # Declaration and documents.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tờ khai và giấy tờ")
    axe_check(page, "declaration and documents")
    page.get_by_label("Tải tệp lên (PDF, JPG, PNG)").first.set_input_files(
        _pdf_file(tmp_path, "to-khai.pdf", "To khai")
    )
    page.get_by_role("button", name="Đính kèm").first.click()
    expect(page.get_by_role("button", name="Gỡ bỏ to-khai.pdf")).to_be_visible()
    # The verified account's facts are filled in (and read-only: see
    # test_declaration_prefill_browser.py); the rest is the citizen's to type.
    expect(page.get_by_label("Họ, chữ đệm và tên")).to_have_value("Phạm Thu Hà")
    expect(page.get_by_label("Ngày, tháng, năm sinh")).to_have_value("1990-05-12")
    page.get_by_label("Số điện thoại").fill("0912000001")
    page.get_by_label("Mục đích sử dụng").fill("Bổ sung hồ sơ vay vốn")
    page.get_by_role("button", name="Xem lại và nộp").click()

    # Review and submit.
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem lại và nộp")
    axe_check(page, "review")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    axe_check(page, "submitted")
    dossier = Dossier.objects.get(applicant=demo["congdan"])
    assert dossier.status == Status.SUBMITTED
    expect(page.get_by_text(dossier.code)).to_be_visible()

    # My dossiers, then the dossier page and its timeline.
    page.get_by_role("link", name="Hồ sơ của tôi").click()
    expect(page.get_by_text(dossier.code)).to_be_visible()
    axe_check(page, "my dossiers")
    page.get_by_role("link", name=re.compile("xác nhận tình trạng hôn nhân", re.I)).click()
    expect(page.get_by_role("heading", name="Quá trình xử lý")).to_be_visible()
    expect(page.locator("ol li").filter(has_text="Mới đăng ký")).to_have_count(1)
    axe_check(page, "dossier page")

    # The ward receives it and asks for a supplement (service layer).
    receptionist, specialist, leader = (
        demo["tiepnhan.phuong"],
        demo["chuyenvien.phuong"],
        demo["lanhdao.phuong"],
    )
    services.dossier_receive(dossier_id=dossier.pk, actor=receptionist)
    services.dossier_assign(dossier_id=dossier.pk, actor=receptionist, assignee=specialist)
    services.dossier_request_supplement(
        dossier_id=dossier.pk, actor=specialist, note="Bổ sung bản sao giấy khai sinh."
    )
    page.reload()
    # The request stands beside the form that answers it (and in the timeline).
    supplement = page.locator("section").filter(has=page.locator("#supp"))
    expect(supplement.get_by_text("Bổ sung bản sao giấy khai sinh.")).to_be_visible()
    axe_check(page, "supplement requested")
    page.get_by_label("Giấy tờ được yêu cầu").set_input_files(
        _pdf_file(tmp_path, "khai-sinh.pdf", "Khai sinh")
    )
    page.get_by_label("Ghi chú gửi cơ quan").fill("Đã bổ sung bản sao giấy khai sinh.")
    page.get_by_role("button", name="Gửi bổ sung").click()
    expect(page.get_by_role("button", name="Gửi bổ sung")).to_have_count(0)
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING

    # A financial obligation; the citizen pays through the simulated bank.
    services.dossier_require_payment(
        dossier_id=dossier.pk, actor=specialist, amount=30000, reason="Phí xác nhận."
    )
    page.reload()
    axe_check(page, "awaiting payment")
    page.get_by_role("button", name="Thanh toán").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ngân hàng giả lập")
    axe_check(page, "simulated bank")
    page.get_by_role("button", name="Xác nhận thanh toán").click()
    expect(page.get_by_text("Đã nhận thanh toán. Xin cảm ơn.")).to_be_visible()
    expect(page.get_by_text("Số biên lai")).to_be_visible()
    axe_check(page, "paid")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING

    # The result is approved and returned (service layer).
    services.dossier_propose(dossier_id=dossier.pk, actor=specialist)
    result = SimpleUploadedFile("ket-qua.pdf", demo_pdf("Ket qua"), "application/pdf")
    services.dossier_approve(dossier_id=dossier.pk, actor=leader, result_upload=result)
    services.dossier_return_result(dossier_id=dossier.pk, actor=receptionist)

    # The citizen downloads the result and rates the service.
    page.reload()
    axe_check(page, "returned")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Tải kết quả")).click()
    download = download_info.value
    assert download.suggested_filename == "ket-qua.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    # One form per moment reached (receipt, supplement, result): the result's.
    rate_result = page.get_by_role("button", name=re.compile("Gửi đánh giá.*Khi có kết quả"))
    result_form = page.locator("form").filter(has=rate_result)
    # Nothing is chosen in advance: an unanswered scale stops the form from leaving.
    rate_result.click()
    assert result_form.locator("input[type=radio]:invalid").count() > 0
    assert not dossier.ratings.exists()
    for choice in result_form.get_by_label("5 - Rất hài lòng").all():
        choice.check()
    rate_result.click()
    expect(rate_result).to_have_count(0)
    expect(page.get_by_text("Cảm ơn bạn đã đánh giá.")).to_be_visible()
    expect(page.get_by_text("5/5 - Rất hài lòng").first).to_be_visible()
    axe_check(page, "rated")
    assert dossier.ratings.get(moment="result").overall == 5

    # My documents lists the uploads and the result.
    page.get_by_role("link", name="Kho giấy tờ của tôi").click()
    expect(page.get_by_text("ket-qua.pdf")).to_be_visible()
    axe_check(page, "my documents")


def test_citizen_deletes_a_draft_after_confirming(live_server, page, axe_check, demo):
    """Xóa bản nháp: from the draft's page to a confirmation page, then My dossiers."""
    url = live_server.url
    page.goto(url + "/dang-nhap/")
    page.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill("079190000123")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{url}/thu-tuc/{WARD_PROCEDURE}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label("Cơ quan tiếp nhận").select_option(label="Phường Sài Gòn")
    page.get_by_role("button", name="Tiếp tục").click()
    draft = Dossier.objects.get(status=Status.DRAFT)

    page.get_by_role("link", name="Xóa bản nháp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xóa bản nháp")
    axe_check(page, "delete draft")
    page.get_by_role("button", name="Xóa bản nháp").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của tôi")
    expect(page.get_by_text("Đã xóa bản nháp.")).to_be_visible()
    axe_check(page, "my dossiers after deleting")
    draft.refresh_from_db()
    assert draft.status == Status.DISCARDED
