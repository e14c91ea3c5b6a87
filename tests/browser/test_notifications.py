"""The bell and the notification centre in Chromium, checked by axe."""

import re

from playwright.sync_api import expect

from notifications import services
from tests.identity.factories import PASSWORD, UserFactory


def test_bell_counts_unread_and_the_centre_marks_them_read(live_server, page, axe_check):
    user = UserFactory(citizen=True, full_name="Nguyễn Thị Hoa")
    for i in range(3):
        services.notification_create(
            key=f"browser:{i}",
            user=user,
            kind="received",
            title=f"Hồ sơ 000.00.31.H29-270201-000{i}: đã được tiếp nhận",
            body="Hồ sơ đã được tiếp nhận; thời hạn giải quyết bắt đầu được tính.",
            link="/ho-so/",
            dossier=None,
        )
    page.goto(live_server.url + "/dang-nhap/")
    page.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill("079190000777")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    bell = page.locator("#notification-bell")
    expect(bell).to_contain_text("3")  # loaded by htmx after the page
    expect(bell).to_contain_text("chưa đọc")  # the count is words, not a red dot
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo")
    expect(page.get_by_text("3 thông báo chưa đọc.")).to_be_visible()
    axe_check(page, "notification centre")

    page.get_by_role("button", name="Đánh dấu đã đọc").first.click()
    expect(page.get_by_text("2 thông báo chưa đọc.")).to_be_visible()
    page.get_by_role("button", name="Đánh dấu tất cả là đã đọc").click()
    expect(page.get_by_text("0 thông báo chưa đọc.")).to_be_visible()
    expect(page.locator("#notification-bell")).not_to_contain_text(re.compile(r"\d"))

    page.goto(live_server.url + "/tai-khoan/")
    page.get_by_label("Tin nhắn SMS").check()
    page.get_by_label("Tiếng Anh").check()
    page.get_by_role("button", name="Lưu cài đặt thông báo").click()
    expect(page.get_by_text("Đã lưu cài đặt thông báo của bạn.")).to_be_visible()
    axe_check(page, "notification settings")
    user.refresh_from_db()
    assert user.notification_preference.citizen_channel == "sms"
