"""The standard documents (forms 01-06), the apology rule for overdue dossiers, and
recording and returning the signed result. PDF text is read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from unittest import mock

import pytest
from django.utils import timezone

from dossiers import documents, services
from dossiers.constants import Action, FileKind, Status
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierDocument, DossierLog, IssuedDocument, StoredFile
from dossiers.selectors import stored_files_for
from dossiers.workflow import TransitionNotAllowed
from procedures.calendar import WorkingCalendar
from tests.backoffice.worlds import two_wards
from tests.dossiers.factories import PNG, docx, pdf
from tests.helpers import ignore_triggers

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=content, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def issued_text(dossier, form) -> str:
    issued = IssuedDocument.objects.get(dossier=dossier, form=form)
    with issued.file.open("rb") as f:
        return pdf_text(f.read())


def writes(pk):
    """Everything an action could write, to compare before and after a refusal."""
    d = Dossier.objects.get(pk=pk)
    return (
        d.status,
        d.due_at,
        d.return_mode,
        DossierLog.objects.filter(dossier_id=pk).count(),
        IssuedDocument.objects.count(),
        DossierDocument.objects.count(),
        StoredFile.objects.filter(deleted_at__isnull=True).count(),
    )


def make_overdue(dossier, days=10):
    # Tests only: the appointment passed while nobody acted.
    Dossier.objects.filter(pk=dossier.pk).update(due_at=timezone.now() - dt.timedelta(days=days))
    dossier.refresh_from_db()


def next_working_day():
    return WorkingCalendar.load().next_working_day(timezone.localdate())


def day(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y")


# --- forms 01-05 issued with their action ----------------------------------------------


def test_receive_issues_form_01_with_code_names_documents_and_due_date(world):
    dossier = world.dossier_in(Status.RECEIVED)

    issued = IssuedDocument.objects.get(dossier=dossier)
    entry = issued.log
    assert (issued.form, entry.action) == ("01", Action.RECEIVE)
    with issued.file.open("rb") as f:
        content = f.read()
    # The issuing row names the form and its verification number; the row the writer
    # logged after it names the file by its hash: the chain vouches for the PDF.
    assert entry.data["document"] == {"form": "01", "number": issued.number}
    written = DossierLog.objects.get(dossier=dossier, action=Action.DOCUMENT_WRITTEN)
    assert (written.actor_role, written.visibility, written.seq) == (
        "system",
        "internal",
        entry.seq + 1,
    )
    assert written.data["document"] == {
        "form": "01",
        "issued": issued.pk,
        "issued_by": entry.seq,
        "number": issued.number,
        "sha256": hashlib.sha256(content).hexdigest(),
        # The agency of this test has no certificate: issued unsigned, and flagged.
        "signature": {"status": "unsigned", "reason": "no certificate", "number": issued.number},
    }
    assert issued.sha256 == hashlib.sha256(content).hexdigest()
    text = pdf_text(content)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert dossier.code in text
    assert "Phạm Thu Hà" in text
    assert dossier.version.procedure.name in text
    assert "Tờ khai đăng ký" in text
    assert world.agency.name.upper() in text
    assert day(dossier.received_at) in text
    assert day(dossier.due_at) in text  # the appointment computed by the calendar
    assert dossier.due_at == services.compute_due_at(dossier, dossier.received_at)


@pytest.mark.parametrize(
    ("state", "form", "title", "reason"),
    [
        (Status.REFUSED, "03", "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Sai thẩm quyền"),
        (
            Status.SUPPLEMENT_REQUESTED,
            "02",
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "Thiếu bản sao giấy khai sinh",
        ),
        (Status.STOPPED, "05", "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Không đủ điều kiện"),
    ],
)
def test_refusal_supplement_and_stop_issue_their_form_with_the_reason(
    world, state, form, title, reason
):
    dossier = world.dossier_in(state)

    text = issued_text(dossier, form)
    assert title in text
    assert reason in text
    assert dossier.code in text and "Phạm Thu Hà" in text


def test_a_failing_pdf_keeps_the_issuance_and_counts_the_failure(world, monkeypatch):
    dossier = world.dossier_in(Status.SUBMITTED)

    def broken(*args, **kwargs):
        raise OSError("no fonts")

    monkeypatch.setattr(documents.pdf, "render_pdf", broken)
    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)

    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED
    issued = IssuedDocument.objects.get(dossier=dossier)
    assert (issued.state, issued.attempts, issued.sha256) == ("pending", 1, "")
    assert "no fonts" in issued.last_error
    assert not DossierLog.objects.filter(action=Action.DOCUMENT_WRITTEN).exists()

    # Retried after a backoff (the sweep leaves it until then) until it works; after
    # the last attempt it is shown as failed instead.
    monkeypatch.undo()
    assert issued.retry_at > timezone.now()
    assert documents.sweep(older_than=0) == 0
    IssuedDocument.objects.filter(pk=issued.pk).update(retry_at=timezone.now())
    assert documents.sweep(older_than=0) == 1
    issued.refresh_from_db()
    assert (issued.state, issued.last_error) == ("ready", "")


def test_a_form_failing_every_attempt_is_shown_as_failed(world, monkeypatch, settings):
    settings.ISSUED_DOCUMENT_MAX_ATTEMPTS = 2
    monkeypatch.setattr(documents.pdf, "render_pdf", mock.Mock(side_effect=OSError("x")))
    dossier = world.dossier_in(Status.SUBMITTED)
    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    issued = IssuedDocument.objects.get(dossier=dossier)
    documents.write(issued.pk)
    issued.refresh_from_db()
    assert (issued.state, issued.attempts) == ("failed", 2)
    # The sweep has given up on it; an administrator resets its attempts to retry.
    assert documents.sweep(older_than=0) == 0


class WorkerKilled(BaseException):
    """What a worker's death looks like from inside: nothing after it runs."""


def test_a_rendering_that_kills_its_worker_is_counted_and_given_up_on(world, monkeypatch, settings):
    settings.ISSUED_DOCUMENTS_WRITE_INLINE = False
    settings.ISSUED_DOCUMENT_MAX_ATTEMPTS = 2
    dossier = world.dossier_in(Status.SUBMITTED)
    services.dossier_receive(dossier_id=dossier.pk, actor=world.receptionist)
    issued = IssuedDocument.objects.get(dossier=dossier)
    render = mock.Mock(side_effect=WorkerKilled)
    monkeypatch.setattr(documents.pdf, "render_pdf", render)

    with pytest.raises(WorkerKilled):
        documents.write(issued.pk)
    issued.refresh_from_db()
    # Counted before the rendering, so the death is an attempt; the sweep waits.
    assert (issued.state, issued.attempts) == ("pending", 1)
    assert "Interrupted" in issued.last_error and issued.retry_at > timezone.now()
    assert documents.sweep(older_than=0) == 0

    IssuedDocument.objects.filter(pk=issued.pk).update(retry_at=timezone.now())
    with pytest.raises(WorkerKilled):
        documents.sweep(older_than=0)
    issued.refresh_from_db()
    assert (issued.state, issued.attempts) == ("failed", 2)
    # Given up on: neither the sweep nor a late task renders it again.
    IssuedDocument.objects.filter(pk=issued.pk).update(retry_at=timezone.now())
    assert documents.sweep(older_than=0) == 0
    assert documents.write(issued.pk) is None
    assert render.call_count == 2


def test_wrong_role_or_state_issues_nothing(world):
    dossier = world.dossier_in(Status.SUBMITTED)
    before = writes(dossier.pk)
    for person in (world.applicant, world.other, world.specialist):
        with pytest.raises(TransitionNotAllowed):
            services.dossier_receive(dossier_id=dossier.pk, actor=person)
    with pytest.raises(TransitionNotAllowed):
        services.dossier_stop(dossier_id=dossier.pk, actor=world.specialist, reason="x")
    assert writes(dossier.pk) == before


def test_the_applicant_sees_forms_01_to_05_only_of_their_own_dossier(world):
    dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)
    forms = list(documents.issued_for_applicant(dossier).values_list("form", flat=True))
    assert forms == ["01", "02"]


# --- apology and new appointment (form 04) ------------------------------------------------


def test_an_overdue_dossier_cannot_move_on_without_an_apology(world):
    dossier = world.dossier_in(Status.PROCESSING)
    make_overdue(dossier)
    before = writes(dossier.pk)

    with pytest.raises(DossierError, match="quá hạn"):
        services.dossier_propose(dossier_id=dossier.pk, actor=world.specialist)
    with pytest.raises(DossierError, match="quá hạn"):
        services.dossier_request_supplement(
            dossier_id=dossier.pk, actor=world.specialist, note="Thiếu giấy"
        )
    assert writes(dossier.pk) == before

    # Internal notes and messages are not transitions: still possible.
    services.dossier_note_add(dossier_id=dossier.pk, actor=world.specialist, note="Đang chờ")
    services.dossier_message_send(dossier_id=dossier.pk, actor=world.specialist, body="Xin lỗi")


def test_the_applicant_may_withdraw_an_overdue_dossier(world):
    dossier = world.dossier_in(Status.PROCESSING)
    make_overdue(dossier)
    services.dossier_withdraw(dossier_id=dossier.pk, actor=world.applicant, reason="Không cần")
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN


def test_apology_moves_the_appointment_issues_form_04_and_unblocks(world):
    dossier = world.dossier_in(Status.PROCESSING)
    make_overdue(dossier)
    old_due = dossier.due_at
    new_date = next_working_day()

    services.dossier_apologise(
        dossier_id=dossier.pk,
        actor=world.specialist,
        reason="Chờ ý kiến cơ quan phối hợp",
        new_date=new_date,
    )

    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert timezone.localtime(dossier.due_at).date() == new_date
    entry = dossier.log.exclude(action=Action.DOCUMENT_WRITTEN).order_by("-seq").first()
    assert entry.action == Action.APOLOGISE
    assert entry.data["due_at_before"] == old_due.isoformat()
    text = issued_text(dossier, "04")
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert "Chờ ý kiến cơ quan phối hợp" in text
    assert new_date.strftime("%d/%m/%Y") in text
    assert day(old_due) in text
    assert dossier.code in text and "Phạm Thu Hà" in text

    services.dossier_propose(dossier_id=dossier.pk, actor=world.specialist)
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL


def test_a_result_ready_overdue_dossier_needs_the_apology_before_return(world):
    dossier = world.dossier_in(Status.RESULT_READY)
    make_overdue(dossier)
    with pytest.raises(DossierError):
        services.dossier_return_result(dossier_id=dossier.pk, actor=world.receptionist)
    services.dossier_apologise(
        dossier_id=dossier.pk,
        actor=world.receptionist,
        reason="Trễ ký",
        new_date=next_working_day(),
    )
    services.dossier_return_result(dossier_id=dossier.pk, actor=world.receptionist)
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED


def test_apology_input_and_permission_failures_write_nothing(world):
    dossier = world.dossier_in(Status.PROCESSING)
    make_overdue(dossier)
    before = writes(dossier.pk)
    calendar = WorkingCalendar.load()
    saturday = timezone.localdate() + dt.timedelta(days=(5 - timezone.localdate().weekday()) % 7)
    if saturday == timezone.localdate():
        saturday += dt.timedelta(days=7)
    assert not calendar.is_working_day(saturday)
    bad_dates = [timezone.localdate(), timezone.localdate() - dt.timedelta(days=3), saturday, None]
    for bad in bad_dates:
        with pytest.raises(DossierError):
            services.dossier_apologise(
                dossier_id=dossier.pk, actor=world.specialist, reason="x", new_date=bad
            )
    with pytest.raises(DossierError):
        services.dossier_apologise(
            dossier_id=dossier.pk, actor=world.specialist, reason=" ", new_date=next_working_day()
        )
    for person in (world.applicant, world.other):
        with pytest.raises(TransitionNotAllowed):
            services.dossier_apologise(
                dossier_id=dossier.pk, actor=person, reason="x", new_date=next_working_day()
            )
    assert writes(dossier.pk) == before


def test_an_official_of_another_agency_cannot_apologise():
    a, b = two_wards()
    theirs = b.dossier_in(Status.PROCESSING)
    make_overdue(theirs)
    before = writes(theirs.pk)
    for outsider in (a.leader, a.specialist, a.receptionist):
        with pytest.raises(TransitionNotAllowed):
            services.dossier_apologise(
                dossier_id=theirs.pk, actor=outsider, reason="x", new_date=next_working_day()
            )
    assert writes(theirs.pk) == before


def test_no_apology_for_a_dossier_on_time(world):
    dossier = world.dossier_in(Status.PROCESSING)
    before = writes(dossier.pk)
    with pytest.raises(DossierError):
        services.dossier_apologise(
            dossier_id=dossier.pk, actor=world.leader, reason="x", new_date=next_working_day()
        )
    assert writes(dossier.pk) == before


def test_late_again_after_its_one_extension_the_dossier_is_late_not_blocked(world):
    dossier = world.dossier_in(Status.PROCESSING)
    make_overdue(dossier, days=20)
    services.dossier_apologise(
        dossier_id=dossier.pk, actor=world.leader, reason="x", new_date=next_working_day()
    )
    apology = dossier.log.get(action=Action.APOLOGISE).created_at
    # The new appointment passes too: the appointment moves only once, so no second
    # apology is asked for (nor accepted) and the dossier moves on, late.
    Dossier.objects.filter(pk=dossier.pk).update(due_at=apology + dt.timedelta(seconds=1))
    later = apology + dt.timedelta(minutes=10)
    with mock.patch.object(timezone, "now", return_value=later):
        with pytest.raises(DossierError):
            services.dossier_apologise(
                dossier_id=dossier.pk, actor=world.leader, reason="y", new_date=next_working_day()
            )
        services.dossier_propose(dossier_id=dossier.pk, actor=world.specialist)
    dossier.refresh_from_db()
    assert dossier.status == Status.AWAITING_APPROVAL


# --- the signed result and its return ---------------------------------------------------


def test_recording_the_signed_result_replaces_the_draft(world):
    dossier = world.dossier_in(Status.RESULT_READY)
    draft = dossier.documents.get(is_result=True)

    services.dossier_record_result(
        dossier_id=dossier.pk,
        actor=world.receptionist,
        upload=pdf("ket-qua-da-ky.pdf", content=b"%PDF-1.4\nsigned\n%%EOF\n"),
    )

    draft.refresh_from_db()
    draft.file.refresh_from_db()
    assert draft.superseded_at is not None and draft.file.deleted_at is not None
    current = dossier.documents.get(is_result=True, superseded_at__isnull=True)
    assert current.file.name == "ket-qua-da-ky.pdf"
    assert current.file.owner == world.applicant and current.file.kind == FileKind.RESULT
    entry = dossier.log.order_by("-seq").first()
    assert entry.action == Action.RECORD_RESULT
    assert entry.data["replaced"] == [{"name": "kq.pdf", "sha256": draft.file.sha256}]
    assert entry.data["result"]["name"] == "ket-qua-da-ky.pdf"


def test_recording_a_bad_file_or_by_the_wrong_role_writes_nothing(world):
    processing = world.dossier_in(Status.PROCESSING)
    dossier = world.dossier_in(Status.RESULT_READY)
    before = writes(dossier.pk)
    for upload in (docx(), pdf("x.pdf", content=b"not a pdf"), None):
        with pytest.raises(DossierError):
            services.dossier_record_result(
                dossier_id=dossier.pk, actor=world.receptionist, upload=upload
            )
    for person in (world.specialist, world.applicant, world.other):
        with pytest.raises(TransitionNotAllowed):
            services.dossier_record_result(dossier_id=dossier.pk, actor=person, upload=pdf())
    with pytest.raises(TransitionNotAllowed):
        services.dossier_record_result(
            dossier_id=processing.pk, actor=world.receptionist, upload=pdf()
        )
    assert writes(dossier.pk) == before


def test_return_by_post_needs_a_tracking_number_and_lands_in_my_documents(world):
    dossier = world.dossier_in(Status.RESULT_READY)
    services.dossier_record_result(
        dossier_id=dossier.pk,
        actor=world.leader,
        upload=pdf("signed.png", content=PNG),
    )
    before = writes(dossier.pk)
    with pytest.raises(DossierError):
        services.dossier_return_result(
            dossier_id=dossier.pk, actor=world.receptionist, mode="post", postal_tracking=" "
        )
    with pytest.raises(DossierError):
        services.dossier_return_result(
            dossier_id=dossier.pk, actor=world.receptionist, mode="pigeon"
        )
    assert writes(dossier.pk) == before

    services.dossier_return_result(
        dossier_id=dossier.pk, actor=world.receptionist, mode="post", postal_tracking="EB123VN"
    )

    dossier.refresh_from_db()
    assert (dossier.status, dossier.return_mode, dossier.postal_tracking) == (
        Status.RETURNED,
        "post",
        "EB123VN",
    )
    entry = dossier.log.order_by("-seq").first()
    assert entry.data["mode"] == "post" and entry.data["postal_tracking"] == "EB123VN"
    names = set(stored_files_for(world.applicant).values_list("name", flat=True))
    assert "signed.png" in names and "kq.pdf" not in names
    assert not stored_files_for(world.other).filter(name="signed.png").exists()


# --- form 06 and the deadline plan ---------------------------------------------------------


def test_control_sheet_lists_each_hand_over_on_time_or_late(world):
    dossier = world.dossier_in(Status.PROCESSING)
    make_overdue(dossier, days=2)
    services.dossier_apologise(
        dossier_id=dossier.pk, actor=world.specialist, reason="x", new_date=next_working_day()
    )
    services.dossier_propose(dossier_id=dossier.pk, actor=world.specialist)
    dossier.refresh_from_db()

    rows = documents.control_rows(dossier)
    labels = dict(Action.choices)
    expected = [Action.SUBMIT, Action.RECEIVE, Action.ASSIGN, Action.APOLOGISE, Action.PROPOSE]
    assert [r.action for r in rows] == [labels[a] for a in expected]
    assign = rows[2]
    assert assign.handed_by == str(world.receptionist)
    assert assign.received_by == str(world.specialist)
    # Judged against the appointment of the receipt, which had not passed yet.
    assert [r.late for r in rows] == [None, None, False, False, False]
    text = pdf_text(documents.control_sheet_pdf(dossier))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert dossier.code in text and "Phạm Thu Hà" in text
    assert str(world.specialist) in text and "Đúng hạn" in text


def test_control_sheet_marks_a_step_taken_after_the_appointment_as_late(world):
    dossier = world.dossier_in(Status.RECEIVED)
    # The receipt logged a due date; pretend that date is long gone for the next step.
    receipt = dossier.log.get(action=Action.RECEIVE)
    rows_before = documents.control_rows(dossier)
    assert rows_before[-1].late is None  # nothing was due before the receipt
    later = receipt.created_at + dt.timedelta(days=60)
    make_overdue(dossier, days=1)
    with mock.patch.object(timezone, "now", return_value=later):
        services.dossier_apologise(
            dossier_id=dossier.pk,
            actor=world.receptionist,
            reason="Quá tải",
            new_date=WorkingCalendar.load().next_working_day(timezone.localdate()),
        )
    rows = documents.control_rows(dossier)
    assert rows[-1].late is True
    assert "Quá hạn" in pdf_text(documents.control_sheet_pdf(dossier))


def test_step_plan_from_allotted_days_and_pause_history(world):
    from procedures.models import WorkflowStep

    dossier = world.dossier_in(Status.SUPPLEMENT_REQUESTED)
    calendar = WorkingCalendar.load()
    assert documents.step_plan(dossier, calendar) == []  # no steps: the pauses are shown
    pauses = documents.pause_history(dossier.log.order_by("seq"))
    assert len(pauses) == 1 and pauses[0].until is None

    # A published version's steps are frozen by a trigger; a test may add some.
    with ignore_triggers("procedures.WorkflowStep:frozen_content"):
        for position, (name, role, days) in enumerate(
            [("Thẩm định", "specialist", 2), ("Ký duyệt", "leader", 1)]
        ):
            WorkflowStep.objects.create(
                version=dossier.version, name=name, role=role, allotted_days=days,
                position=position,
            )  # fmt: skip
    plan = documents.step_plan(dossier, calendar)
    start = calendar.clock_start(dossier.received_at)
    assert [(p.name, p.due) for p in plan] == [
        ("Thẩm định", calendar.add_working_days(start, 1)),
        ("Ký duyệt", calendar.add_working_days(start, 2)),
    ]


def test_return_online_needs_a_recorded_result(world):
    dossier = world.dossier_in(Status.AWAITING_APPROVAL)
    services.dossier_approve(dossier_id=dossier.pk, actor=world.leader)  # no file yet
    before = writes(dossier.pk)
    with pytest.raises(DossierError):
        services.dossier_return_result(
            dossier_id=dossier.pk, actor=world.receptionist, mode="online"
        )
    assert writes(dossier.pk) == before
    services.dossier_record_result(dossier_id=dossier.pk, actor=world.leader, upload=pdf("kq.pdf"))
    services.dossier_return_result(dossier_id=dossier.pk, actor=world.receptionist, mode="online")
    dossier.refresh_from_db()
    assert (dossier.status, dossier.return_mode, dossier.postal_tracking) == (
        Status.RETURNED,
        "online",
        "",
    )
