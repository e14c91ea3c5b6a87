"""The main pages under the Content-Security-Policy in Chromium: any violation the
browser reports (a `securitypolicyviolation` event in the page or a frame, or a
"Refused to ..." console message) fails the test."""

import contextlib

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from dossiers.constants import Status
from tests.dossiers.factories import World
from tests.identity.factories import PASSWORD

# Runs in every document (frames included) before its own scripts.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} in ${e.documentURI}`);
});
"""


@pytest.fixture
def csp_watch(page):
    refused = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or message.text.startswith("Refused to")
            else None
        ),
    )

    def check(label: str) -> None:
        page.wait_for_load_state("load")
        events = []
        for frame in page.frames:
            # A frame showing a PDF has no page script to ask.
            with contextlib.suppress(PlaywrightError):
                events += frame.evaluate("() => window.__csp || []")
        assert not events and not refused, f"CSP violation on {label}: {events + refused}"

    return check


def _sign_in(page, url, username, label="Số định danh cá nhân, email hoặc số điện thoại"):
    page.goto(url)
    page.get_by_label(label).fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_public_and_citizen_pages_have_no_violation(live_server, page, csp_watch):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    base = live_server.url
    for label, path in [
        ("home", "/"),
        ("catalogue", "/thu-tuc/"),
        ("catalogue search", "/thu-tuc/?q=dang+ky"),
        ("procedure", f"/thu-tuc/{world.procedure.code}/"),
        ("lookup", f"/tra-cuu/?ma={dossier.code}"),
        ("sign-in", "/dang-nhap/"),
    ]:
        page.goto(base + path)
        csp_watch(label)

    _sign_in(page, base + "/dang-nhap/", world.applicant.username)
    page.goto(base + "/ho-so/")
    expect(page.get_by_text(dossier.code).first).to_be_visible()
    csp_watch("My dossiers")
    page.goto(base + f"/ho-so/{dossier.ref}/")
    csp_watch("a dossier")


def test_back_office_queue_and_workbench_with_preview_have_no_violation(
    live_server, page, csp_watch
):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    base = live_server.url
    _sign_in(page, base + "/mot-cua/", world.receptionist.username, "Tên đăng nhập")
    device = TOTPDevice.objects.get(user=world.receptionist)
    page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("main").get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bộ phận một cửa")
    csp_watch("back-office queue")

    page.get_by_role("link", name=dossier.code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(dossier.code)
    # The framed preview loads once opened; a frame-ancestors refusal would leave it
    # empty and be reported.
    with page.expect_response(lambda r: "?xem=1" in r.url) as answer:
        page.locator(".bo-preview summary").first.click()
    assert answer.value.status == 200
    assert "frame-ancestors 'self'" in answer.value.headers["content-security-policy"]
    page.wait_for_timeout(500)
    csp_watch("workbench with the document preview")
