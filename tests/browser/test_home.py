"""The home page and the first portal pages in Chromium: language switch, assets, axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_fits


def test_home_in_vietnamese_then_english(live_server, page, axe_check):
    page.goto(live_server.url + "/")

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dịch vụ công trực tuyến")
    # Our CSS and the vendored htmx really load from /static/.
    header_bg = page.locator(".site-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert header_bg == "rgb(140, 21, 21)"
    page.wait_for_function("() => typeof window.htmx !== 'undefined'")
    axe_check(page, "home (vi)")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Online public services")
    expect(page.get_by_role("button", name="Tiếng Việt")).to_have_attribute("aria-pressed", "false")
    axe_check(page, "home (en)")

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dịch vụ công trực tuyến")


def test_skip_link_moves_focus_to_main(live_server, page):
    page.goto(live_server.url + "/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Chuyển đến nội dung chính")
    expect(skip).to_be_focused()
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def test_home_search_goes_to_the_catalogue(live_server, page):
    page.goto(live_server.url + "/")

    page.get_by_label("Tìm thủ tục hành chính").fill("khai sinh")
    page.get_by_role("button", name="Tìm kiếm").click()

    expect(page).to_have_url(live_server.url + "/thu-tuc/?q=khai+sinh")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thủ tục hành chính")


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/dang-nhap/", "Đăng nhập"),
        ("/thu-tuc/?q=khai+sinh", "Thủ tục hành chính"),
        ("/tra-cuu/?ma=000.00.11.H29-261127-0042", "Tra cứu hồ sơ"),
    ],
)
def test_pages_pass_axe(live_server, page, axe_check, path, heading):
    page.goto(live_server.url + path)

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe_check(page, path)


def test_home_on_a_phone(live_server, browser, axe_check):
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")

        expect(page.get_by_role("heading", level=1)).to_have_text("Dịch vụ công trực tuyến")
        # Nothing sticks out sideways on a small screen.
        assert_fits(page)
        # Touch targets: every visible button and nav link is at least 44px tall.
        heights = page.locator("button:visible, .site-nav a:visible, .button:visible").evaluate_all(
            "els => els.map(el => [el.textContent.trim(), el.getBoundingClientRect().height])"
        )
        small = [(text, h) for text, h in heights if h < 44]
        assert not small, small
        axe_check(page, "home (375x812)")
    finally:
        context.close()
