"""Deadline from the calendar at receipt, pauses that move it; file checks; bad input."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone, translation

from dossiers import services
from dossiers.constants import Status
from dossiers.files import safe_name, sniff
from dossiers.models import DossierDocument, StoredFile
from tests.dossiers.factories import PNG, docx, pdf
from tests.helpers import ignore_triggers

# Forms are issued along the way but not read here: not laid out as PDF (fake_pdf).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fake_pdf")]


def freeze_time(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


VN = dt.timezone(dt.timedelta(hours=7))


def test_receipt_sets_due_date_and_a_paused_supplement_moves_it(world, settings):
    # The "pause" reading of the supplement rule (the default restarts the clock:
    # test_legal_rules.py); a payment awaited always pauses.
    settings.LEGAL_SUPPLEMENT_CLOCK = "pause"
    with freeze_time(dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)):  # Monday
        dossier = world.dossier_in(Status.PROCESSING)
    # 3 working days from Monday: Thursday at close of office.
    assert timezone.localtime(dossier.due_at) == dt.datetime(2026, 3, 5, 17, 0, tzinfo=VN)
    with freeze_time(dt.datetime(2026, 3, 3, 10, 0, tzinfo=VN)):  # Tuesday
        services.dossier_request_supplement(dossier_id=dossier.pk, actor=world.specialist, note="x")
    with freeze_time(dt.datetime(2026, 3, 6, 10, 0, tzinfo=VN)):  # Friday: 3 working days later
        services.dossier_supplement(dossier_id=dossier.pk, actor=world.applicant, uploads=[pdf()])
    dossier.refresh_from_db()
    assert timezone.localtime(dossier.due_at) == dt.datetime(2026, 3, 10, 17, 0, tzinfo=VN)
    assert dossier.paused_days == 3 and dossier.paused_at is None
    pause, resume = dossier.log.filter(action__in=["request_supplement", "supplement"]).order_by(
        "seq"
    )
    assert pause.data["clock"] == "paused"
    assert resume.data["clock"] == "resumed" and resume.data["paused_working_days"] == 3


def test_content_decides_the_type_not_the_name():
    assert sniff(pdf().read()) == "pdf"
    assert sniff(PNG) == "png"
    assert sniff(docx().read()) == "docx"
    assert sniff(b"MZ\x90\x00 not a pdf") is None
    assert safe_name("../../etc/<passwd>.pdf") == "passwd.pdf"
    assert safe_name("C:\\Users\\Hà\\Giấy khai sinh.pdf") == "Giấy khai sinh.pdf"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf("virus.pdf", b"MZ\x90\x00executable"), "không thuộc loại được chấp nhận"),
        (pdf("empty.pdf", b""), "trống"),
        (pdf("big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024)), "lớn hơn 1 MB"),
    ],
)
def test_bad_files_are_refused_with_a_message_and_leave_nothing(world, settings, upload, message):
    # Published versions are frozen in the database; this test alone needs a 1 MB limit
    # on the world's already published document.
    with ignore_triggers("procedures.RequiredDocument:frozen_content"):
        world.document.max_size_mb = 1
        world.document.save()
    dossier = world.draft()
    with pytest.raises(services.DossierError) as error:
        services.dossier_attach_file(
            dossier_id=dossier.pk,
            actor=world.applicant,
            required_document_id=world.document.pk,
            upload=upload,
        )
    assert message in " ".join(error.value.messages)
    assert not DossierDocument.objects.exists() and not StoredFile.objects.exists()


def test_a_rolled_back_attachment_leaves_no_file(world, monkeypatch):
    from django.core.files.storage import storages

    dossier = world.draft()
    monkeypatch.setattr(
        DossierDocument.objects, "create", lambda **kw: (_ for _ in ()).throw(RuntimeError)
    )
    with pytest.raises(RuntimeError):
        services.dossier_attach_file(
            dossier_id=dossier.pk,
            actor=world.applicant,
            required_document_id=world.document.pk,
            upload=pdf(),
        )
    storage = storages["default"]
    assert not StoredFile.objects.exists()
    assert not storage.exists("dossier-files") or not storage.listdir("dossier-files")[1]


def test_incomplete_draft_cannot_be_submitted(world):
    dossier = world.draft()
    with pytest.raises(services.DossierIncomplete) as error:
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    assert "full_name" in error.value.problems["declaration"]
    assert error.value.problems["missing"] == [world.document]
    dossier.refresh_from_db()
    assert dossier.status == Status.DRAFT and dossier.code is None


def test_submitting_twice_creates_nothing_more(world):
    dossier = world.complete_draft()
    services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    logs = dossier.log.count()
    with pytest.raises(services.TransitionNotAllowed):
        services.dossier_submit(dossier_id=dossier.pk, actor=world.applicant)
    assert dossier.log.count() == logs


def test_withdrawal_needs_a_reason_and_is_refused_after_the_result(world):
    dossier = world.dossier_in(Status.PROCESSING)
    with pytest.raises(services.DossierError):
        services.dossier_withdraw(dossier_id=dossier.pk, actor=world.applicant, reason=" ")
    ready = world.dossier_in(Status.RESULT_READY)
    with pytest.raises(services.TransitionNotAllowed):
        services.dossier_withdraw(dossier_id=ready.pk, actor=world.applicant, reason="Thôi")


def test_an_evaluation_is_checked_and_once_per_moment(world):
    dossier = world.dossier_in(Status.RETURNED)
    scores = {
        "overall": 5,
        "guidance": 5,
        "staff_attitude": 4,
        "transparency": 5,
        "contacts": 5,
        "timeliness": 5,
        "result_conformity": 5,
    }
    rate = services.dossier_rate
    for wrong in ({**scores, "overall": 9}, {**scores, "overall": True}, {"overall": 5}):
        with pytest.raises(services.DossierError):
            rate(dossier_id=dossier.pk, actor=world.applicant, moment="result", scores=wrong)
    rate(dossier_id=dossier.pk, actor=world.applicant, moment="result", scores=scores)
    with translation.override("en"), pytest.raises(services.DossierError, match="already"):
        rate(dossier_id=dossier.pk, actor=world.applicant, moment="result", scores=scores)
