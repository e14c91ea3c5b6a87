"""The standard one-stop documents (`dossiers.legal.FORMS`, titles in `legal.FORM_TITLES`).

Forms 01-05 are issued by the action that produces them, inside its transaction
(`dossiers.services.dossier_transition` calls `prepare` before the log row and `store` after
it): the PDF is rendered first, so a rendering failure aborts the action with a clear
message and nothing is written. Form 06, the process control sheet, is rendered from
the log on demand and never stored.

The layouts are the files `templates/pdf/mau-0N.html`; an administrator replaces them
(or shadows them in a template directory listed first) when the Circular changes.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dossiers import legal, pdf
from dossiers.constants import Action, StandardForm, Status
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


@dataclass
class Prepared:
    form: str
    content: bytes
    sha256: str


def _received_documents(dossier: Dossier) -> list[dict]:
    """Form 01's list: one line per required document (with the counts of originals and
    copies the procedure asks for) and the number of files received for it."""
    lines: dict = {}
    for doc in dossier.documents.select_related("required_document", "file").filter(
        is_result=False, superseded_at__isnull=True
    ):
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


def _context(dossier: Dossier, *, form: str, actor, note: str, data: dict, now) -> dict:
    url = pdf.lookup_url(dossier.code)
    context = {
        "dossier": dossier,
        "form": form,
        "form_label": StandardForm(form).label,
        "form_title": legal.FORM_TITLES[form],
        "official": str(actor) if actor is not None else "",
        "note": note,
        "data": data,
        "now": now,
        "lookup_url": url,
        "qr": pdf.qr_svg(url),
    }
    if form == StandardForm.RECEIPT:
        context["documents"] = _received_documents(dossier)
    if form == StandardForm.APOLOGY:
        context["due_before"] = _parse(data.get("due_at_before"))
    return context


def render(form: str, dossier: Dossier, *, actor=None, note="", data=None, now=None) -> bytes:
    """The PDF of `form` for `dossier` as it stands now (used by `prepare` and tests)."""
    return pdf.render_pdf(
        TEMPLATE.format(form=form),
        _context(
            dossier, form=form, actor=actor, note=note, data=data or {}, now=now or timezone.now()
        ),
    )


def prepare(*, dossier: Dossier, action: str, actor, note: str, data: dict, now) -> Prepared | None:
    """Render the form `action` issues (None when it issues none) and name it in `data`,
    which becomes the log row's data. Raises DossierError when the PDF cannot be made:
    the caller's transaction then rolls the whole action back."""
    form = FORM_FOR_ACTION.get(action)
    if form is None:
        return None
    try:
        content = render(form, dossier, actor=actor, note=note, data=data, now=now)
    except Exception:  # WeasyPrint, fonts, a broken replacement template: all the same here
        logger.exception("form %s for dossier %s could not be rendered", form, dossier.pk)
        raise DossierError(
            _(
                "The %(form)s (form %(number)s) could not be produced, so nothing was "
                "recorded. Try again; if it keeps failing, tell the system administrator."
            )
            % {"form": StandardForm(form).label, "number": form}
        ) from None
    agency = dossier.receiving_agency if form in DESK_FORMS else dossier.competent_agency
    issued = agency_sign(dossier, content, form=form, agency=agency)
    data["document"] = {"form": form, "sha256": issued.sha256, "signature": issued.log_data()}
    return Prepared(form, issued.content, issued.sha256)


def agency_sign(dossier: Dossier, content: bytes, *, form: str, agency) -> signing.Issued:
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
        )
    except SigningFailed as error:
        raise DossierError(str(error)) from None


def store(*, dossier: Dossier, prepared: Prepared, entry: DossierLog, now) -> IssuedDocument:
    """Keep the rendered form with the dossier, linked to the log row that issued it."""
    issued = IssuedDocument(
        dossier=dossier, form=prepared.form, sha256=prepared.sha256, issued_at=now, log=entry
    )
    issued.file.save("form.pdf", ContentFile(prepared.content), save=False)
    try:
        issued.save(force_insert=True)
    except BaseException:
        issued.file.storage.delete(issued.file.name)
        raise
    return issued


def issued_for_official(dossier: Dossier):
    return dossier.issued.order_by("issued_at", "id")


def issued_for_applicant(dossier: Dossier):
    return dossier.issued.filter(form__in=FOR_APPLICANT).order_by("issued_at", "id")


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
    context = _context(dossier, form=StandardForm.CONTROL, actor=None, note="", data={}, now=now)
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
    when the version has no steps with allotted days."""
    steps = [s for s in dossier.version.steps.all() if s.allotted_days]
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
