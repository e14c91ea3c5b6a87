"""The standard one-stop documents (`dossiers.legal.FORMS`, titles in `legal.FORM_TITLES`).

Forms 01-05 are issued by the action that produces them, inside its transaction: the
`IssuedDocument` row, its verification number and the log row that names it are
written with the action (`dossiers.services.dossier_transition` calls `prepare` before
the log row and `store` after it), so the issuance exists exactly when the action
commits. The PDF is not rendered there (WeasyPrint and the signature were most of a
transition's time): right after the commit a Celery worker renders it from the
issuing log row, seals it with the agency's certificate, stores it and logs its
SHA-256 and the signature's outcome in a system row of its own (`write`). A worker
that dies, or Redis down at the commit, leaves the row without its file: the beat
sweep (`sweep`) writes it a minute later. A rendering that fails is retried with a
backoff and, after ISSUED_DOCUMENT_MAX_ATTEMPTS, shown to the officials as failed.
Until then the pages say the document is being prepared, and a download asked for
early waits a few seconds for it (`wait_written`). Form 06, the process control
sheet, is rendered from the log on demand and never stored.

The layouts are the files `templates/pdf/mau-0N.html`; an administrator replaces them
(or shadows them in a template directory listed first) when the Circular changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dossiers import legal, pdf
from dossiers.constants import Action, ActorRole, StandardForm, Status, Visibility
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierLog, IssuedDocument
from signing import services as signing
from signing.signers import SigningFailed

logger = logging.getLogger(__name__)

# The action whose log row issues each form.
FORM_FOR_ACTION = {
    Action.RECEIVE: StandardForm.RECEIPT,
    Action.REQUEST_SUPPLEMENT: StandardForm.SUPPLEMENT,
    Action.REFUSE: StandardForm.REFUSAL,
    Action.APOLOGISE: StandardForm.APOLOGY,
    Action.STOP: StandardForm.STOP,
}
TEMPLATE = "pdf/mau-{form}.html"
# Forms that concern the applicant and are shown on their dossier page.
FOR_APPLICANT = frozenset(FORM_FOR_ACTION.values())
# The desk's forms carry the receiving agency's seal; the others the competent agency's.
DESK_FORMS = frozenset({StandardForm.RECEIPT, StandardForm.SUPPLEMENT, StandardForm.REFUSAL})
# How often a download waiting for its file looks again.
_POLL_SECONDS = 0.2


@dataclass
class Prepared:
    form: str
    number: str


def _received_documents(dossier: Dossier, at=None) -> list[dict]:
    """Form 01's list: one line per required document (with the counts of originals and
    copies the procedure asks for) and the number of files received for it, as the
    dossier stood at `at` (the issuance; now when None)."""
    rows = dossier.documents.select_related("required_document", "file").filter(is_result=False)
    if at is None:
        rows = rows.filter(superseded_at__isnull=True)
    else:
        rows = rows.filter(added_at__lte=at).exclude(superseded_at__lte=at)
    lines: dict = {}
    for doc in rows:
        key = doc.required_document_id or f"extra-{doc.pk}"
        line = lines.setdefault(
            key,
            {
                "name": doc.required_document.name if doc.required_document else doc.file.name,
                "originals": doc.required_document.originals if doc.required_document else 0,
                "copies": doc.required_document.copies if doc.required_document else 0,
                "files": 0,
            },
        )
        line["files"] += 1
    return list(lines.values())


def _context(
    dossier: Dossier, *, form: str, official: str, note: str, data: dict, now, at=None
) -> dict:
    url = pdf.lookup_url(dossier.code)
    context = {
        "dossier": dossier,
        "form": form,
        "form_label": StandardForm(form).label,
        "form_title": legal.FORM_TITLES[form],
        "official": official,
        "note": note,
        "data": data,
        "now": now,
        "lookup_url": url,
        "qr": pdf.qr_svg(url),
    }
    if form == StandardForm.RECEIPT:
        context["documents"] = _received_documents(dossier, at)
    if form == StandardForm.APOLOGY:
        context["due_before"] = _parse(data.get("due_at_before"))
    return context


def render(form: str, dossier: Dossier, *, actor=None, note="", data=None, now=None) -> bytes:
    """The PDF of `form` for `dossier` as it stands now (tests, previews)."""
    return pdf.render_pdf(
        TEMPLATE.format(form=form),
        _context(
            dossier,
            form=form,
            official=str(actor) if actor is not None else "",
            note=note,
            data=data or {},
            now=now or timezone.now(),
        ),
    )


def render_issued(issued: IssuedDocument, dossier: Dossier) -> bytes:
    """The PDF of an issued form as its action issued it, from the issuing log row:
    its official, note, data and time, and the appointment it set (the dossier's may
    have moved since, by an apology)."""
    entry = issued.log
    data = entry.data
    if "due_at" in data:
        dossier.due_at = _parse(data["due_at"])
    return pdf.render_pdf(
        TEMPLATE.format(form=issued.form),
        _context(
            dossier,
            form=issued.form,
            official=entry.actor_name,
            note=entry.note,
            data=data,
            now=issued.issued_at,
            at=issued.issued_at,
        ),
    )


def prepare(*, dossier: Dossier, action: str, actor, note: str, data: dict, now) -> Prepared | None:
    """Reserve the verification number of the form `action` issues (None when it issues
    none) and name both in `data`, which becomes the issuing log row's data. Renders
    nothing: the worker does, after the commit (`write`)."""
    form = FORM_FOR_ACTION.get(action)
    if form is None:
        return None
    code = dossier.code or ""
    while True:
        number = signing.number_new(code)
        # Not yet in the register of signed documents while its file waits.
        if not IssuedDocument.objects.filter(dossier=dossier, number=number).exists():
            break
    data["document"] = {"form": form, "number": number}
    return Prepared(form, number)


def agency_sign(
    dossier: Dossier, content: bytes, *, form: str, agency, number: str | None = None
) -> signing.Issued:
    """The form sealed with the agency's certificate and registered for /xac-thuc/;
    issued unsigned (and so flagged in the log) when the agency has no certificate.
    Raises DossierError when the signature cannot be made."""
    try:
        return signing.document_sign(
            content,
            # The Circular's title and number, as printed on the form (Vietnamese).
            title=f"{legal.FORM_TITLES[form]} (mẫu số {form})",
            dossier_code=dossier.code or "",
            certificate=signing.certificate_for(agency=agency),
            signer_name=agency.name,
            organisation=agency.name,
            reason=str(StandardForm(form).label),
            number=number,
        )
    except SigningFailed as error:
        raise DossierError(str(error)) from None


def store(*, dossier: Dossier, prepared: Prepared, entry: DossierLog, now) -> IssuedDocument:
    """Record the issued form, linked to the log row that issued it, without its file;
    a worker writes the file once this transaction commits."""
    issued = IssuedDocument.objects.create(
        dossier=dossier, form=prepared.form, number=prepared.number, issued_at=now, log=entry
    )
    if settings.ISSUED_DOCUMENTS_WRITE_INLINE:
        write(issued.pk)
    else:
        transaction.on_commit(partial(write_soon, issued.pk))
    return issued


def write_soon(issued_id: int, *, countdown: float | None = None) -> bool:
    """Ask a worker to write the file of `issued_id` (never raises: the sweep writes it
    when Redis is down)."""
    from dossiers.outbox import enqueue
    from dossiers.tasks import issued_document_write

    return enqueue(
        issued_document_write,
        kwargs={"issued_id": issued_id},
        countdown=countdown,
        what=f"the writing of issued document {issued_id}",
    )


def write(issued_id: int) -> IssuedDocument | None:
    """Render, sign and store the file of an issued form, and log its SHA-256 and the
    signature's outcome (a system row, internal). Idempotent and safe on several
    workers: the row is taken with SKIP LOCKED and only while it has no file, so a
    task run twice, or with the sweep, writes it once. The attempt is counted first,
    in a transaction of its own: a worker killed halfway leaves that count (and
    nothing else) behind, so a document that kills every worker is given up on after
    ISSUED_DOCUMENT_MAX_ATTEMPTS like one that fails. A failure is retried with a
    backoff. Returns the document when this call wrote it."""
    if not _claim(issued_id):
        return None
    try:
        return _write(issued_id)
    except Exception as error:
        logger.exception("issued document %s could not be written", issued_id)
        _write_failed(issued_id, error)
        return None


def _claim(issued_id: int) -> bool:
    """Count an attempt at writing `issued_id` unless it is written, being written or
    given up on. Should this attempt never end, the sweep waits the backoff of a
    failure before the next one."""
    from dossiers.outbox import backoff

    with transaction.atomic():
        issued = (
            IssuedDocument.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=issued_id, file="", attempts__lt=settings.ISSUED_DOCUMENT_MAX_ATTEMPTS)
            .only("pk", "attempts")
            .first()
        )
        if issued is None:
            return False
        IssuedDocument.objects.filter(pk=issued_id).update(
            attempts=F("attempts") + 1,
            retry_at=timezone.now() + dt.timedelta(seconds=backoff(issued.attempts + 1)),
            # What an administrator reads if this attempt never ends.
            last_error="Interrupted: the worker stopped while writing.",
        )
    return True


def _write(issued_id: int) -> IssuedDocument | None:
    from dossiers.services.log import dossier_log_record

    with transaction.atomic():
        issued = (
            IssuedDocument.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("log")
            .filter(pk=issued_id, file="")
            .first()
        )
        if issued is None:  # written already, or another worker is writing it
            return None
        dossier = Dossier.objects.select_related(
            "version__procedure", "receiving_agency", "competent_agency", "business", "applicant"
        ).get(pk=issued.dossier_id)
        content = render_issued(issued, dossier)
        agency = dossier.receiving_agency if issued.form in DESK_FORMS else dossier.competent_agency
        signed = agency_sign(
            dossier, content, form=issued.form, agency=agency, number=issued.number
        )
        issued.file.save("form.pdf", ContentFile(signed.content), save=False)
        try:
            issued.sha256 = signed.sha256
            issued.last_error = ""
            # The attempt counted by _claim did not fail.
            issued.attempts = max(issued.attempts - 1, 0)
            issued.retry_at = None
            issued.save(update_fields=["file", "sha256", "last_error", "attempts", "retry_at"])
            # The dossier's row lock serialises its log's hash chain; taken last and
            # briefly, after the rendering.
            locked = Dossier.objects.select_for_update(of=("self",)).only("pk").get(pk=dossier.pk)
            dossier_log_record(
                dossier=locked,
                actor=None,
                role=ActorRole.SYSTEM,
                action=Action.DOCUMENT_WRITTEN,
                visibility=Visibility.INTERNAL,
                data={
                    "document": {
                        "form": issued.form,
                        "issued": issued.pk,
                        "issued_by": issued.log.seq,
                        "number": issued.number,
                        "sha256": signed.sha256,
                        "signature": signed.log_data(),
                    }
                },
            )
        except BaseException:
            issued.file.storage.delete(issued.file.name)
            raise
    return issued


def _write_failed(issued_id: int, error: Exception) -> None:
    from dossiers.outbox import backoff

    with transaction.atomic():
        issued = IssuedDocument.objects.select_for_update().filter(pk=issued_id, file="").first()
        if issued is None:
            return
        why = " ".join(error.messages) if isinstance(error, DossierError) else str(error)
        issued.last_error = f"{type(error).__name__}: {why}"[:500]
        wait = backoff(issued.attempts)
        issued.retry_at = timezone.now() + dt.timedelta(seconds=wait)
        issued.save(update_fields=["attempts", "last_error", "retry_at"])
    if issued.failed:
        logger.error(
            "issued document %s (form %s of dossier %s) failed %s times; an administrator "
            "must look: %s",
            issued.pk,
            issued.form,
            issued.dossier_id,
            issued.attempts,
            issued.last_error,
        )
    elif not settings.ISSUED_DOCUMENTS_WRITE_INLINE:
        transaction.on_commit(partial(write_soon, issued.pk, countdown=wait))


def sweep(*, older_than: float | None = None, budget_seconds: float = 50.0) -> int:
    """Write the files no worker wrote (a worker died, Redis was down at the commit,
    a retry got lost): the documents issued more than `older_than` seconds ago (setting
    ISSUED_DOCUMENT_SWEEP_AFTER_SECONDS) still without their file, not given up on and
    not waiting for the backoff of a failure. Returns how many were written."""
    wait = settings.ISSUED_DOCUMENT_SWEEP_AFTER_SECONDS if older_than is None else older_than
    started = time.monotonic()
    written = 0
    seen: set[int] = set()
    while time.monotonic() - started < budget_seconds:
        cutoff = timezone.now() - dt.timedelta(seconds=wait)
        batch = list(
            IssuedDocument.objects.filter(
                file="", issued_at__lte=cutoff, attempts__lt=settings.ISSUED_DOCUMENT_MAX_ATTEMPTS
            )
            .exclude(retry_at__gt=timezone.now())
            .exclude(pk__in=seen)
            .order_by("issued_at")
            .values_list("pk", flat=True)[:100]
        )
        if not batch:
            break
        for pk in batch:
            seen.add(pk)
            if write(pk) is not None:
                written += 1
    return written


@transaction.atomic
def retry_failed(*, issued_ids) -> int:
    """Try again to write the files of issued forms given up on (Django admin): their
    attempts from zero, each queued after the commit. Returns how many."""
    failed = list(
        IssuedDocument.objects.select_for_update()
        .filter(pk__in=list(issued_ids), file="", attempts__gt=0)
        .values_list("pk", flat=True)
    )
    IssuedDocument.objects.filter(pk__in=failed).update(attempts=0, retry_at=None)
    for pk in failed:
        transaction.on_commit(partial(write_soon, pk))
    return len(failed)


def wait_written(issued: IssuedDocument, *, seconds: float | None = None) -> bool:
    """Whether the file of `issued` exists, waiting up to `seconds` (setting
    ISSUED_DOCUMENT_WAIT_SECONDS) for the worker to write it: a download clicked
    right after the action usually gets its file within a second."""
    wait = settings.ISSUED_DOCUMENT_WAIT_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + wait
    while not issued.file:
        if issued.failed or time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)
        issued.refresh_from_db(fields=["file", "sha256", "attempts", "last_error"])
    return True


def issued_for_official(dossier: Dossier):
    return dossier.issued.order_by("issued_at", "id")


def issued_for_applicant(dossier: Dossier):
    return dossier.issued.filter(form__in=FOR_APPLICANT).order_by("issued_at", "id")


def write_outcomes(log_entries) -> dict[int, dict]:
    """The outcome the worker logged for each issued document written (its id -> the
    row's `document` data: SHA-256 and signature), from log rows already read."""
    return {
        entry.data["document"]["issued"]: entry.data["document"]
        for entry in log_entries
        if entry.action == Action.DOCUMENT_WRITTEN and "issued" in entry.data.get("document", {})
    }


# --- form 06 -------------------------------------------------------------------------


def _parse(value) -> dt.datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


@dataclass
class ControlRow:
    at: dt.datetime
    action: str
    handed_by: str
    received_by: str
    due_at: dt.datetime | None
    late: bool | None
    note: str


# Rows of the log that hand the dossier on, or change its deadline: what form 06 lists.
_HANDOVERS = {
    Action.SUBMIT,
    Action.RECEIVE,
    Action.REFUSE,
    Action.ASSIGN,
    Action.FORWARD,
    Action.PROPOSE,
    Action.RETURN,
    Action.APPROVE,
    Action.REQUEST_SUPPLEMENT,
    Action.SUPPLEMENT,
    Action.REQUIRE_PAYMENT,
    Action.PAY,
    Action.STOP,
    Action.APOLOGISE,
    Action.RECORD_RESULT,
    Action.RETURN_RESULT,
    Action.WITHDRAW,
}


def control_rows(dossier: Dossier) -> list[ControlRow]:
    """Each hand-over of the dossier with its time, who handed it on and who took it,
    the appointment in force then and whether the step ended on time."""
    entries = [e for e in dossier.log.order_by("seq") if e.action in _HANDOVERS]
    rows, due = [], None
    for i, entry in enumerate(entries):
        later = entries[i + 1] if i + 1 < len(entries) else None
        if entry.data.get("assignee_name"):
            taker = entry.data["assignee_name"]
        elif later is not None:
            taker = later.actor_name or later.get_actor_role_display()
        else:
            taker = ""
        # The step is judged against the appointment in force when it ended.
        late = None if due is None else entry.created_at > due
        rows.append(
            ControlRow(
                at=entry.created_at,
                action=entry.get_action_display(),
                handed_by=entry.actor_name or entry.get_actor_role_display(),
                received_by=taker,
                due_at=due,
                late=late,
                note=entry.note,
            )
        )
        if "due_at" in entry.data:
            due = _parse(entry.data["due_at"]) or due
    return rows


def control_sheet_pdf(dossier: Dossier, *, now=None) -> bytes:
    """Form 06 as it stands now, unsigned (see `dossiers.services.control_sheet_issue`)."""
    now = now or timezone.now()
    context = _context(dossier, form=StandardForm.CONTROL, official="", note="", data={}, now=now)
    context["rows"] = control_rows(dossier)
    return pdf.render_pdf(TEMPLATE.format(form=StandardForm.CONTROL), context)


# --- form 07 -------------------------------------------------------------------------


def register_pdf(*, agency, start, end, rows: list[list], official, now=None) -> bytes:
    """Form 07, the dossier register of `agency` for the days `start`..`end`, from the
    rows of `dossiers.exports.register_rows` (the XLSX export's), unsigned."""
    return pdf.render_pdf(
        TEMPLATE.format(form=StandardForm.REGISTER),
        {
            "agency": agency,
            "form": StandardForm.REGISTER,
            "form_title": legal.FORM_TITLES[StandardForm.REGISTER],
            "start": start,
            "end": end,
            "rows": rows,
            "official": str(official) if official is not None else "",
            "now": now or timezone.now(),
        },
    )


# --- deadline plan on the workbench ------------------------------------------------------


@dataclass
class StepDeadline:
    name: str
    role: str
    allotted_days: object
    due: dt.date | None


def step_plan(dossier: Dossier, calendar) -> list[StepDeadline]:
    """The procedure version's internal steps with the day each should end, counted
    in working days from the day the clock started (plus days paused so far). Empty
    when the version has no steps with allotted days. The steps are cached under the
    catalogue generation (a published version's steps are frozen; every step write
    renews the generation)."""
    from procedures.selectors import cached_many_with_catalogue

    version = dossier.version
    cached = cached_many_with_catalogue(
        "version-steps", [version.pk], lambda missing: {version.pk: list(version.steps.all())}
    )
    steps = [s for s in cached[version.pk] if s.allotted_days]
    if not steps:
        return []
    start = calendar.clock_start(dossier.received_at) if dossier.received_at else None
    plan, spent = [], 0.0
    for step in steps:
        spent += float(step.allotted_days)
        due = None
        if start is not None:
            # A half day still ends on that working day.
            days = max(int(-(-spent // 1)) - 1, 0) + dossier.paused_days
            due = calendar.add_working_days(start, days)
        plan.append(StepDeadline(step.name, step.get_role_display(), step.allotted_days, due))
    return plan


@dataclass
class Pause:
    since: dt.datetime
    until: dt.datetime | None
    reason: str
    working_days: int | None


def pause_history(log_entries) -> list[Pause]:
    """Pauses of the clock from the log rows `clock_pause` / `clock_resume` marked."""
    pauses: list[Pause] = []
    for entry in log_entries:
        clock = entry.data.get("clock")
        if clock == "paused":
            pauses.append(Pause(entry.created_at, None, entry.get_action_display(), None))
        elif clock == "resumed" and pauses and pauses[-1].until is None:
            pauses[-1].until = entry.created_at
            pauses[-1].working_days = entry.data.get("paused_working_days")
    return pauses


def is_overdue(dossier: Dossier, now=None) -> bool:
    now = now or timezone.now()
    return (
        dossier.due_at is not None
        and dossier.paused_at is None
        and dossier.status
        in (Status.RECEIVED, Status.PROCESSING, Status.AWAITING_APPROVAL, Status.RESULT_READY)
        and dossier.due_at < now
    )
