"""The back-office queue and workbench in Chromium, checked by axe: a receptionist signs
in with the TOTP code, finds the online dossier in "to receive", opens it and receives
it; the specialist's queue then holds it after assignment."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dossiers.constants import Status
from tests.dossiers.factories import World
from tests.identity.factories import PASSWORD


def _sign_in(page, live_server, user):
    page.goto(live_server.url + "/mot-cua/")
    page.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Xác nhận").click()


def test_receptionist_receives_and_assigns_from_the_queue(live_server, page, axe_check):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)

    _sign_in(page, live_server, world.receptionist)

    expect(page.get_by_role("heading", level=1)).to_have_text("Bộ phận một cửa")
    expect(page.get_by_role("link", name="Chờ tiếp nhận 1")).to_have_attribute(
        "aria-current", "page"
    )
    row = page.get_by_role("row").filter(has_text=dossier.code)
    expect(row).to_contain_text("Phạm Thu Hà")
    axe_check(page, "back-office queue")

    # The filters refresh the list through htmx and keep the URL.
    page.get_by_label("Mã hồ sơ, tên người nộp hoặc số định danh").fill("không có ai")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page.get_by_text("Không có hồ sơ nào trong danh sách này.")).to_be_visible()
    assert "q=" in page.url
    page.get_by_role("link", name="Xóa bộ lọc").click()

    page.get_by_role("link", name=dossier.code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(dossier.code)
    expect(page.get_by_role("heading", name="Nhật ký hồ sơ")).to_be_visible()
    axe_check(page, "dossier workbench")

    page.locator("#action-receive summary").click()
    page.locator("#action-receive").get_by_role("button").click()
    expect(page.get_by_text("Đã thực hiện")).to_be_visible()
    expect(page.locator(".bo-status")).to_have_text("Đã tiếp nhận")

    page.locator("#action-assign summary").click()
    page.get_by_label("Chuyên viên").select_option(str(world.specialist.pk))
    page.locator("#action-assign").get_by_role("button").click()
    expect(page.locator(".bo-status")).to_have_text("Đang xử lý")
    axe_check(page, "dossier workbench after an action")
