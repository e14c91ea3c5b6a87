"""The workbench's action panels in Chromium: opening one fetches its form, focus stays
on the panel's summary and axe finds nothing; without script the panel's link opens the
page with that panel and its form."""

from playwright.sync_api import expect

from dossiers.constants import Status
from tests.browser.helpers import act, assert_fits, official_sign_in
from tests.dossiers.factories import World


def test_a_panel_fetches_its_form_when_opened_and_works_without_script(
    live_server, page, browser, axe_check
):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    official_sign_in(page, live_server, world.receptionist)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bộ phận một cửa")
    url = f"{live_server.url}/mot-cua/ho-so/{dossier.ref}/"
    page.goto(url)
    expect(page.locator("#action-refuse form")).to_have_count(0)

    panel = act(page, "refuse")
    expect(panel.locator("summary")).to_be_focused()
    expect(panel.get_by_label("Lý do")).to_be_visible()
    expect(panel.get_by_role("button", name="Từ chối tiếp nhận")).to_be_visible()
    axe_check(page, "dossier workbench, a panel open")
    page.set_viewport_size({"width": 360, "height": 780})
    assert_fits(page, "dossier workbench at 360 px, a panel open")
    axe_check(page, "dossier workbench at 360 px, a panel open")
    # Closed and opened again: the form is fetched once and kept.
    panel.locator("summary").click()
    panel.locator("summary").click()
    expect(panel.locator("form")).to_have_count(1)

    context = browser.new_context(java_script_enabled=False, locale="vi-VN")
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto(url)
    refuse = plain.locator("#action-refuse")
    refuse.locator("summary").click()
    refuse.get_by_role("link", name="Mở biểu mẫu").click()
    refuse = plain.locator("#action-refuse")
    expect(refuse).to_have_attribute("open", "")
    refuse.get_by_label("Lý do").fill("Hồ sơ không thuộc thẩm quyền")
    refuse.get_by_role("button", name="Từ chối tiếp nhận").click()
    expect(plain.locator(".bo-status")).to_have_text("Từ chối tiếp nhận")
    context.close()
