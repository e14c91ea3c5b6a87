"""Workbench document preview: PDFs and images open inline (framed by the workbench
only), every other type stays a download; the "digitised from paper" flag is shown;
the same permission as the download."""

import pytest
from django.test import Client

from dossiers.constants import Status
from dossiers.models import DossierDocument, StoredFile
from tests.backoffice.worlds import two_wards
from tests.helpers import force_login_verified
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


def _file_url(dossier, doc, preview=True):
    return f"/mot-cua/ho-so/{dossier.ref}/tep/{doc.pk}/" + ("?xem=1" if preview else "")


def _as_type(doc, content_type):
    # Tests only: the type the upload check would have recorded for such a file.
    StoredFile.objects.filter(pk=doc.file_id).update(content_type=content_type)
    return doc


@pytest.fixture
def setup():
    a, b = two_wards()
    dossier = a.dossier_in(Status.SUBMITTED)
    doc = dossier.documents.select_related("file").first()
    return a, b, dossier, doc


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "image/jpeg"])
def test_pdf_and_images_open_inline_when_asked(setup, content_type):
    a, _b, dossier, doc = setup
    _as_type(doc, content_type)
    client = force_login_verified(Client(), a.receptionist)

    response = client.get(_file_url(dossier, doc))

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # Without the preview parameter it is the usual download.
    download = client.get(_file_url(dossier, doc, preview=False))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/html",
        "image/svg+xml",
    ],
)
def test_other_types_are_always_downloads(setup, content_type):
    a, _b, dossier, doc = setup
    _as_type(doc, content_type)
    client = force_login_verified(Client(), a.receptionist)

    response = client.get(_file_url(dossier, doc))

    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    page = client.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    assert "?xem=1" not in page


def test_workbench_shows_the_digitised_flag_and_an_accessible_preview(setup):
    a, _b, dossier, doc = setup
    DossierDocument.objects.filter(pk=doc.pk).update(digitised=True)
    client = force_login_verified(Client(), a.receptionist)

    html = client.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()

    assert "Số hóa từ bản giấy" in html
    assert '<details class="bo-preview">' in html
    assert f'src="{_file_url(dossier, doc)}"' in html
    assert f'title="{doc.file.name}"' in html

    DossierDocument.objects.filter(pk=doc.pk).update(digitised=False)
    html = client.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    assert "Số hóa từ bản giấy" not in html


def test_preview_has_the_download_permissions(setup, client):
    _a, b, dossier, doc = setup
    url = _file_url(dossier, doc)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/mot-cua/dang-nhap/")
    other = force_login_verified(Client(), b.receptionist)
    assert other.get(url).status_code == 404
    citizen = Client()
    citizen.force_login(UserFactory())
    assert citizen.get(url).status_code in (403, 404)
