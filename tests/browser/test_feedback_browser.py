"""Feedback in Chromium: a citizen sends feedback from the general page and reads its
code; the public list of answers shows the consented answer. axe-core at 1280 and
360 px on both pages."""

from playwright.sync_api import expect

from feedback import services
from tests.browser.helpers import assert_fits, citizen_page
from tests.dossiers.factories import World


def test_send_feedback_and_read_the_public_answers(live_server, new_page, axe_check):
    world = World()
    world.applicant.email = "ha.pham@example.vn"
    world.applicant.save()
    page = citizen_page(new_page, live_server, world.applicant)

    for width, height in ((1280, 900), (360, 780)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + "/phan-anh/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Gửi phản ánh, kiến nghị")
        assert_fits(page)
        axe_check(page, f"feedback send page, {width} px")

    page.get_by_label("Kiến nghị").check()
    page.get_by_label("Cơ quan").select_option(value=str(world.agency.pk))
    page.get_by_label("Tiêu đề", exact=True).fill("Niêm yết thủ tục")
    page.get_by_label("Nội dung", exact=True).fill(
        "Đề nghị niêm yết rõ lệ phí tại bộ phận một cửa."
    )
    page.get_by_label("Tôi đồng ý công khai").check()
    page.get_by_role("button", name="Gửi").click()
    expect(page.get_by_text("Đã gửi phản ánh, kiến nghị. Mã")).to_be_visible()
    code = page.locator("dd .code").first.inner_text()
    assert code.startswith("PA-")

    item = world.applicant.feedback_sent.get()
    services.feedback_assign(feedback_id=item.pk, actor=world.leader, assignee=world.leader)
    services.feedback_answer(
        feedback_id=item.pk, actor=world.leader, answer="Đã niêm yết lệ phí tại quầy số 3."
    )
    for width, height in ((1280, 900), (360, 780)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + f"/phan-anh/cong-khai/?co-quan={world.agency.pk}")
        expect(page.get_by_text("Đã niêm yết lệ phí tại quầy số 3.")).to_be_visible()
        expect(page.get_by_text(code)).to_be_visible()
        assert_fits(page)
        axe_check(page, f"public answers, {width} px")
