"""The one-stop desk: receipt, refusal, the signed result and its return."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.constants import Action, ActorRole, FileKind, ReturnMode, Visibility
from dossiers.errors import DossierError
from dossiers.models import Dossier, DossierDocument, StoredFile
from dossiers.services.actors import acting_role
from dossiers.services.clock import compute_due_at, transfer_due_at
from dossiers.services.storage import files_guard, stored_file_create
from dossiers.services.transition import dossier_lock, dossier_transition
from dossiers.workflow import ensure_allowed
from procedures.calendar import WorkingCalendar


@transaction.atomic
def dossier_receive(*, dossier_id: int, actor, note: str = "", data: dict | None = None) -> Dossier:
    """SUBMITTED -> RECEIVED. Starts the clock: `due_at` from the working-day calendar
    and the channel's processing time, and the transfer deadline (the 15:00 rule).
    Form 01 follows."""

    def change(d, now, data):
        calendar = WorkingCalendar.load()
        d.received_at = now
        d.due_at = compute_due_at(d, now, calendar)
        d.transfer_due_at = transfer_due_at(now, calendar)
        data["due_at"] = d.due_at.isoformat() if d.due_at else None
        data["transfer_due_at"] = d.transfer_due_at.isoformat()

    return dossier_transition(
        dossier_id=dossier_id,
        action=Action.RECEIVE,
        actor=actor,
        note=note,
        data=data,
        change=change,
    )


@transaction.atomic
def dossier_refuse(*, dossier_id: int, actor, reason: str) -> Dossier:
    """SUBMITTED -> REFUSED, with the reasons (form 03)."""
    if not reason.strip():
        raise DossierError(_("Give the reasons for refusing the dossier."))

    def change(d, now, data):
        d.finished_at = now

    return dossier_transition(
        dossier_id=dossier_id, action=Action.REFUSE, actor=actor, note=reason.strip(), change=change
    )


@transaction.atomic
def dossier_return_result(
    *,
    dossier_id: int,
    actor,
    note: str = "",
    mode: str = ReturnMode.IN_PERSON,
    postal_tracking: str = "",
) -> Dossier:
    """RESULT_READY -> RETURNED, in person, online or by post (with the postal tracking
    number). Records early / on time / late against `due_at`. The result files are the
    applicant's (they were stored under their name), so they are in My documents."""
    if mode not in ReturnMode.values:
        raise DossierError(_("Choose how the result is returned."))
    postal_tracking = postal_tracking.strip()
    if mode == ReturnMode.POST and not postal_tracking:
        raise DossierError(_("Give the postal tracking number of the result sent by post."))
    if mode != ReturnMode.POST:
        postal_tracking = ""
    if (
        not DossierDocument.objects.filter(
            dossier_id=dossier_id, is_result=True, superseded_at__isnull=True
        ).exists()
        and mode == ReturnMode.ONLINE
    ):
        raise DossierError(_("Record the signed result document before returning it online."))

    def change(d, now, data):
        d.finished_at = now
        d.return_mode, d.postal_tracking = mode, postal_tracking
        data["mode"] = mode
        if postal_tracking:
            data["postal_tracking"] = postal_tracking
        if d.due_at is not None:
            data["timeliness"] = (
                "late"
                if now > d.due_at
                else (
                    "on_time"
                    if timezone.localtime(now).date() == timezone.localtime(d.due_at).date()
                    else "early"
                )
            )

    return dossier_transition(
        dossier_id=dossier_id, action=Action.RETURN_RESULT, actor=actor, note=note, change=change
    )


def dossier_record_result(*, dossier_id: int, actor, upload, note: str = "", role=None) -> Dossier:
    """RESULT_READY -> RESULT_READY. The signed result document (PDF or image, checked
    like every upload; a PDF whose signature is broken is refused) is kept with the
    dossier under the applicant's name; a result attached before (the draft at
    approval) is marked replaced and hidden, and the log names both files."""
    if upload is None:
        raise DossierError(_("Choose the signed result document."))
    from dossiers.services.signatures import result_check

    signatures = result_check(upload)
    with files_guard(), transaction.atomic():
        dossier = dossier_lock(dossier_id)
        ensure_allowed(
            dossier.status,
            Action.RECORD_RESULT,
            acting_role(dossier, actor, {ActorRole.RECEPTIONIST, ActorRole.LEADER}, role),
        )
        stored = stored_file_create(
            owner=dossier.applicant,
            upload=upload,
            types=("pdf", "jpg", "png"),
            kind=FileKind.RESULT,
        )
        now = timezone.now()
        replaced = list(
            dossier.documents.select_related("file").filter(
                is_result=True, superseded_at__isnull=True
            )
        )
        for doc in replaced:
            doc.superseded_at = now
            doc.save(update_fields=["superseded_at"])
            # The draft leaves My documents too; the row stays as evidence.
            StoredFile.objects.filter(pk=doc.file_id, kind=FileKind.RESULT).update(deleted_at=now)
        DossierDocument.objects.create(dossier=dossier, file=stored, is_result=True)
        result = dossier_transition(
            dossier_id=dossier_id,
            action=Action.RECORD_RESULT,
            actor=actor,
            role=role,
            note=note.strip(),
            visibility=Visibility.INTERNAL,
            data={
                "result": {
                    "name": stored.name,
                    "sha256": stored.sha256,
                    "signatures": signatures["outcome"],
                },
                "replaced": [{"name": d.file.name, "sha256": d.file.sha256} for d in replaced],
            },
        )
    return result
