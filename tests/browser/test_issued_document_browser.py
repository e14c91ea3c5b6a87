"""A form still being written, in Chromium: the workbench says "being prepared" and turns
it into the link by itself once a worker has written the file (htmx polling), and axe
finds nothing in either state."""

from playwright.sync_api import expect

from dossiers import documents, services
from dossiers.constants import Status
from dossiers.models import IssuedDocument
from tests.browser.helpers import official_sign_in
from tests.dossiers.factories import World


def test_the_workbench_shows_the_form_being_prepared_then_its_link(
    live_server, page, axe_check, settings, monkeypatch
):
    settings.ISSUED_DOCUMENTS_WRITE_INLINE = False
    # No worker runs here: the test writes the file in its place.
    monkeypatch.setattr(documents, "write_soon", lambda *args, **kwargs: True)
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    issued = IssuedDocument.objects.get(dossier=dossier)

    official_sign_in(page, live_server, world.receptionist)
    page.goto(f"{live_server.url}/mot-cua/ho-so/{dossier.ref}/")
    item = page.locator(f"#issued-{issued.pk}")
    expect(item.get_by_role("status")).to_have_text("Đang chuẩn bị…")
    # The link is there without script too: the download waits for the file.
    expect(item.get_by_role("link", name="Mẫu 01", exact=False)).to_be_visible()
    axe_check(page, "workbench, a form being prepared")

    documents.write(issued.pk)
    expect(item.get_by_role("status")).to_contain_text("Chưa ký số", timeout=10_000)
    expect(item).not_to_have_attribute("hx-trigger", "every 2s")
    axe_check(page, "workbench, the form written")
