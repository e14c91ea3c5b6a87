"""Two one-stop rules walked in Chromium: the desk asks once for a supplement before
receipt (form 02) and receives the answered dossier; a specialist sends the apology
with a new appointment (form 04) the day before the deadline, once. axe checks the
pages, at the desktop width and on a phone."""

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import expect

from dossiers.constants import Action, Status
from dossiers.models import Dossier
from procedures.calendar import WorkingCalendar
from tests.browser.helpers import (
    act,
    assert_fits,
    citizen_page,
    issued_pdf_text,
    official_sign_in,
    open_from_queue,
    upload_pdf,
)
from tests.dossiers.factories import World


def test_the_desk_asks_once_for_a_supplement_and_receives_the_answer(
    live_server,
    page,
    new_page,
    axe_check,
):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)

    official_sign_in(page, live_server, world.receptionist)
    open_from_queue(page, "Chờ tiếp nhận", dossier)
    panel = act(page, "request_supplement")
    expect(panel).to_contain_text("bộ phận một cửa chỉ yêu cầu một lần")
    expect(panel).to_contain_text("Nghị định 61/2018/NĐ-CP Điều 17 khoản 1 điểm a")
    axe_check(page, "workbench with the desk's supplement panel open")
    panel.get_by_label("Toàn bộ nội dung cần bổ sung và lý do").fill(
        "Tờ khai chưa có chữ ký; thiếu bản sao căn cước."
    )
    panel.locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Chờ bổ sung (khi tiếp nhận)")
    text = issued_pdf_text(page, live_server, "Mẫu 02: Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    assert "chưa bắt đầu tính" in text and "thiếu bản sao căn cước" in text

    citizen = citizen_page(new_page, live_server, world.applicant)
    citizen.set_viewport_size({"width": 360, "height": 780})
    citizen.goto(f"{live_server.url}/ho-so/{dossier.ref}/")
    expect(
        citizen.get_by_text("Tờ khai chưa có chữ ký; thiếu bản sao căn cước.", exact=True)
    ).to_be_visible()
    assert_fits(citizen)
    axe_check(citizen, "portal page of a desk supplement request, 360 px")
    citizen.get_by_label("Giấy tờ được yêu cầu").set_input_files(
        files=[upload_pdf("to-khai-da-ky.pdf", "To khai da ky")]
    )
    citizen.get_by_role("button", name="Gửi bổ sung").click()
    expect(citizen.locator(".facts .badge")).to_have_text("Mới đăng ký")

    # Back at the desk, not in processing: the desk receives it and asks no more.
    page.reload()
    expect(page.locator(".bo-status")).to_have_text("Mới đăng ký")
    expect(page.locator("#action-request_supplement")).to_have_count(0)
    act(page, "receive").locator("button[type=submit]").click()
    expect(page.locator(".bo-status")).to_have_text("Đã tiếp nhận")
    assert Dossier.objects.get(pk=dossier.pk).due_at is not None


def test_the_apology_before_the_deadline_moves_the_appointment_once(live_server, page, axe_check):
    world = World()
    dossier = world.dossier_in(Status.PROCESSING)
    calendar = WorkingCalendar.load()
    today = timezone.localdate()
    due = calendar.add_working_days(today, 1)
    Dossier.objects.filter(pk=dossier.pk).update(
        due_at=timezone.make_aware(dt.datetime.combine(due, dt.time(17, 0)))
    )
    new_date = calendar.add_working_days(today, 4)

    official_sign_in(page, live_server, world.specialist)
    open_from_queue(page, "Được giao cho tôi", dossier)
    # Due soon: the apology is offered beside the other actions, not instead of them.
    expect(page.locator("#action-propose")).to_have_count(1)
    panel = act(page, "apologise")
    expect(panel).to_contain_text(f"Ngày hẹn hiện tại: 17:00 {due:%d/%m/%Y}")
    expect(panel).to_contain_text("chỉ được hẹn lại một lần")
    axe_check(page, "workbench with the apology panel open")
    panel.get_by_label("Lý do chậm trễ").fill("Chờ kết quả xác minh của công an phường.")
    panel.get_by_label("Ngày hẹn trả mới").fill(new_date.isoformat())
    panel.locator("button[type=submit]").click()
    expect(page.get_by_text("Đã thực hiện: Xin lỗi và hẹn lại")).to_be_visible()

    dossier.refresh_from_db()
    assert timezone.localtime(dossier.due_at).date() == new_date
    row = dossier.log.get(action=Action.APOLOGISE)
    assert row.data["timeliness"] == "on_time" and row.data["overdue"] is False
    text = issued_pdf_text(
        page,
        live_server,
        re.compile("Mẫu 04: Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"),
    )
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert f"{new_date:%d/%m/%Y}" in text and "không thể trả kết quả" in text
    # Once: the apology is no longer offered.
    expect(page.locator("#action-apologise")).to_have_count(0)
