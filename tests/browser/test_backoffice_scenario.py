"""The back office end to end, in Chromium: an online dossier goes from the receptionist (form 01)
to the specialist, the leader and back to the desk, which returns the signed result that
the citizen then finds in the portal; a second dossier takes the supplement path (form
02) and comes back to processing once the citizen answers. axe checks the queue and the
workbench. The walk-in at the counter is tests/browser/test_counter.py."""

import re
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from dossiers.constants import Status
from dossiers.models import Dossier
from tests.browser.helpers import (
    act,
    citizen_page,
    issued_pdf_text,
    official_page,
    official_sign_in,
    open_from_queue,
    upload_pdf,
)
from tests.dossiers.factories import World
from tests.dossiers.test_documents import pdf_text


def _day(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y")


def test_received_processed_approved_returned_and_seen_by_the_citizen(
    live_server, page, new_page, axe_check
):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)

    # The receptionist finds the online dossier in "to receive" and receives it.
    official_sign_in(page, live_server, world.receptionist)
    open_from_queue(page, "Chờ tiếp nhận", dossier)
    axe_check(page, "workbench of a submitted dossier")
    act(page, "receive").locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Đã tiếp nhận")

    # Form 01: the code, the applicant and the appointment computed by the calendar.
    dossier.refresh_from_db()
    text = issued_pdf_text(page, live_server, "Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert dossier.code in text and "Phạm Thu Hà" in text
    assert _day(dossier.due_at) in text
    expect(page.locator("#h-summary + .bo-facts")).to_contain_text(_day(dossier.due_at))

    panel = act(page, "assign")
    panel.get_by_label("Chuyên viên").select_option(str(world.specialist.pk))
    panel.get_by_label("Ghi chú").fill("Xử lý trong tuần.")
    panel.locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Đang xử lý")

    # The specialist finds it among "assigned to me" and proposes the result.
    specialist = official_page(new_page, live_server, world.specialist)
    open_from_queue(specialist, "Được giao cho tôi", dossier)
    panel = act(specialist, "propose")
    panel.get_by_label("Ghi chú").fill("Đủ điều kiện, đề nghị cấp.")
    panel.locator("button[type=submit]").click()
    expect(specialist.locator(".bo-status")).to_have_text("Chờ phê duyệt")

    # The leader approves with the draft result file.
    leader = official_page(new_page, live_server, world.leader)
    open_from_queue(leader, "Chờ phê duyệt", dossier)
    expect(leader.get_by_text("Đủ điều kiện, đề nghị cấp.")).to_be_visible()
    panel = act(leader, "approve")
    panel.get_by_label("Văn bản kết quả đã ký").set_input_files(
        files=[upload_pdf("du-thao-ket-qua.pdf", "Du thao ket qua")]
    )
    panel.locator("button[type=submit]").click()
    expect(leader.locator(".bo-status")).to_have_text("Đã có kết quả")

    # Back at the desk: record the signed result, then return it online.
    page.goto(live_server.url + "/mot-cua/")
    open_from_queue(page, "Chờ trả kết quả", dossier)
    panel = act(page, "record_result")
    panel.get_by_label("Văn bản kết quả đã ký (PDF hoặc ảnh)").set_input_files(
        files=[upload_pdf("ket-qua-da-ky.pdf", "Ket qua da ky")]
    )
    panel.locator("button[type=submit]").click()
    expect(page.get_by_text("Đã thực hiện: Đã cập nhật văn bản kết quả đã ký.")).to_be_visible()
    panel = act(page, "return_result")
    panel.get_by_label("Trực tuyến").check()
    panel.locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Đã trả kết quả")
    axe_check(page, "workbench of a returned dossier")

    # The citizen sees "returned" and downloads the signed result, not the draft.
    citizen = citizen_page(new_page, live_server, world.applicant)
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
    open_from_queue(page, "Được giao cho tôi", dossier)
    axe_check(page, "workbench of a dossier in progress")
    panel = act(page, "request_supplement")
    panel.get_by_label("Nội dung cần bổ sung và lý do").fill(
        "Thiếu bản sao giấy khai sinh có chứng thực."
    )
    panel.locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Yêu cầu bổ sung")

    # Form 02 names the dossier, the applicant and what is missing.
    text = issued_pdf_text(page, live_server, "Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert dossier.code in text and "Phạm Thu Hà" in text
    assert "Thiếu bản sao giấy khai sinh có chứng thực." in text

    # The citizen reads the request in the portal and answers it with a document.
    citizen = citizen_page(new_page, live_server, world.applicant)
    citizen.goto(f"{live_server.url}/ho-so/{dossier.ref}/")
    expect(
        citizen.get_by_text("Thiếu bản sao giấy khai sinh có chứng thực.", exact=True)
    ).to_be_visible()
    expect(citizen.get_by_role("link", name=re.compile("Phiếu yêu cầu bổ sung"))).to_be_visible()
    axe_check(citizen, "portal page with a supplement request")
    citizen.get_by_label("Giấy tờ được yêu cầu").set_input_files(
        files=[upload_pdf("khai-sinh.pdf", "Khai sinh")]
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
