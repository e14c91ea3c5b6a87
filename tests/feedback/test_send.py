"""Sending feedback: the subject decides the agency, files are checked like dossier
uploads, the code is unique, and a refusal writes nothing."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.constants import Status as DossierStatus
from dossiers.errors import DossierError
from dossiers.models import OutboxEvent, StoredFile
from feedback import services
from feedback.constants import Action, Kind, Status, Subject
from feedback.errors import FeedbackError
from feedback.models import Feedback, FeedbackAttachment, FeedbackLog
from tests.dossiers.factories import pdf
from tests.procedures.factories import AgencyFactory

pytestmark = pytest.mark.django_db
VN = dt.timezone(dt.timedelta(hours=7))


def test_send_without_attachment_writes_item_history_and_event(world, send):
    item = send(kind=Kind.RECOMMENDATION, public_consent=True)
    assert re.fullmatch(r"PA-\d{6}-0001", item.code)
    assert item.status == Status.RECEIVED and item.agency == world.agency
    assert item.sender == world.applicant and item.public_consent
    assert item.due_at > item.created_at
    row = FeedbackLog.objects.get(feedback=item)
    assert (row.action, row.from_status, row.to_status) == (Action.SEND, "", Status.RECEIVED)
    event = OutboxEvent.objects.get(kind="feedback_received")
    assert event.dossier is None
    assert event.data["sender"] == world.applicant.pk
    assert event.data["code"] == item.code and event.data["ref"] == str(item.ref)


def test_send_with_attachment_stores_the_sniffed_file(world, send):
    item = send(uploads=[pdf("anh-chup.pdf")])
    attachment = FeedbackAttachment.objects.get(feedback=item)
    assert attachment.file.owner == world.applicant
    assert attachment.file.content_type == "application/pdf"
    assert attachment.file.name == "anh-chup.pdf"


def test_bad_file_is_refused_in_vietnamese_and_nothing_is_written(world, send):
    bad = SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not a document")
    from django.utils import translation

    with translation.override("vi"), pytest.raises(DossierError) as refused:
        send(uploads=[pdf(), bad])
    message = " ".join(refused.value.messages)
    # The dossiers' own check and wording: "Tệp “virus.exe” không thuộc loại được chấp nhận".
    assert "virus.exe" in message and "không thuộc loại được chấp nhận" in message
    assert not Feedback.objects.exists()
    assert not FeedbackLog.objects.exists()
    assert not StoredFile.objects.exists()
    assert not OutboxEvent.objects.filter(kind__startswith="feedback").exists()


def test_too_many_files_and_empty_text_are_refused(send):
    with pytest.raises(FeedbackError):
        send(uploads=[pdf(f"{i}.pdf") for i in range(services.MAX_FILES + 1)])
    with pytest.raises(FeedbackError):
        send(text="   ")
    with pytest.raises(FeedbackError):
        send(title="")
    assert not Feedback.objects.exists()


def test_codes_are_unique_and_sequential_per_day(send):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    with mock.patch("django.utils.timezone.now", return_value=monday):
        codes = [send().code for _ in range(3)]
    with mock.patch("django.utils.timezone.now", return_value=monday + dt.timedelta(days=1)):
        codes.append(send().code)
    assert codes == ["PA-260302-0001", "PA-260302-0002", "PA-260302-0003", "PA-260303-0001"]


def test_a_refused_send_gives_its_number_back(send):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    with mock.patch("django.utils.timezone.now", return_value=monday):
        first = send().code
        with pytest.raises(DossierError):
            send(uploads=[SimpleUploadedFile("x.txt", b"plain text")])
        second = send().code
    assert (first, second) == ("PA-260302-0001", "PA-260302-0002")


def test_about_a_dossier_goes_to_its_competent_agency(world, send):
    dossier = world.dossier_built(DossierStatus.PROCESSING)
    item = send(subject=Subject.DOSSIER, dossier=dossier, agency=None)
    assert item.agency == dossier.competent_agency
    assert item.dossier == dossier and item.procedure == world.procedure


def test_about_someone_elses_dossier_is_refused(world, send):
    dossier = world.dossier_built(DossierStatus.PROCESSING)
    with pytest.raises(FeedbackError):
        send(sender=world.other, subject=Subject.DOSSIER, dossier=dossier, agency=None)
    assert not Feedback.objects.exists()


def test_about_a_procedure_uses_its_only_competent_agency_or_the_chosen_one(world, send):
    world.procedure.competent_agencies.set([world.agency])
    item = send(subject=Subject.PROCEDURE, procedure=world.procedure, agency=None)
    assert item.agency == world.agency
    other = AgencyFactory(code="000.00.32.H29")
    world.procedure.competent_agencies.add(other)
    with pytest.raises(FeedbackError):
        send(subject=Subject.PROCEDURE, procedure=world.procedure, agency=None)
    stranger = AgencyFactory(code="000.00.33.H29")
    with pytest.raises(FeedbackError):
        send(subject=Subject.PROCEDURE, procedure=world.procedure, agency=stranger)
    chosen = send(subject=Subject.PROCEDURE, procedure=world.procedure, agency=other)
    assert chosen.agency == other


def test_anonymous_cannot_send(world, send):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(FeedbackError):
        send(sender=AnonymousUser())
    assert not Feedback.objects.exists()
