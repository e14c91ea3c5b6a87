"""Sign-up, sign-in and the officials' sign-in with TOTP, in Chromium, checked by axe."""

import base64
import re

from django.contrib.auth import get_user_model
from django_otp.oath import totp
from playwright.sync_api import expect

from identity.constants import OfficialRole
from identity.sms import FileSmsBackend
from tests.browser.helpers import assert_fits
from tests.identity.factories import PASSWORD, UserFactory, make_official


def test_citizen_signs_up_on_a_phone(
    live_server, browser, axe_check, celery_eager, settings, tmp_path
):
    settings.SMS_BACKEND = "identity.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/dang-ky/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký tài khoản")
        axe_check(page, "sign-up")

        page.get_by_label("Số định danh cá nhân (CCCD)").fill("079091000777")
        page.get_by_label("Họ và tên").fill("Nguyễn Thị Hoa")
        page.get_by_label("Ngày sinh").fill("1990-03-04")
        page.get_by_label("Nữ").check()
        page.get_by_label("Số điện thoại di động").fill("0987000111")
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Tạo tài khoản").click()

        # Wrong sex digit and wrong year digits: two separate messages, the rest kept.
        expect(page.get_by_text("không khớp với giới tính")).to_be_visible()
        expect(page.get_by_text("hai số cuối của năm sinh")).to_be_visible()
        expect(page.get_by_label("Họ và tên")).to_have_value("Nguyễn Thị Hoa")
        axe_check(page, "sign-up with errors")
        assert_fits(page)

        page.get_by_label("Số định danh cá nhân (CCCD)").fill("079190000777")
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Tạo tài khoản").click()

        # No account until the code sent by SMS is typed.
        expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra điện thoại và email")
        axe_check(page, "sign-up confirmation")
        assert not get_user_model().objects.filter(id_number="079190000777").exists()
        [sms] = FileSmsBackend(settings.SMS_FILE_PATH).messages()
        page.get_by_label("Mã trong tin nhắn SMS").fill(re.search(r"\b\d{6}\b", sms["message"])[0])
        page.get_by_role("button", name="Xác nhận và tạo tài khoản").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Tài khoản của tôi")
        assert get_user_model().objects.get(id_number="079190000777").phone_verified_at
    finally:
        context.close()


def test_citizen_signs_in_with_the_id_number_and_sees_the_profile(live_server, page, axe_check):
    UserFactory(citizen=True, full_name="Nguyễn Thị Hoa")
    page.goto(live_server.url + "/dang-nhap/")
    axe_check(page, "sign-in")

    page.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill("079190000777")
    page.get_by_label("Mật khẩu").fill("wrong password")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("không đúng")
    axe_check(page, "sign-in with an error")

    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server.url + "/tai-khoan/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Tài khoản của tôi")
    expect(page.get_by_text("*********777")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(2)  # one failure, one success
    assert "079190000777" not in page.content()
    axe_check(page, "profile")


def test_official_enrols_totp_and_reaches_the_back_office(live_server, page, axe_check):
    official = make_official(OfficialRole.RECEPTIONIST, device=False, full_name="Nguyễn Thị Lan")
    page.goto(live_server.url + "/mot-cua/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập cán bộ")
    axe_check(page, "official sign-in")
    page.get_by_label("Tên đăng nhập").fill(official.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cài đặt ứng dụng xác thực")
    expect(page.locator(".qr svg")).to_be_visible()
    axe_check(page, "TOTP enrolment")
    secret = re.sub(r"\s", "", page.locator("#otp-secret").inner_text())
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Xác nhận và tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bộ phận một cửa")
    expect(page.get_by_text("Xin chào, Nguyễn Thị Lan.")).to_be_visible()
    axe_check(page, "back office home")

    # Next time: the code only.
    page.get_by_role("button", name="Đăng xuất").click()
    page.goto(live_server.url + "/mot-cua/")
    page.get_by_label("Tên đăng nhập").fill(official.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận danh tính")
    axe_check(page, "TOTP code")
