"""A walk-in applicant's paper dossier filed at the counter in Chromium, checked by
axe: the receptionist picks the case, types the ID and the declaration, attaches the
scan, files and receives in one step, then opens the receipt for printing."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from dossiers.models import Dossier
from identity.models import RegistryResident
from tests.browser.helpers import official_sign_in
from tests.dossiers.factories import PDF, World
from tests.dossiers.test_documents import pdf_text


def test_walk_in_filed_at_the_counter_and_receipt_opened(live_server, page, axe_check):
    world = World()
    RegistryResident.objects.create(
        id_number="079190000888",
        full_name="Trần Thị Mai",
        birth_date=datetime.date(1990, 5, 6),
        sex="female",
        permanent_address="12 Nguyễn Huệ, Phường Sài Gòn",
    )
    official_sign_in(page, live_server, world.receptionist)

    page.get_by_role("link", name="Tiếp nhận tại quầy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp nhận tại quầy")
    axe_check(page, "counter intake: pick the case")
    page.get_by_role("combobox", name="Thủ tục và trường hợp").select_option(str(world.case.pk))
    page.get_by_role("button", name="Tiếp tục").click()

    page.get_by_label("Số định danh cá nhân", exact=True).fill("079190000888")
    page.get_by_label("Họ và tên", exact=True).first.fill("Trần Thị Mai")
    page.get_by_label("Ngày sinh", exact=True).fill("1990-05-06")
    page.locator("input[name='tk-full_name']").fill("Trần Thị Mai")
    page.get_by_label("Tờ khai đăng ký").set_input_files(
        files=[{"name": "to-khai-scan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    expect(page.get_by_label("Đã số hóa từ bản giấy")).to_be_checked()
    axe_check(page, "counter intake form")
    # Keyboard: the submit button is reachable and pressed with Enter.
    page.get_by_role("button", name="Nộp và tiếp nhận hồ sơ").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Đã tiếp nhận hồ sơ")
    dossier = Dossier.objects.get()
    expect(page.get_by_role("status")).to_contain_text(dossier.code)
    axe_check(page, "counter intake done")
    link = page.get_by_role("link", name="In giấy tiếp nhận và hẹn trả kết quả (mẫu 01)")
    expect(link).to_be_focused()
    pdf = page.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    # Form 01 as issued by the intake: the code, the applicant, the day of receipt.
    text = pdf_text(pdf.body())
    assert "GIẤY TIẾP NHẬN" in text.upper() and dossier.code in text
    assert "Trần Thị Mai" in text
    assert timezone.localtime(dossier.received_at).strftime("%d/%m/%Y") in text
    with page.expect_popup() as popup:
        link.click()
    assert popup.value.url.endswith("/bien-nhan.pdf")

    # The workbench: the scan is marked as digitised and previews inline, by keyboard.
    page.goto(f"{live_server.url}/mot-cua/ho-so/{dossier.ref}/")
    documents = page.locator("section[aria-labelledby='h-documents']")
    expect(documents.get_by_text("Số hóa từ bản giấy", exact=True)).to_be_visible()
    summary = documents.locator("summary").first
    summary.focus()
    page.keyboard.press("Enter")
    frame = documents.locator("iframe").first
    expect(frame).to_be_visible()
    assert frame.get_attribute("src").endswith("?xem=1")
    axe_check(page, "workbench with the preview open")
