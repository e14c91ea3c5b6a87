"""Messages with attachments between the applicant and the agency: sending from the
dossier page, downloads on both sides, bad files and every permission."""

import pytest
from django.test import Client
from django.urls import reverse

from dossiers import services
from dossiers.constants import Action, Status
from dossiers.integrity import verify_chains
from dossiers.models import DossierLog, DossierMessage, StoredFile
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import PDF, World, pdf
from tests.helpers import force_login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def _counts(dossier):
    return (
        DossierMessage.objects.filter(dossier=dossier).count(),
        StoredFile.objects.count(),
        DossierLog.objects.filter(dossier=dossier).count(),
    )


def _attachment_url(dossier, message):
    return reverse("portal:dossier-message-attachment", args=[dossier.ref, message.pk])


def test_citizen_sends_a_message_with_a_file_and_downloads_it(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    client.force_login(world.applicant)

    response = client.post(
        reverse("portal:dossier-message", args=[dossier.ref]),
        {"body": "Tôi gửi thêm bản chụp giấy khai sinh.", "attachment": pdf("khai-sinh.pdf")},
    )

    assert response.status_code == 302
    message = dossier.messages.get()
    assert message.attachment.name == "khai-sinh.pdf" and not message.from_agency
    assert message.attachment.sha256 and message.attachment.owner == world.applicant
    assert dossier.log.filter(action=Action.MESSAGE).count() == 1
    assert list(verify_chains()) == []
    page = client.get(dossier.get_absolute_url()).content.decode()
    url = _attachment_url(dossier, message)
    assert url in page and "khai-sinh.pdf" in page
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Cache-Control"] == "private, no-store"


def test_a_message_without_a_file_still_works(client, world):
    dossier = world.dossier_in(Status.SUBMITTED)
    client.force_login(world.applicant)
    client.post(reverse("portal:dossier-message", args=[dossier.ref]), {"body": "Xin chào"})
    assert dossier.messages.get().attachment is None


@pytest.mark.parametrize(
    ("upload", "text"),
    [
        (pdf("virus.pdf", b"MZ\x90\x00 not a pdf"), "không"),
        (pdf("lon.pdf", PDF + b"0" * (1024 * 1024 + 10)), "MB"),
    ],
    ids=["type", "size"],
)
def test_a_bad_file_is_refused_and_nothing_is_written(client, world, settings, upload, text):
    settings.DOSSIER_MAX_FILE_MB = 1
    dossier = world.dossier_built(Status.PROCESSING)
    client.force_login(world.applicant)
    before = _counts(dossier)

    response = client.post(
        reverse("portal:dossier-message", args=[dossier.ref]),
        {"body": "Kèm tệp", "attachment": upload},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and text in html
    assert _counts(dossier) == before


def test_officials_download_the_citizens_file_from_the_workbench():
    a, b = two_wards()
    dossier = a.dossier_built(Status.PROCESSING)
    message = services.dossier_message_send(
        dossier_id=dossier.pk, actor=a.applicant, body="Bản chụp", upload=pdf("ban-chup.pdf")
    )
    url = f"/mot-cua/ho-so/{dossier.ref}/tin-nhan/{message.pk}/tep/"

    mine = force_login_verified(Client(), a.specialist)
    assert url in mine.get(f"/mot-cua/ho-so/{dossier.ref}/").content.decode()
    response = mine.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF

    assert force_login_verified(Client(), b.specialist).get(url).status_code == 404
    citizen = Client()
    citizen.force_login(a.applicant)
    assert citizen.get(url).status_code in (302, 403)
    assert Client().get(url).status_code == 302


def test_the_agencys_file_reaches_the_citizen_and_no_one_else(client, world):
    dossier = world.dossier_built(Status.PROCESSING)
    message = services.dossier_message_send(
        dossier_id=dossier.pk, actor=world.specialist, body="Mẫu tờ khai", upload=pdf("mau.pdf")
    )
    url = _attachment_url(dossier, message)

    client.force_login(world.applicant)
    assert url in client.get(dossier.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200
    client.force_login(world.other)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_message_of_another_dossier_is_not_found_through_mine(client, world):
    mine = world.dossier_built(Status.PROCESSING)
    theirs = world.dossier_built(Status.PROCESSING)
    message = services.dossier_message_send(
        dossier_id=theirs.pk, actor=world.applicant, body="x", upload=pdf()
    )
    without_file = services.dossier_message_send(
        dossier_id=mine.pk, actor=world.applicant, body="y"
    )
    client.force_login(world.applicant)
    assert client.get(_attachment_url(mine, message)).status_code == 404
    assert client.get(_attachment_url(mine, without_file)).status_code == 404
