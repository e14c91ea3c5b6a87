"""A citizen withdraws a dossier in Chromium: the first click only asks, "No" keeps the
dossier untouched, "Yes" ends it with a success line and the status in words; at the
desktop width and on a phone, with axe on each page."""

import pytest
from playwright.sync_api import expect

from dossiers.constants import Action, Status
from dossiers.models import Dossier
from tests.browser.helpers import assert_fits, citizen_page
from tests.dossiers.factories import World

REASON = "Tôi đã nộp nhầm thủ tục, sẽ nộp lại hồ sơ khác."


@pytest.mark.parametrize("width", [1280, 360])
def test_withdrawal_asks_first_then_ends_the_dossier(live_server, new_page, axe_check, width):
    world = World()
    dossier = world.dossier_built(Status.RECEIVED)
    citizen = citizen_page(new_page, live_server, world.applicant)
    citizen.set_viewport_size({"width": width, "height": 800})
    detail = f"{live_server.url}/ho-so/{dossier.ref}/"

    citizen.goto(detail)
    section = citizen.locator("section[aria-labelledby=withdraw]")
    section.get_by_label("Lý do rút hồ sơ").fill(REASON)
    section.get_by_role("button", name="Rút hồ sơ").click()

    expect(citizen.get_by_role("heading", name="Rút hồ sơ này?")).to_be_visible()
    expect(citizen.get_by_text(REASON)).to_be_visible()
    axe_check(citizen, f"withdrawal confirmation, {width} px")
    if width == 360:
        assert_fits(citizen, "withdrawal confirmation")
    citizen.get_by_role("link", name="Không, giữ lại hồ sơ").click()
    expect(citizen).to_have_url(detail)
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    assert not dossier.log.filter(action=Action.WITHDRAW).exists()

    section.get_by_label("Lý do rút hồ sơ").fill(REASON)
    section.get_by_role("button", name="Rút hồ sơ").click()
    citizen.get_by_role("button", name="Đồng ý rút hồ sơ").click()
    expect(citizen.get_by_role("status").first).to_contain_text("Hồ sơ của bạn đã được rút")
    expect(citizen.locator(".facts .badge")).to_have_text("Đã rút hồ sơ")
    expect(citizen.locator("section[aria-labelledby=withdraw]")).to_have_count(0)
    axe_check(citizen, f"dossier page after withdrawal, {width} px")
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.status == Status.WITHDRAWN
    assert dossier.log.get(action=Action.WITHDRAW).note == REASON
