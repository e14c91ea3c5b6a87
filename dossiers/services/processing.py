"""The competent agency's work: assignment, appraisal and approval, requests for a
supplement or a payment, stopping, the apology for lateness, internal notes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import legal
from dossiers.constants import (
    Action,
    ActorRole,
    FileKind,
    PaymentPurpose,
    Status,
    Visibility,
)
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierDocument, DossierLog, Payment
from dossiers.queues.scope import apology_open
from dossiers.services.actors import OFFICIAL_ROLES, acting_role
from dossiers.services.clock import (
    DESK,
    LATE,
    ON_TIME,
    PROCESSING,
    apology_timeliness,
    clock_pause,
    supplement_request_timeliness,
)
from dossiers.services.log import dossier_log_record
from dossiers.services.payments import payment_create
from dossiers.services.storage import files_guard, stored_file_create
from dossiers.services.transition import dossier_lock, dossier_transition
from dossiers.workflow import apologised, edge_for, ensure_allowed, supplement_requests
from identity.permissions import has_role
from procedures.calendar import WorkingCalendar


def _assign_to(assignee):
    def change(d, now, data):
        if assignee is not None:
            if not has_role(assignee, d.competent_agency.code, ActorRole.SPECIALIST):
                raise DossierError(_("This person is not a specialist of the competent agency."))
            d.assignee = assignee
            data["assignee"] = assignee.pk
            data["assignee_name"] = str(assignee)

    return change


def _transfer(assignee):
    """The transfer from the desk: assigned, and judged against the 15:00 rule."""
    assign = _assign_to(assignee)

    def change(d, now, data):
        assign(d, now, data)
        if d.transfer_due_at is not None:
            data["transfer"] = LATE if now > d.transfer_due_at else ON_TIME
            data["transfer_due_at"] = d.transfer_due_at.isoformat()

    return change


@transaction.atomic
def dossier_assign(*, dossier_id: int, actor, assignee=None, note: str = "", role=None) -> Dossier:
    """RECEIVED -> PROCESSING, to a specialist of the competent agency. The log row
    says whether the transfer kept its deadline (`data["transfer"]`: on_time | late)."""
    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.ASSIGN,
        actor=actor,
        role=role,
        note=note,
        visibility=Visibility.PUBLIC,
        change=_transfer(assignee),
    )


@transaction.atomic
def dossier_forward(*, dossier_id: int, actor, assignee, note: str = "", role=None) -> Dossier:
    """PROCESSING -> PROCESSING, to another specialist. Internal."""
    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.FORWARD,
        actor=actor,
        role=role,
        note=note,
        visibility=Visibility.INTERNAL,
        change=_assign_to(assignee),
    )


@transaction.atomic
def dossier_propose(*, dossier_id: int, actor, note: str = "") -> Dossier:
    """PROCESSING -> AWAITING_APPROVAL. Internal."""
    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.PROPOSE,
        actor=actor,
        note=note,
        visibility=Visibility.INTERNAL,
    )


@transaction.atomic
def dossier_send_back(*, dossier_id: int, actor, note: str) -> Dossier:
    """AWAITING_APPROVAL -> PROCESSING (leader sends the draft back). Internal."""
    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.RETURN,
        actor=actor,
        note=note,
        visibility=Visibility.INTERNAL,
    )


def dossier_approve(*, dossier_id: int, actor, note: str = "", result_upload=None) -> Dossier:
    """AWAITING_APPROVAL -> RESULT_READY. The result, when given, is signed with the
    leader's certificate (a PDF whose earlier signature is broken is refused), kept with
    the dossier and lands in the applicant's document store; the log row says how it
    was signed (`data["result"]`)."""
    from dossiers.services.signatures import result_sign

    with files_guard(), transaction.atomic():
        dossier = dossier_lock(dossier_id)
        data = {}
        if result_upload is not None:
            # Before the transition checks the role: a refusal or a failed signature
            # rolls everything back, so a wrong actor never leaves a signature behind.
            result_upload, data["result"] = result_sign(
                dossier=dossier, actor=actor, upload=result_upload
            )
        dossier = dossier_transition(
            dossier_id=dossier_id,
            action=Action.APPROVE,
            actor=actor,
            note=note,
            data=data,
            locked=dossier,
        )
        if result_upload is not None:
            stored = stored_file_create(
                owner=dossier.applicant, upload=result_upload, kind=FileKind.RESULT
            )
            DossierDocument.objects.create(dossier=dossier, file=stored, is_result=True)
    return dossier


def supplement_repeat(dossier: Dossier) -> bool:
    """Whether a supplement request during processing now would be the second one
    (it then needs a leader's written confirmation)."""
    return dossier.status == Status.PROCESSING and bool(supplement_requests(dossier, at_desk=False))


@transaction.atomic
def dossier_request_supplement(
    *, dossier_id: int, actor, note: str, role=None, confirmation: str = ""
) -> Dossier:
    """Ask the applicant for everything missing, once (form 02).

    At the desk: SUBMITTED -> DESK_SUPPLEMENT; the clock has not started, and the
    answer comes back to the desk (legal.DESK_SUPPLEMENT, legal.GUIDANCE_ONCE). A
    second request at the desk is refused: the desk receives or refuses the dossier.

    During processing: PROCESSING -> SUPPLEMENT_REQUESTED, the clock paused
    (legal.PROCESSING_SUPPLEMENT). Later than `legal.supplement_request_days()` working
    days after receipt it is still allowed, and logged as late. A second request needs
    a leader acting as leader with a written `confirmation`, which the log keeps.

    The log row's data: `phase` (desk | processing), `timeliness` (on_time | late,
    processing only), `repeat` and `confirmation` on a confirmed second request."""
    note = note.strip()
    confirmation = confirmation.strip()
    if not note:
        raise DossierError(_("Say which documents are missing and why."))
    dossier = dossier_lock(dossier_id)
    phase = DESK if dossier.status == Status.SUBMITTED else PROCESSING
    edge = edge_for(dossier.status, Action.REQUEST_SUPPLEMENT)
    role = acting_role(dossier, actor, edge.roles, role)
    data = {"phase": phase}
    if supplement_requests(dossier, at_desk=phase == DESK):
        if phase == DESK:
            raise DossierError(
                _(
                    "The desk already asked once for everything missing (form 02). "
                    "Receive the dossier, or refuse it with the reasons (form 03)."
                )
            )
        if role != ActorRole.LEADER:
            raise DossierError(
                _(
                    "A supplement was already requested once for this dossier. A second "
                    "request needs a leader's confirmation with a written reason."
                )
            )
        if not confirmation:
            raise DossierError(
                _(
                    "Write why a second supplement request is needed: the reason is "
                    "kept in the dossier's log."
                )
            )
        data.update(repeat=True, confirmation=confirmation)
    if phase == PROCESSING:
        data["timeliness"] = supplement_request_timeliness(
            dossier, timezone.now(), WorkingCalendar.load()
        )

    def change(d, now, data):
        if phase == PROCESSING:
            data["clock_rule"] = legal.supplement_clock()
            clock_pause(d, now, data)

    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.REQUEST_SUPPLEMENT,
        actor=actor,
        role=role,
        note=note,
        data=data,
        change=change,
        locked=dossier,
    )


@transaction.atomic
def dossier_require_payment(
    *, dossier_id: int, actor, amount: int, reason: str, role=None
) -> Payment:
    """PROCESSING -> AWAITING_PAYMENT with a payment request. Pauses the clock."""
    if amount <= 0 or not reason.strip():
        raise DossierError(_("Give a positive amount and the reason."))
    dossier = dossier_transition(
        dossier_id=dossier_id,
        action=Action.REQUIRE_PAYMENT,
        actor=actor,
        role=role,
        note=reason.strip(),
        data={"amount": amount},
        change=clock_pause,
    )
    return payment_create(
        dossier=dossier, purpose=PaymentPurpose.OBLIGATION, amount=amount, reason=reason.strip()
    )


@transaction.atomic
def dossier_stop(*, dossier_id: int, actor, reason: str, role=None) -> Dossier:
    """PROCESSING -> STOPPED, with the reason (form 05)."""
    if not reason.strip():
        raise DossierError(_("Give the reason for stopping."))

    def change(d, now, data):
        d.finished_at = now

    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.STOP,
        actor=actor,
        role=role,
        note=reason.strip(),
        change=change,
    )


@transaction.atomic
def dossier_apologise(
    *, dossier_id: int, actor, reason: str, new_date: dt.date | None, role=None
) -> Dossier:
    """Running dossier due soon or overdue -> same state, with the written apology and
    a new appointment on `new_date` (form 04; legal.APOLOGY). At most once per
    dossier; the new appointment is a working day after both today and the current
    appointment. Expected `legal.apology_lead_days()` working days before the
    deadline: later, or once overdue, it is logged as late (`data["timeliness"]`).
    Until it is logged an overdue dossier cannot move on (`workflow.apology_due`)."""
    dossier = dossier_lock(dossier_id)
    edge = edge_for(dossier.status, Action.APOLOGISE)
    ensure_allowed(dossier.status, Action.APOLOGISE, acting_role(dossier, actor, edge.roles, role))
    reason = reason.strip()
    if not reason:
        raise DossierError(_("Give the reason for the delay."))
    if apologised(dossier):
        raise DossierError(
            _(
                "This dossier already had its apology and new appointment (form 04): "
                "the appointment can be moved only once."
            )
        )
    now = timezone.now()
    calendar = WorkingCalendar.load()
    if not apology_open(dossier, now=now, calendar=calendar):
        raise DossierError(
            _("An apology and a new appointment are for a dossier due soon or overdue.")
        )
    current = timezone.localtime(dossier.due_at).date()
    if (
        new_date is None
        or new_date <= timezone.localtime(now).date()
        or new_date <= current
        or not calendar.is_working_day(new_date)
    ):
        raise DossierError(
            _("The new appointment must be a working day after today and after %(date)s.")
            % {"date": current.strftime("%d/%m/%Y")}
        )
    timeliness = apology_timeliness(dossier, now, calendar)
    overdue = dossier.due_at <= now

    def change(d, now, data):
        before = d.due_at
        time_of_day = timezone.localtime(before).time()
        d.due_at = timezone.make_aware(dt.datetime.combine(new_date, time_of_day))
        data.update(
            due_at_before=before.isoformat(),
            due_at=d.due_at.isoformat(),
            timeliness=timeliness,
            overdue=overdue,
        )

    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.APOLOGISE,
        actor=actor,
        role=role,
        note=reason,
        change=change,
        locked=dossier,
    )


@transaction.atomic
def dossier_note_add(*, dossier_id: int, actor, note: str) -> DossierLog:
    """An internal note by an official; the applicant never sees it."""
    dossier = dossier_lock(dossier_id)
    role = acting_role(dossier, actor, set(OFFICIAL_ROLES))
    return dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=Action.NOTE,
        note=note,
        visibility=Visibility.INTERNAL,
    )
