"""The main pages of the portal and the back office at 360 and 1280 px, as a citizen and
as the desk's receptionist, specialist and leader would open them: none scrolls
sideways (a long email, a long procedure name, a dossier code, a wide table) and
axe-core finds nothing serious at either width."""

from playwright.sync_api import expect

from dossiers.constants import Status
from feedback import services as feedback_services
from feedback.constants import Subject
from tests.browser.helpers import assert_fits, citizen_page, official_page
from tests.dossiers.factories import World

WIDTHS = ((360, 780), (1280, 900))
LONG_EMAIL = "nguyen.thi.phuong.thao.phong.tu.phap.quan.mot@thanhphohochiminh.example.vn"


def _walk(page, base, pages, axe_check):
    """Each page opened once on a phone, then the window widened to a desktop's: the
    layout follows the window (CSS only, no script measures it), so one load serves
    both widths."""
    for path, heading in pages:
        phone_width, phone_height = WIDTHS[0]
        page.set_viewport_size({"width": phone_width, "height": phone_height})
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            assert_fits(page, f"{path} at {width} px")
            axe_check(page, f"{path} at {width} px")


def _world():
    world = World()
    world.procedure.name = (
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
        "Việt Nam, người Việt Nam đang cư trú ở nước ngoài"
    )
    world.procedure.save()
    world.applicant.email = LONG_EMAIL
    world.applicant.full_name = "Nguyễn Hoàng Thị Phương Thảo Tôn Nữ"
    world.applicant.save()
    return world


def test_the_citizens_pages_fit_a_phone(live_server, new_page, axe_check):
    world = _world()
    submitted = world.dossier_in(Status.SUBMITTED)
    paying = world.dossier_in(Status.AWAITING_PAYMENT)
    draft = world.complete_draft()
    feedback_services.feedback_send(
        sender=world.applicant,
        subject=Subject.AGENCY,
        agency=world.agency,
        title="Niêm yết lệ phí",
        text="Đề nghị niêm yết rõ lệ phí tại bộ phận một cửa.",
    )
    page = citizen_page(new_page, live_server, world.applicant)
    code = world.procedure.code

    _walk(
        page,
        live_server.url,
        [
            ("/", "Dịch vụ công trực tuyến"),
            ("/thu-tuc/", "Thủ tục hành chính"),
            (f"/thu-tuc/{code}/", "Cấp Phiếu lý lịch tư pháp"),
            (f"/tra-cuu/?ma={submitted.code}", "Tra cứu hồ sơ"),
            ("/ho-so/", "Hồ sơ của tôi"),
            (f"/ho-so/{draft.ref}/soan/", "Tờ khai và giấy tờ"),
            (f"/ho-so/{draft.ref}/xem-lai/", "Xem lại"),
            (f"/ho-so/{submitted.ref}/da-nop/", "Đã nộp hồ sơ"),
            (f"/ho-so/{paying.ref}/", paying.code),
            ("/kho-giay-to/", "Kho giấy tờ"),
            ("/tai-khoan/", "Tài khoản"),
            ("/tai-khoan/xac-minh/", "Xác minh thông tin liên hệ"),
            ("/phan-anh/cua-toi/", "Phản ánh"),
            ("/thong-bao/", "Thông báo"),
        ],
        axe_check,
    )


def test_the_back_office_pages_fit_a_phone_for_each_role(live_server, new_page, axe_check):
    world = _world()
    submitted = world.dossier_in(Status.SUBMITTED)
    paying = world.dossier_in(Status.AWAITING_PAYMENT)
    approving = world.dossier_in(Status.AWAITING_APPROVAL)
    feedback_services.feedback_send(
        sender=world.applicant,
        subject=Subject.AGENCY,
        agency=world.agency,
        title="Niêm yết lệ phí",
        text="Đề nghị niêm yết rõ lệ phí tại bộ phận một cửa.",
    )
    base = live_server.url
    bench = "Hồ sơ"

    receptionist = official_page(new_page, live_server, world.receptionist)
    _walk(
        receptionist,
        base,
        [
            ("/mot-cua/", "Bộ phận một cửa"),
            ("/mot-cua/?hang-doi=all", "Bộ phận một cửa"),
            (f"/mot-cua/ho-so/{submitted.ref}/", bench),
            ("/mot-cua/tiep-nhan/", "Tiếp nhận"),
            ("/mot-cua/lien-thong/", "liên thông"),
            ("/mot-cua/phan-anh/", "Phản ánh"),
            ("/mot-cua/so-theo-doi/", "Sổ theo dõi"),
            ("/mot-cua/xuat/cua-toi/", "Tệp xuất"),
        ],
        axe_check,
    )

    specialist = official_page(new_page, live_server, world.specialist)
    _walk(
        specialist,
        base,
        [("/mot-cua/", "Bộ phận một cửa"), (f"/mot-cua/ho-so/{paying.ref}/", bench)],
        axe_check,
    )

    leader = official_page(new_page, live_server, world.leader)
    _walk(
        leader,
        base,
        [
            ("/mot-cua/", "Bộ phận một cửa"),
            (f"/mot-cua/ho-so/{approving.ref}/", bench),
            ("/mot-cua/thong-ke/", "Thống kê"),
            ("/mot-cua/diem-nghen/", "Radar"),
        ],
        axe_check,
    )
