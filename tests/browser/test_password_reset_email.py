"""Password reset by email, in Chromium: ask, open the emailed link, choose, sign in."""

import re

from playwright.sync_api import expect

from identity.models import AccountEvent
from tests.identity.factories import UserFactory

NEW_PASSWORD = "Hoi-An-den-long-2027"


def test_citizen_resets_the_password_through_the_emailed_link(
    live_server, page, mailoutbox, axe_check, celery_eager
):
    user = UserFactory(citizen=True, email="hoa@example.vn")

    page.goto(live_server.url + "/dang-nhap/")
    page.get_by_role("link", name="Quên mật khẩu?").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quên mật khẩu?")
    axe_check(page, "forgot password")
    page.locator('input[name="identifier"]').fill("hoa@example.vn")
    page.get_by_role("button", name="Tiếp tục").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra email của bạn")
    axe_check(page, "reset link sent")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["hoa@example.vn"]
    link = re.search(r"https?://\S+/dat-lai-mat-khau/\S+/", mailoutbox[0].body).group(0)
    # The link names the live server's host as the browser reached it.
    page.goto(link)

    expect(page.get_by_role("heading", level=1)).to_have_text("Đặt mật khẩu mới")
    axe_check(page, "choose a new password")
    page.locator('input[name="new_password1"]').fill(NEW_PASSWORD)
    page.locator('input[name="new_password2"]').fill(NEW_PASSWORD)
    page.get_by_role("button", name="Đổi mật khẩu").click()

    # Back at sign-in, with a confirmation; the new password works.
    expect(page).to_have_url(re.compile(r"/dang-nhap/"))
    page.locator('input[name="username"]').fill("hoa@example.vn")
    page.locator('input[name="password"]').fill(NEW_PASSWORD)
    page.locator("main form").get_by_role("button", name="Đăng nhập").click()
    expect(page).not_to_have_url(re.compile(r"/dang-nhap/"))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AccountEvent.objects.filter(user=user, kind="password_reset").exists()

    # The link works once.
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("hết hạn")
