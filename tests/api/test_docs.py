"""The OpenAPI schema validates without a warning and names every partner endpoint with
its error shapes; the documentation page is served from local files under the
content security policy."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_and_documents_every_endpoint_and_problem(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/v1/client/",
        "/api/v1/agencies/",
        "/api/v1/fields/",
        "/api/v1/dossiers/:",
        "/api/v1/dossiers/{code}/:",
        "/api/v1/dossiers/{code}/documents/:",
        "/api/v1/dossiers/{code}/actions/{action}/:",
        "/api/v1/dossiers/{code}/status:",
        "/api/v1/oauth/token:",
    ):
        assert path in text, path
    assert len(re.findall(r"application/problem\+json:", text)) > 20
    assert "urn:motcua:problem:idempotency-conflict" in text
    assert "apiKey" in text


def test_docs_page_uses_local_assets_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/") for a in assets), assets
    assert "<style" not in html and "<script>" not in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/").split("?")[0]), asset
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert "/api/schema/" in script.content.decode()
