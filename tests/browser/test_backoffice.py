"""The back-office queue and workbench in Chromium, checked by axe: a receptionist signs
in with the TOTP code, finds the online dossier in "to receive", opens it and receives
it; the specialist's queue then holds it after assignment."""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from dossiers.constants import Status
from tests.browser.helpers import official_sign_in
from tests.dossiers.factories import World


def test_receptionist_receives_and_assigns_from_the_queue(live_server, page, axe_check):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)

    official_sign_in(page, live_server, world.receptionist)

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
    # A second search replaces the first: one clean query string, not a growing one.
    page.get_by_label("Mã hồ sơ, tên người nộp hoặc số định danh").fill("vẫn không có ai")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page).to_have_url(re.compile(r"v%E1%BA%ABn|vẫn"))
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == ["vẫn không có ai"] and query["hang-doi"] == ["receive"]
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
