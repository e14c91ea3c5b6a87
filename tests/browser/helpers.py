"""Steps several browser tests share."""

import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from dossiers.demo import demo_pdf
from tests.dossiers.test_documents import pdf_text
from tests.identity.factories import PASSWORD


def official_sign_in(page, live_server, user):
    """An official with an enrolled authenticator signs in to the back office: password,
    then the current TOTP code."""
    page.goto(live_server.url + "/mot-cua/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Mã 6 chữ số trong ứng dụng xác thực").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Xác nhận").click()


def official_page(new_page, live_server, user):
    """Another official, signed in with TOTP."""
    other = new_page()
    official_sign_in(other, live_server, user)
    expect(other.get_by_role("heading", level=1)).to_have_text("Bộ phận một cửa")
    return other


def citizen_page(new_page, live_server, user):
    other = new_page()
    other.goto(live_server.url + "/dang-nhap/")
    other.get_by_label("Số định danh cá nhân, email hoặc số điện thoại").fill(user.email)
    other.get_by_label("Mật khẩu").fill(PASSWORD)
    other.get_by_role("button", name="Đăng nhập").click()
    expect(other.get_by_text(user.full_name).first).to_be_visible()
    return other


def open_from_queue(page, queue_label, dossier):
    page.get_by_role("link", name=re.compile("^" + queue_label)).click()
    expect(page.get_by_role("row").filter(has_text=dossier.code)).to_contain_text("Phạm Thu Hà")
    page.get_by_role("link", name=dossier.code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(dossier.code)


def act(page, action):
    """Open an action panel of the workbench; returns it for filling and submitting."""
    panel = page.locator(f"#action-{action}")
    panel.locator("summary").click()
    # A closed panel fetches its form when opened.
    panel.locator("form").wait_for()
    return panel


def issued_pdf_text(page, live_server, link_name) -> str:
    link = page.get_by_role("link", name=link_name)
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    return pdf_text(response.body())


def upload_pdf(name, text):
    return {"name": name, "mimeType": "application/pdf", "buffer": demo_pdf(text)}


# The elements reaching past the window's right edge and not inside a scrolling box: what
# to look at when a page scrolls sideways.
_WIDER_THAN_THE_WINDOW = """() => {
  const scrolls = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > innerWidth + 0.5 && !scrolls(el)) {
      const name = `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`;
      found.push(`${name} (${Math.round(box.right)} px)`);
    }
  }
  return found.slice(0, 6);
}"""


def assert_fits(page, label: str = "") -> None:
    """The page does not scroll sideways: no wider than the window it is shown in."""
    wide, window = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    if wide > window:
        culprits = page.evaluate(_WIDER_THAN_THE_WINDOW)
        raise AssertionError(
            f"{label or page.url} is {wide} px wide in a {window} px window: {culprits}"
        )
