"""The site header on a phone and on a wide screen: on a phone the menu folds under one
button (a <details>, no JavaScript) and the header stays short; wide, the menu is open."""

from playwright.sync_api import expect


def _header_height(page) -> float:
    return page.locator(".site-header").evaluate("el => el.getBoundingClientRect().height")


def test_a_phone_gets_a_short_header_and_a_menu_button(live_server, page, axe_check):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/thu-tuc/")
    menu_link = page.locator(".site-nav").get_by_role("link", name="Tra cứu hồ sơ", exact=True)

    expect(menu_link).to_be_hidden()
    assert _header_height(page) <= 200
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    axe_check(page, "header at 360 px, menu closed")

    page.get_by_text("Menu", exact=True).click()
    expect(menu_link).to_be_visible()
    expect(page.locator(".site-nav").get_by_role("link", name="Đăng nhập")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    axe_check(page, "header at 360 px, menu open")
    menu_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu hồ sơ")


def test_a_wide_screen_shows_the_menu_without_a_button(live_server, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/thu-tuc/")
    expect(
        page.locator(".site-nav").get_by_role("link", name="Tra cứu hồ sơ", exact=True)
    ).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
