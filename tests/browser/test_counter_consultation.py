"""Consultation (liên thông) in Chromium, checked by axe: ward A's specialist asks
ward B from the workbench; ward B's specialist finds it in "Consultations", reads the
dossier on a read-only workbench and answers; ward A reads the opinion."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from dossiers.constants import Status
from tests.backoffice.worlds import two_wards
from tests.browser.helpers import official_sign_in


def test_consultation_asked_and_answered(live_server, page, axe_check):
    a, b = two_wards()
    dossier = a.dossier_in(Status.PROCESSING)

    official_sign_in(page, live_server, a.specialist)
    page.goto(f"{live_server.url}/mot-cua/ho-so/{dossier.ref}/")
    page.locator("#action-consult summary").click()
    page.get_by_label("Cơ quan được xin ý kiến").select_option(str(b.agency.pk))
    page.get_by_label("Nội dung xin ý kiến").fill("Thửa đất có tranh chấp không?")
    reply_by = timezone.localdate() + datetime.timedelta(days=3)
    page.get_by_label("Hạn trả lời").fill(reply_by.isoformat())
    page.get_by_role("button", name="Gửi xin ý kiến").click()
    expect(page.get_by_text("Đã gửi xin ý kiến")).to_be_visible()
    panel = page.locator("[id^=consultation-]").first
    expect(panel).to_contain_text("Thửa đất có tranh chấp không?")
    axe_check(page, "workbench with a consultation")

    other = page.context.browser.new_context(locale="vi-VN")
    consulted = other.new_page()
    official_sign_in(consulted, live_server, b.specialist)
    consulted.get_by_role("link", name="Xin ý kiến liên thông").click()
    axe_check(consulted, "consultations queue")
    consulted.get_by_role("link", name=dossier.code).click()
    expect(consulted.get_by_role("heading", level=1)).to_contain_text(dossier.code)
    expect(consulted.locator("form[action*='/thao-tac/']")).to_have_count(0)
    axe_check(consulted, "read-only workbench of the consulted agency")
    consulted.get_by_label("Ý kiến của cơ quan").fill("Không có tranh chấp.")
    consulted.get_by_role("button", name="Gửi ý kiến").click()
    expect(consulted.get_by_text("Đã gửi ý kiến của cơ quan.")).to_be_visible()
    other.close()

    page.reload()
    expect(page.locator("[id^=consultation-]").first).to_contain_text("Không có tranh chấp.")
