"""Forms on the workbench in Chromium: the receptionist receives an online dossier and
prints form 01; an overdue dossier offers the apology (form 04) and the result panel
asks how it is returned; axe finds nothing serious on the new panels."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from dossiers.constants import Status
from dossiers.models import Dossier
from tests.browser.helpers import official_sign_in
from tests.dossiers.factories import World


def test_receive_and_print_form_01_then_apologise_when_overdue(live_server, page, axe_check):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    official_sign_in(page, live_server, world.receptionist)
    page.goto(f"{live_server.url}/mot-cua/ho-so/{dossier.ref}/")

    page.locator("#action-receive summary").click()
    page.locator("#action-receive").get_by_role("button").click()
    expect(page.locator(".bo-status")).to_have_text("Đã tiếp nhận")
    link = page.get_by_role("link", name="Mẫu 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    expect(link).to_be_visible()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    axe_check(page, "workbench with the standard documents")

    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("mẫu 04")
    page.locator("#action-apologise summary").click()
    axe_check(page, "workbench of an overdue dossier")

    ready = world.dossier_in(Status.RESULT_READY)
    page.goto(f"{live_server.url}/mot-cua/ho-so/{ready.ref}/")
    page.locator("#action-return_result summary").click()
    page.get_by_label("Dịch vụ bưu chính").check()
    page.get_by_label("Mã vận đơn bưu chính (khi trả qua bưu chính)").fill("EB9VN")
    axe_check(page, "return of the result")
    page.locator("#action-return_result").get_by_role("button").click()
    expect(page.locator(".bo-status")).to_have_text("Đã trả kết quả")
