"""Uploads are stored and served under a name whose extension is the type found in
their bytes; the uploader's name is only shown, as text."""

import importlib
from urllib.parse import quote

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from dossiers import services
from dossiers.constants import Status
from dossiers.files import stored_name
from dossiers.models import StoredFile
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import PDF, PNG, World, pdf
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("uploaded", "kind", "stored"),
    [
        ("to-khai.hta", "pdf", "to-khai.pdf"),
        ("to-khai.bat", "pdf", "to-khai.pdf"),
        (".bat", "pdf", "tai-lieu.pdf"),
        ("", "pdf", "tai-lieu.pdf"),
        ("...", "png", "tai-lieu.png"),
        ("C:\\Users\\Hà\\Ảnh chân dung.JPEG", "jpg", "Ảnh chân dung.jpg"),
        ("../../etc/<passwd>.exe", "pdf", "passwd.pdf"),
        ("báo cáo v1.2 bản cuối", "pdf", "báo cáo v1.2 bản cuối.pdf"),
        ("giay-to.pdf", "pdf", "giay-to.pdf"),
    ],
)
def test_stored_name_takes_the_extension_of_the_sniffed_type(uploaded, kind, stored):
    assert stored_name(uploaded, kind) == stored


def test_a_long_name_keeps_its_extension():
    name = stored_name("x" * 400 + ".hta", "pdf")
    assert name.endswith("x.pdf") and len(name) == 150


def _disposition(name):
    return f"attachment; filename*=UTF-8''{quote(name)}"


@pytest.mark.parametrize(
    ("uploaded", "safe"), [("Tờ khai & đơn.hta", "Tờ khai & đơn.pdf"), (".bat", "tai-lieu.pdf")]
)
def test_a_pdf_named_hta_is_stored_shown_and_served_as_pdf(uploaded, safe):
    a, b = two_wards()
    dossier = a.draft()
    citizen = Client()
    citizen.force_login(a.applicant)
    edit = reverse("portal:dossier-edit", kwargs={"ref": dossier.ref})

    citizen.post(edit, {"upload": "1", "required_document": a.document.pk, "file": pdf(uploaded)})

    stored = StoredFile.objects.get(owner=a.applicant)
    assert (stored.name, stored.original_name) == (safe, uploaded)
    assert stored.content_type == "application/pdf" and stored.file.name.endswith(".pdf")
    draft_page = citizen.get(edit).content.decode()
    assert "tải lên với tên “" in draft_page
    assert "&amp;" in draft_page or uploaded == ".bat"  # shown as escaped text
    services.dossier_save_declaration(
        dossier_id=dossier.pk, actor=a.applicant, data={"full_name": "Phạm Thu Hà"}
    )
    services.dossier_submit(dossier_id=dossier.pk, actor=a.applicant)
    doc = dossier.documents.get()

    mine = citizen.get(reverse("portal:dossier-file", args=[dossier.ref, doc.pk]))
    assert mine["Content-Disposition"] == _disposition(safe)
    assert b"".join(mine.streaming_content) == PDF
    official = force_login_verified(Client(), a.receptionist)
    page = official.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    escaped = uploaded.replace("&", "&amp;")
    assert f"tải lên với tên “{escaped}”" in page
    url = f"/mot-cua/ho-so/{dossier.ref}/tep/{doc.pk}/"
    download = official.get(url)
    assert download["Content-Disposition"] == _disposition(safe)
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    assert force_login_verified(Client(), b.receptionist).get(url).status_code == 404
    submitted = dossier.log.get(action="submit").data
    assert uploaded not in str(submitted)  # the log names the stored file


def test_message_attachments_and_results_get_the_safe_name_too():
    world = World()
    dossier = world.dossier_in(Status.PROCESSING)
    message = services.dossier_message_send(
        dossier_id=dossier.pk,
        actor=world.applicant,
        body="Ảnh chụp",
        upload=pdf("anh.bat", PNG),
    )
    assert (message.attachment.name, message.attachment.original_name) == ("anh.png", "anh.bat")
    official = force_login_verified(Client(), world.specialist)
    url = f"/mot-cua/ho-so/{dossier.ref}/tin-nhan/{message.pk}/tep/"
    assert official.get(url)["Content-Disposition"] == _disposition("anh.png")

    services.dossier_propose(dossier_id=dossier.pk, actor=world.specialist)
    services.dossier_approve(
        dossier_id=dossier.pk, actor=world.leader, result_upload=pdf("ket-qua.cmd")
    )
    result = dossier.documents.get(is_result=True).file
    assert result.name == "ket-qua.pdf"
    citizen = Client()
    citizen.force_login(world.applicant)
    listing = citizen.get(reverse("portal:my-documents")).content.decode()
    assert "ket-qua.pdf" in listing and "tải lên với tên “ket-qua.cmd”" in listing
    download = citizen.get(reverse("portal:my-document-file", kwargs={"pk": result.pk}))
    assert download["Content-Disposition"] == _disposition("ket-qua.pdf")


def test_a_file_whose_name_already_matches_shows_no_second_name(client):
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    client.force_login(world.applicant)
    page = client.get(dossier.get_absolute_url()).content.decode()
    assert "giay-to.pdf" in page and "tải lên với tên" not in page


def test_the_data_migration_renames_existing_files_and_keeps_their_names():
    world = World()
    dossier = world.dossier_in(Status.SUBMITTED)
    stored = dossier.documents.get().file
    # A row as the upload check wrote it before stored names existed.
    StoredFile.objects.filter(pk=stored.pk).update(name="to-khai.hta", original_name="")
    done = StoredFile.objects.create(
        owner=world.applicant,
        name="anh.png",
        original_name="anh.exe",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
    )
    migration = importlib.import_module("dossiers.migrations.0012_storedfile_safe_names")

    migration.forwards(apps, None)
    migration.forwards(apps, None)  # a resumed run changes nothing more

    stored.refresh_from_db()
    done.refresh_from_db()
    assert (stored.name, stored.original_name) == ("to-khai.pdf", "to-khai.hta")
    assert (done.name, done.original_name) == ("anh.png", "anh.exe")
