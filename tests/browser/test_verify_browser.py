"""/xac-thuc/ in Chromium at 1280 and 360 px, with axe-core on every outcome: a
document MotCua issued (signed), the same file with one byte changed, a PDF MotCua
never issued, and the lookup by dossier code and verification number."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from dossiers import documents
from dossiers.constants import Status
from tests.dossiers.factories import World
from tests.signing.conftest import TestCA, local_certificate

WIDTHS = ((1280, 900), (360, 780))


@pytest.fixture
def issued(settings, tmp_path):
    # pyHanko's synchronous API runs its own event loop, which it cannot do in this
    # thread, where Playwright's is running: the documents are issued in another one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_issue, settings, tmp_path).result()


def _issue(settings, tmp_path):
    from django.db import connection

    try:
        return _issue_documents(settings, tmp_path)
    finally:
        connection.close()


def _issue_documents(settings, tmp_path):
    ca = TestCA()
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "root.pem").write_bytes(ca.pem())
    settings.SIGNING_TRUST_ROOTS_DIR = str(trust)
    world = World()
    local_certificate(ca, agency=world.agency)
    dossier = world.dossier_in(Status.RECEIVED)
    doc = dossier.issued.get()
    content = doc.file.open("rb").read()
    foreign = documents.render("02", world.dossier_in(Status.PROCESSING), data={})
    number = doc.number
    return {
        "dossier": dossier,
        "number": number,
        "issued": content,
        "tampered": content.replace(b"/MediaBox", b"/NediaBox", 1),
        "foreign": foreign,
    }


def _upload(page, live_server, content: bytes):
    page.goto(live_server.url + "/xac-thuc/")
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(
        {"name": "van-ban.pdf", "mimeType": "application/pdf", "buffer": content}
    )
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.get_by_role("heading", name="Kết quả", exact=True)).to_be_visible()


def _fits(page) -> None:
    # Nothing wider than the screen: a phone never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


EXPECTED = {
    "issued": ("MotCua đã cấp văn bản này", "Đã ký số, nguyên vẹn và người ký được tin cậy"),
    "tampered": ("MotCua không có bản ghi", "Đã bị thay đổi sau khi ký"),
    "foreign": ("MotCua không có bản ghi", "Không có chữ ký số"),
}


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_verify_page_at_each_width(live_server, page, axe_check, issued, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_server.url + "/xac-thuc/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực văn bản")
    _fits(page)
    axe_check(page, f"/xac-thuc/ at {width} px")

    for kind, (register, signatures) in EXPECTED.items():
        _upload(page, live_server, issued[kind])
        result = page.locator("section[aria-labelledby=verify-result]")
        expect(result).to_contain_text(register)
        expect(result).to_contain_text(signatures)
        _fits(page)
        axe_check(page, f"/xac-thuc/ at {width} px, {kind} PDF")

    # Not a PDF: the field says so, and points to its message.
    page.goto(live_server.url + "/xac-thuc/")
    field = page.get_by_label("Tệp PDF cần kiểm tra")
    field.set_input_files({"name": "anh.gif", "mimeType": "image/gif", "buffer": b"GIF89a"})
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator("#verify-file-error")).to_contain_text("không phải PDF")
    expect(page.get_by_label("Tệp PDF cần kiểm tra")).to_have_attribute("aria-invalid", "true")
    axe_check(page, f"/xac-thuc/ at {width} px, not a PDF")

    dossier = issued["dossier"]
    page.goto(live_server.url + "/xac-thuc/")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_label("Số xác thực").fill(issued["number"].lower())
    page.get_by_role("button", name="Tra cứu").click()
    result = page.locator("section[aria-labelledby=verify-result]")
    expect(result).to_contain_text("MotCua đã cấp văn bản này")
    expect(result).to_contain_text(dossier.code)
    expect(result).to_contain_text(dossier.receiving_agency.name)
    _fits(page)
    axe_check(page, f"/xac-thuc/ at {width} px, number lookup")
