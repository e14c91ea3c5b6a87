"""The catalogue in Chromium: list, search (as a citizen types), detail; axe-core."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_fits
from tests.procedures.factories import published_procedure


@pytest.fixture
def catalogue():
    birth = published_procedure(
        code="1.001193", name="Thủ tục đăng ký khai sinh", online_level="full", documents=2
    )
    agency = birth.executing_agencies.get()
    agency.address = "45-47 Lê Duẩn, phường Sài Gòn"
    agency.save()
    birth.legal_bases.create(number="60/2014/QH13", title="Luật Hộ tịch")
    published_procedure(code="1.000894", name="Thủ tục đăng ký kết hôn")
    published_procedure(code="1.013225", name="Cấp giấy phép xây dựng mới", online_level="none")
    return birth


def test_list_search_and_detail(live_server, page, axe_check, catalogue):
    page.goto(live_server.url + "/thu-tuc/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục hành chính")
    expect(page.get_by_role("heading", level=2)).to_contain_text("3 thủ tục")
    axe_check(page, "catalogue list")

    page.get_by_label("Tìm thủ tục hành chính").fill("dang ky khai snh")  # no accents, a typo
    page.get_by_role("button", name="Tìm kiếm").click()

    # htmx swaps the results in place and pushes the address (spaces as %20).
    expect(page).to_have_url(re.compile(r"/thu-tuc/\?q=dang(\+|%20)ky(\+|%20)khai(\+|%20)snh"))
    first = page.locator(".procedure-item").first
    expect(first).to_contain_text("Thủ tục đăng ký khai sinh")
    expect(first).to_contain_text("Trực tuyến toàn trình")
    axe_check(page, "catalogue search results")

    page.get_by_label("Dịch vụ trực tuyến").select_option("none")
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_text("Không có thủ tục nào phù hợp.")).to_be_visible()
    axe_check(page, "catalogue empty result")

    page.goto(live_server.url + "/thu-tuc/?q=khai+sinh")
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh").click()

    expect(page).to_have_url(live_server.url + "/thu-tuc/1.001193/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục đăng ký khai sinh")
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    expect(page.get_by_text("60/2014/QH13")).to_be_visible()
    expect(page.get_by_role("link", name="Đăng nhập để nộp trực tuyến")).to_be_visible()
    axe_check(page, "procedure detail")


def test_catalogue_on_a_phone(live_server, browser, axe_check, catalogue):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    try:
        for path in ("/thu-tuc/?q=ket+hon", "/thu-tuc/1.001193/"):
            page.goto(live_server.url + path)
            assert_fits(page, path)
            axe_check(page, f"{path} (375x812)")
    finally:
        context.close()
