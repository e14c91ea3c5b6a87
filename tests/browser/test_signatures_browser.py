"""Signatures on the pages that show them, in Chromium with axe-core at 1280 and 360
px: the badge of a signed upload on the workbench and on the applicant's dossier page,
and the register page (form 07) offering the signed PDF."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from dossiers import services
from tests.browser.helpers import citizen_page, official_sign_in
from tests.dossiers.factories import World
from tests.signing.conftest import PASSWORD, TestCA, local_certificate

WIDTHS = ((1280, 900), (360, 780))


@pytest.fixture
def filed(settings, tmp_path):
    # pyHanko's synchronous API runs its own event loop, which it cannot do in this
    # thread, where Playwright's is running: the setup signs in another one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_file, settings, tmp_path).result()


def _file(settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from weasyprint import HTML

    from signing.signers import LocalPkcs12Signer, Stamp

    try:
        ca = TestCA()
        trust = tmp_path / "trust"
        trust.mkdir()
        (trust / "root.pem").write_bytes(ca.pem())
        settings.SIGNING_TRUST_ROOTS_DIR = str(trust)
        world = World()
        local_certificate(ca, agency=world.agency)
        content = HTML(string="<h1>Giấy xác nhận</h1>").write_pdf()
        signed = LocalPkcs12Signer(
            ca.pkcs12("Nguyễn Văn Ký", "Công ty Ký Thử"), PASSWORD.encode()
        ).sign_pdf(content, stamp=Stamp("Nguyễn Văn Ký", "Công ty Ký Thử", "0000TEST"))
        dossier = world.draft()
        services.dossier_save_declaration(
            dossier_id=dossier.pk, actor=world.applicant, data={"full_name": "Phạm Thu Hà"}
        )
        services.dossier_attach_file(
            dossier_id=dossier.pk,
            actor=world.applicant,
            required_document_id=world.document.pk,
            upload=SimpleUploadedFile("giay-xac-nhan.pdf", signed, "application/pdf"),
        )
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
        dossier.refresh_from_db()
        return world, dossier
    finally:
        connection.close()


def test_signature_badges_and_the_register(live_server, page, new_page, axe_check, filed):
    world, dossier = filed
    official_sign_in(page, live_server, world.receptionist)
    citizen = citizen_page(new_page, live_server, world.applicant)
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/mot-cua/ho-so/{dossier.ref}/")
        badge = page.locator(".bo-docs .signature-status").first
        expect(badge).to_contain_text("Chữ ký số: Hợp lệ")
        expect(badge).to_contain_text("Nguyễn Văn Ký")
        axe_check(page, f"workbench with a signed document at {width} px")

        page.goto(f"{live_server.url}/mot-cua/so-theo-doi/")
        expect(page.get_by_role("button", name="PDF có ký số")).to_be_visible()
        axe_check(page, f"register page at {width} px")

        citizen.set_viewport_size({"width": width, "height": height})
        citizen.goto(f"{live_server.url}/ho-so/{dossier.ref}/")
        status = citizen.locator("#documents").locator("..").locator(".signature-status")
        expect(status).to_contain_text("Chữ ký số: Hợp lệ")
        assert citizen.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        axe_check(citizen, f"dossier page with a signed document at {width} px")
