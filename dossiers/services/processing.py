"""The competent agency's work: assignment, appraisal and approval, requests for a
supplement or a payment, stopping, the apology for lateness, internal notes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import documents
from dossiers.constants import Action, ActorRole, FileKind, PaymentPurpose, Visibility
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierDocument, DossierLog, Payment
from dossiers.services.actors import OFFICIAL_ROLES, acting_role
from dossiers.services.clock import clock_pause
from dossiers.services.log import dossier_log_record
from dossiers.services.payments import payment_create
from dossiers.services.storage import files_guard, stored_file_create
from dossiers.services.transition import dossier_lock, dossier_transition
from dossiers.workflow import edge_for, ensure_allowed
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


@transaction.atomic
def dossier_assign(*, dossier_id: int, actor, assignee=None, note: str = "", role=None) -> Dossier:
    """RECEIVED -> PROCESSING, to a specialist of the competent agency."""
    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.ASSIGN,
        actor=actor,
        role=role,
        note=note,
        visibility=Visibility.PUBLIC,
        change=_assign_to(assignee),
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
    """AWAITING_APPROVAL -> RESULT_READY. The signed result, when given, is kept with the
    dossier and lands in the applicant's document store."""
    with files_guard(), transaction.atomic():
        dossier = dossier_transition(
            dossier_id=dossier_id, action=Action.APPROVE, actor=actor, note=note
        )
        if result_upload is not None:
            stored = stored_file_create(
                owner=dossier.applicant, upload=result_upload, kind=FileKind.RESULT
            )
            DossierDocument.objects.create(dossier=dossier, file=stored, is_result=True)
    return dossier


@transaction.atomic
def dossier_request_supplement(*, dossier_id: int, actor, note: str, role=None) -> Dossier:
    """PROCESSING -> SUPPLEMENT_REQUESTED, saying what is missing (form 02). Pauses the
    clock."""
    if not note.strip():
        raise DossierError(_("Say which documents are missing and why."))
    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.REQUEST_SUPPLEMENT,
        actor=actor,
        role=role,
        note=note.strip(),
        change=clock_pause,
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
    """Overdue open dossier -> same state, with a new appointment on `new_date` (a
    working day in the future) and the written apology, form 04 (Decree 61/2018 art. 18
    cl. 3). Until this is logged an overdue dossier cannot move on."""
    dossier = dossier_lock(dossier_id)
    edge = edge_for(dossier.status, Action.APOLOGISE)
    ensure_allowed(dossier.status, Action.APOLOGISE, acting_role(dossier, actor, edge.roles, role))
    reason = reason.strip()
    if not reason:
        raise DossierError(_("Give the reason for the delay."))
    calendar = WorkingCalendar.load()
    if (
        new_date is None
        or new_date <= timezone.localdate()
        or not calendar.is_working_day(new_date)
    ):
        raise DossierError(_("The new appointment must be a working day after today."))
    if not documents.is_overdue(dossier):
        raise DossierError(_("Only an overdue dossier needs an apology and a new appointment."))

    def change(d, now, data):
        before = d.due_at
        time_of_day = timezone.localtime(before).time()
        d.due_at = timezone.make_aware(dt.datetime.combine(new_date, time_of_day))
        data.update(due_at_before=before.isoformat(), due_at=d.due_at.isoformat())

    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.APOLOGISE,
        actor=actor,
        role=role,
        note=reason,
        change=change,
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
