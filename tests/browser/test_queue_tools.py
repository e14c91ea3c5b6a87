"""The queue's filters, keyboard shortcuts and bulk receive in Chromium: the list is
refreshed by htmx without a page load, the URL keeps the filter, "/" j k Enter work,
and axe finds no serious violation with the help and the bulk toolbar shown."""

from playwright.sync_api import expect

from dossiers.constants import Status
from tests.browser.helpers import official_sign_in
from tests.dossiers.factories import World


def test_filter_shortcuts_and_bulk_receive(live_server, page, axe_check):
    world = World()
    received = [world.dossier_in(Status.RECEIVED) for _ in range(2)]
    submitted = [world.dossier_in(Status.SUBMITTED) for _ in range(2)]

    official_sign_in(page, live_server, world.receptionist)
    page.goto(live_server.url + "/mot-cua/?hang-doi=all")
    page.evaluate("window.__samePage = true")

    # Filter by status: htmx swaps the list, the page stays, the URL is bookmarkable.
    page.get_by_label("Trạng thái").select_option("received")
    expect(page.locator("table[data-keys=queue] tbody tr")).to_have_count(2)
    assert "status=received" in page.url
    assert page.evaluate("window.__samePage === true")
    for d in submitted:
        expect(page.get_by_role("link", name=d.code)).to_have_count(0)

    # Keyboard: "/" to the search box, Escape out, j/k between rows, Enter opens.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    expect(page.get_by_label("Mã hồ sơ, tên người nộp hoặc số định danh")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    first = page.locator("table[data-keys=queue] tbody tr").nth(0).locator("a.code")
    second = page.locator("table[data-keys=queue] tbody tr").nth(1).locator("a.code")
    expect(first).to_be_focused()
    page.keyboard.press("j")
    expect(second).to_be_focused()
    page.keyboard.press("k")
    expect(first).to_be_focused()
    code = first.inner_text()
    page.keyboard.press("?")
    expect(page.get_by_text("Đến ô tìm kiếm")).to_be_visible()
    axe_check(page, "queue with the shortcuts help open")
    first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)

    # Bulk receive from the intake queue: both dossiers, one report row each.
    page.goto(live_server.url + "/mot-cua/?hang-doi=receive")
    for d in submitted:
        page.get_by_label(f"Chọn {d.code}").check()
    axe_check(page, "intake queue with the bulk toolbar")
    page.get_by_role("button", name="Thực hiện").click()
    expect(page.locator("tr[data-outcome=done]")).to_have_count(2)
    assert {d.code for d in received}  # untouched by the bulk action
