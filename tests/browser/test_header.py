"""The site header on a phone and on a wide screen: on a phone the menu folds under one
button (a <details>, no JavaScript) and the header stays short; wide, the menu is open.
The back office has its own: the officials' menu by role and one sign-out."""

from playwright.sync_api import expect

from tests.browser.helpers import assert_fits, official_page
from tests.dossiers.factories import World


def _header_height(page) -> float:
    return page.locator(".site-header").evaluate("el => el.getBoundingClientRect().height")


def test_a_phone_gets_a_short_header_and_a_menu_button(live_server, page, axe_check):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server.url + "/thu-tuc/")
    menu_link = page.locator(".site-nav").get_by_role("link", name="Tra cứu hồ sơ", exact=True)

    expect(menu_link).to_be_hidden()
    assert _header_height(page) <= 200
    assert_fits(page)
    axe_check(page, "header at 360 px, menu closed")

    page.get_by_text("Menu", exact=True).click()
    expect(menu_link).to_be_visible()
    expect(page.locator(".site-nav").get_by_role("link", name="Đăng nhập")).to_be_visible()
    assert_fits(page)
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


def test_the_back_office_header_folds_its_own_menu_on_a_phone(live_server, new_page, axe_check):
    world = World()
    leader = official_page(new_page, live_server, world.leader)
    nav = leader.get_by_role("navigation", name="Menu bộ phận một cửa")

    leader.set_viewport_size({"width": 360, "height": 740})
    leader.goto(live_server.url + "/mot-cua/")
    statistics = nav.get_by_role("link", name="Thống kê", exact=True)
    expect(statistics).to_be_hidden()
    assert _header_height(leader) <= 200
    assert_fits(leader)

    nav.get_by_text("Menu", exact=True).click()
    expect(statistics).to_be_visible()
    expect(nav.get_by_role("link", name="Radar điểm nghẽn")).to_be_visible()
    expect(nav.get_by_role("link", name="Tiếp nhận tại quầy")).to_have_count(0)
    expect(leader.get_by_role("button", name="Đăng xuất")).to_have_count(1)
    for citizen_only in ("Hồ sơ của tôi", "Kho giấy tờ"):
        expect(leader.get_by_role("link", name=citizen_only)).to_have_count(0)
    assert_fits(leader)
    axe_check(leader, "back-office header at 360 px, menu open")
    statistics.click()
    expect(leader.get_by_role("heading", level=1)).to_contain_text("Thống kê")

    leader.set_viewport_size({"width": 1280, "height": 800})
    expect(nav.get_by_role("link", name="Hàng đợi hồ sơ")).to_be_visible()
    expect(nav.get_by_text("Menu", exact=True)).to_be_hidden()
    leader.get_by_role("button", name="Đăng xuất").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Đăng nhập cán bộ")
    expect(leader.get_by_label("Tên đăng nhập")).to_be_visible()
    axe_check(leader, "officials' sign-in")
