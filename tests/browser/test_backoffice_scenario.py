"""The back office end to end, in Chromium: an online dossier goes from the receptionist (form 01)
to the specialist, the leader and back to the desk, which returns the signed result that
the citizen then finds in the portal; a second dossier takes the supplement path (form
02) and comes back to processing once the citizen answers. axe checks the queue and the
workbench. The walk-in at the counter is tests/browser/test_counter.py."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dossiers.constants import Status
from dossiers.demo import demo_pdf
from dossiers.models import Dossier
from tests.browser.helpers import official_sign_in
from tests.dossiers.factories import World
from tests.dossiers.test_documents import pdf_text
from tests.identity.factories import PASSWORD


def _day(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y")


@pytest.fixture
def new_page(page):
    """Pages in separate browser contexts (own cookies), one per person, closed at
    teardown even when the test fails, so no request is left running against the
    test database."""
    contexts = []

    def make():
        contexts.append(page.context.browser.new_context(locale="vi-VN"))
        return contexts[-1].new_page()

    yield make
    for context in contexts:
        context.close()


def _official(new_page, live_server, user):
    """Another official, signed in with TOTP."""
    other = new_page()
    official_sign_in(other, live_server, user)
    expect(other.get_by_role("heading", level=1)).to_have_text("Bộ phận một cửa")
    return other


def _citizen(new_page, live_server, user):
    other = new_page()
    other.goto(live_server.url + "/dang-nhap/")
    other.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill(user.email)
    other.get_by_label("Mật khẩu").fill(PASSWORD)
    other.get_by_role("button", name="Đăng nhập").click()
    expect(other.get_by_text(user.full_name).first).to_be_visible()
    return other


def _open_from_queue(page, queue_label, dossier):
    page.get_by_role("link", name=re.compile("^" + queue_label)).click()
    expect(page.get_by_role("row").filter(has_text=dossier.code)).to_contain_text("Phạm Thu Hà")
    page.get_by_role("link", name=dossier.code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(dossier.code)


def _act(page, action):
    """Open an action panel of the workbench; returns it for filling and submitting."""
    panel = page.locator(f"#action-{action}")
    panel.locator("summary").click()
    return panel


def _issued_pdf_text(page, live_server, link_name) -> str:
    link = page.get_by_role("link", name=link_name)
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    return pdf_text(response.body())


def _upload(name, text):
    return {"name": name, "mimeType": "application/pdf", "buffer": demo_pdf(text)}


def test_received_processed_approved_returned_and_seen_by_the_citizen(
    live_server, page, new_page, axe_check
):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)

    # The receptionist finds the online dossier in "to receive" and receives it.
    official_sign_in(page, live_server, world.receptionist)
    _open_from_queue(page, "Chờ tiếp nhận", dossier)
    axe_check(page, "workbench of a submitted dossier")
    _act(page, "receive").locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Đã tiếp nhận")

    # Form 01: the code, the applicant and the appointment computed by the calendar.
    dossier.refresh_from_db()
    text = _issued_pdf_text(page, live_server, "Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert dossier.code in text and "Phạm Thu Hà" in text
    assert _day(dossier.due_at) in text
    expect(page.locator("#h-summary + .bo-facts")).to_contain_text(_day(dossier.due_at))

    panel = _act(page, "assign")
    panel.get_by_label("Chuyên viên").select_option(str(world.specialist.pk))
    panel.get_by_label("Ghi chú").fill("Xử lý trong tuần.")
    panel.locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Đang xử lý")

    # The specialist finds it among "assigned to me" and proposes the result.
    specialist = _official(new_page, live_server, world.specialist)
    _open_from_queue(specialist, "Được giao cho tôi", dossier)
    panel = _act(specialist, "propose")
    panel.get_by_label("Ghi chú").fill("Đủ điều kiện, đề nghị cấp.")
    panel.locator("button[type=submit]").click()
    expect(specialist.locator(".bo-status")).to_have_text("Chờ phê duyệt")

    # The leader approves with the draft result file.
    leader = _official(new_page, live_server, world.leader)
    _open_from_queue(leader, "Chờ phê duyệt", dossier)
    expect(leader.get_by_text("Đủ điều kiện, đề nghị cấp.")).to_be_visible()
    panel = _act(leader, "approve")
    panel.get_by_label("Văn bản kết quả đã ký").set_input_files(
        files=[_upload("du-thao-ket-qua.pdf", "Du thao ket qua")]
    )
    panel.locator("button[type=submit]").click()
    expect(leader.locator(".bo-status")).to_have_text("Đã có kết quả")

    # Back at the desk: record the signed result, then return it online.
    page.goto(live_server.url + "/mot-cua/")
    _open_from_queue(page, "Chờ trả kết quả", dossier)
    panel = _act(page, "record_result")
    panel.get_by_label("Văn bản kết quả đã ký (PDF hoặc ảnh)").set_input_files(
        files=[_upload("ket-qua-da-ky.pdf", "Ket qua da ky")]
    )
    panel.locator("button[type=submit]").click()
    expect(page.get_by_text("Đã thực hiện: Đã cập nhật văn bản kết quả đã ký.")).to_be_visible()
    panel = _act(page, "return_result")
    panel.get_by_label("Trực tuyến").check()
    panel.locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Đã trả kết quả")
    axe_check(page, "workbench of a returned dossier")

    # The citizen sees "returned" and downloads the signed result, not the draft.
    citizen = _citizen(new_page, live_server, world.applicant)
    citizen.goto(f"{live_server.url}/ho-so/{dossier.ref}/")
    expect(citizen.locator(".facts .badge")).to_have_text("Đã trả kết quả")
    expect(citizen.get_by_text("Đã trả kết quả: Trực tuyến")).to_be_visible()
    results = citizen.get_by_role("link", name=re.compile("^Tải kết quả"))
    expect(results).to_have_count(1)
    with citizen.expect_download() as info:
        results.click()
    assert info.value.suggested_filename == "ket-qua-da-ky.pdf"
    assert "Ket qua da ky" in pdf_text(Path(info.value.path()).read_bytes())
    axe_check(citizen, "portal page of the returned dossier")
    # The result also lands in the citizen's document store.
    citizen.get_by_role("link", name="Kho giấy tờ của tôi").click()
    expect(citizen.get_by_text("ket-qua-da-ky.pdf")).to_be_visible()
    expect(citizen.get_by_text("du-thao-ket-qua.pdf")).to_have_count(0)  # replaced draft


def test_supplement_requested_answered_and_back_in_processing(
    live_server, page, new_page, axe_check
):
    world = World()
    dossier = world.dossier_in(Status.PROCESSING)

    official_sign_in(page, live_server, world.specialist)
    axe_check(page, "specialist's queue")
    _open_from_queue(page, "Được giao cho tôi", dossier)
    axe_check(page, "workbench of a dossier in progress")
    panel = _act(page, "request_supplement")
    panel.get_by_label("Nội dung cần bổ sung và lý do").fill(
        "Thiếu bản sao giấy khai sinh có chứng thực."
    )
    panel.locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Yêu cầu bổ sung")

    # Form 02 names the dossier, the applicant and what is missing.
    text = _issued_pdf_text(page, live_server, "Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert dossier.code in text and "Phạm Thu Hà" in text
    assert "Thiếu bản sao giấy khai sinh có chứng thực." in text

    # The citizen reads the request in the portal and answers it with a document.
    citizen = _citizen(new_page, live_server, world.applicant)
    citizen.goto(f"{live_server.url}/ho-so/{dossier.ref}/")
    expect(citizen.get_by_text("Thiếu bản sao giấy khai sinh có chứng thực.")).to_be_visible()
    expect(citizen.get_by_role("link", name=re.compile("Phiếu yêu cầu bổ sung"))).to_be_visible()
    axe_check(citizen, "portal page with a supplement request")
    citizen.get_by_label("Giấy tờ được yêu cầu").set_input_files(
        files=[_upload("khai-sinh.pdf", "Khai sinh")]
    )
    citizen.get_by_label("Ghi chú gửi cơ quan").fill("Đã bổ sung bản sao khai sinh.")
    citizen.get_by_role("button", name="Gửi bổ sung").click()
    expect(citizen.get_by_role("button", name="Gửi bổ sung")).to_have_count(0)
    expect(citizen.locator(".facts .badge")).to_have_text("Đang xử lý")

    # Back on the workbench: in progress again, the new document and the note are there.
    page.reload()
    expect(page.locator(".bo-status")).to_have_text("Đang xử lý")
    expect(page.locator("section[aria-labelledby='h-documents']")).to_contain_text("khai-sinh.pdf")
    expect(page.locator(".bo-table--log")).to_contain_text("Đã bổ sung bản sao khai sinh.")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.PROCESSING
