"""The statistics page and /minh-bach/ in Chromium at 1280 and 360 px: readable, no
horizontal scroll of the page itself (wide tables scroll inside their region), and
axe finds no serious or critical violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_fits, official_sign_in
from tests.indicators.dataset import build

WIDTHS = (1280, 360)


@pytest.mark.usefixtures("fake_pdf")
def test_statistics_and_transparency_pages(live_server, page, axe_check):
    data = build()
    official_sign_in(page, live_server, data.world.leader)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/mot-cua/thong-ke/?tu=2026-03-01&den=2026-03-31")
        expect(page.get_by_role("heading", level=1)).to_contain_text(data.ward.name)
        expect(page.locator("svg.chart").first).to_be_visible()
        assert_fits(page)
        axe_check(page, f"statistics at {width}px")

    page.goto(live_server.url + "/mot-cua/thong-ke/?tu=2026-03-01&den=2026-03-31")
    page.get_by_role("row", name="— trễ hạn").get_by_role("link").click()
    expect(page.get_by_role("link", name=data.D3.code)).to_be_visible()

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/minh-bach/?tu=2026-03-01&den=2026-03-31")
        expect(page.get_by_role("rowheader", name=data.ward2.name)).to_be_visible()
        assert_fits(page)
        axe_check(page, f"/minh-bach/ at {width}px")
