"""The API documentation page (/api/docs/) in Chromium: Swagger UI renders the partner
API from local files, and the browser reports no Content-Security-Policy violation.

No axe check here: Swagger UI's own markup nests a copy button inside each operation's
toggle (axe: nested-interactive) and colours its method badges below 4.5:1; both are
the vendored UI's, said in docs/api.md rather than patched here."""

from playwright.sync_api import expect

from tests.browser.test_content_security_policy import csp_watch  # noqa: F401 (fixture)


def test_docs_render_without_csp_violations(live_server, page, csp_watch):  # noqa: F811
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/api/docs/")
        expect(page.get_by_text("File a dossier (idempotent on external_id)")).to_be_visible()
        expect(page.get_by_role("heading", name="MotCua API")).to_be_visible()
        csp_watch(f"/api/docs/ at {width} px")
