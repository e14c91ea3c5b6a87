"""The bottleneck radar in Chromium at 1280 and 360 px, as a leader: readable, no
horizontal scroll of the page itself (wide tables scroll inside their region), the
actions reachable, and axe finds no serious or critical violation."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_fits, official_sign_in
from tests.indicators.radar_data import build

WIDTHS = (1280, 360)


@pytest.mark.usefixtures("fake_pdf")
def test_the_radar_as_a_leader(live_server, page, axe_check):
    data = build()
    official_sign_in(page, live_server, data.world.leader)
    shots = os.environ.get("MOTCUA_SCREENSHOTS")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/mot-cua/diem-nghen/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(data.ward.name)
        expect(page.locator("svg.chart").first).to_be_visible()
        item = page.locator(".radar-item").first
        expect(item).to_contain_text(data.C.code)
        item.get_by_text("Xử lý", exact=True).click()
        expect(item.get_by_label("Chuyển cho chuyên viên")).to_be_visible()
        assert_fits(page)
        axe_check(page, f"radar at {width}px")
        if shots:
            page.screenshot(path=f"{shots}/radar-{width}.png", full_page=True)

    # Acting goes through the service: the overdue dossier needs its apology first.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/mot-cua/diem-nghen/")
    item = page.locator(".radar-item").first
    item.get_by_text("Xử lý", exact=True).click()
    item.get_by_label("Chuyển cho chuyên viên").select_option(label="Hoa")
    item.get_by_role("button", name="Phân công lại").click()
    expect(page.locator(".messages")).to_contain_text("xin lỗi")
