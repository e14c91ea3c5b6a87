"""The catalogue admin in Chromium, as a non-technical administrator uses it: find a
procedure without accents, open it, make a new draft with the button; axe-core at
1280 and 360 px."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from procedures.constants import VersionStatus
from tests.identity.factories import PASSWORD, UserFactory
from tests.procedures.factories import published_procedure


@pytest.fixture
def administrator():
    user = UserFactory(username="quantri.danhmuc", is_staff=True, is_superuser=True)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def _sign_in(page, live_server, user):
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_text("Quản trị MotCua").first).to_be_visible()


@pytest.mark.parametrize("width", [1280, 360])
def test_find_a_procedure_and_make_a_draft(live_server, browser, axe_check, administrator, width):
    procedure = published_procedure(
        code="1.004873", name="Cấp Giấy xác nhận tình trạng hôn nhân", levels=["ward"]
    )
    published_procedure(code="1.000894", name="Đăng ký kết hôn")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        _sign_in(page, live_server, administrator)
        page.goto(live_server.url + "/admin/procedures/procedure/")
        page.locator("#searchbar").fill("tinh trang hon nhan")
        page.locator("#changelist-search [type=submit]").click()
        results = page.locator("#result_list")
        expect(results).to_contain_text("Cấp Giấy xác nhận tình trạng hôn nhân")
        expect(results).not_to_contain_text("Đăng ký kết hôn")
        axe_check(page, f"admin procedure search ({width} px)")

        page.get_by_role("link", name="1.004873").click()
        expect(page.get_by_role("checkbox", name="Cấp xã")).to_be_checked()
        expect(page.locator("textarea[name=name]")).to_have_value(procedure.name)
        expect(page.get_by_text("Tạo mới").first).to_be_visible()
        axe_check(page, f"admin procedure page ({width} px)")

        page.get_by_role("button", name="Tạo bản nháp mới").click()
        expect(page.locator(".messagelist")).to_contain_text("Đã tạo bản nháp phiên bản")
        draft = procedure.versions.get(status=VersionStatus.DRAFT)
        expect(page.locator(".messagelist")).to_contain_text(f"phiên bản {draft.number}:")
        axe_check(page, f"admin new draft ({width} px)")
    finally:
        context.close()
