"""Response headers of every page: the Content-Security-Policy, no caching of what a
signed-in person sees, the language cookie."""

import pytest
from django.test import Client
from django.urls import reverse

from dossiers.constants import Status
from dossiers.models import StoredFile
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import World
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_pages_carry_a_strict_policy(client):
    csp = directives(client.get("/"))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_api_and_errors_carry_the_policy_too(client):
    assert directives(client.get("/api/v1/procedures/"))["frame-ancestors"] == ["'none'"]
    assert directives(client.get("/khong-co-trang-nay/"))["default-src"] == ["'self'"]


def test_the_payment_gateway_origin_may_be_allowed_as_a_form_target(settings, client):
    directive = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**directive, "form-action": ["'self'", "https://pay.example.vn"]}
    }
    assert directives(client.get("/"))["form-action"] == ["'self'", "https://pay.example.vn"]


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(client):
    page = client.get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
    assert "<style" not in page and " style=" not in page


def test_only_the_document_preview_may_be_framed_by_the_same_site():
    (
        a,
        _b,
    ) = two_wards()
    dossier = a.dossier_in(Status.SUBMITTED)
    doc = dossier.documents.select_related("file").first()
    StoredFile.objects.filter(pk=doc.file_id).update(content_type="application/pdf")
    client = force_login_verified(Client(), a.receptionist)
    url = f"/mot-cua/ho-so/{dossier.ref}/tep/{doc.pk}/"

    preview = client.get(url + "?xem=1")
    download = client.get(url)
    workbench = client.get(f"/mot-cua/ho-so/{dossier.ref}/")

    assert preview.status_code == 200
    assert directives(preview)["frame-ancestors"] == ["'self'"]
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert directives(download)["frame-ancestors"] == ["'none'"]
    assert directives(workbench)["frame-ancestors"] == ["'none'"]
    # The workbench itself frames the preview: its own frames are of the same site.
    assert directives(workbench)["frame-src"] == ["'self'"]


def test_signed_in_pages_are_not_stored(client):
    world = World()
    anonymous = client.get("/")
    assert "no-store" not in anonymous.get("Cache-Control", "")

    client.force_login(world.applicant)
    for url in ("/", reverse("portal:dossier-list"), reverse("portal:account")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_a_view_that_sets_its_own_caching_keeps_it(client):
    client.force_login(World().applicant)
    response = client.get("/healthz")
    assert (
        "no-cache" in response["Cache-Control"] and "must-revalidate" in response["Cache-Control"]
    )


def test_language_cookie_is_lax(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["samesite"] == "Lax"
