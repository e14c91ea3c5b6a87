"""Every write on dossiers (STYLE R3): lock the dossier row, check state and role
against `dossiers.workflow`, change it, write ONE log row in the same transaction, and
leave side effects (notifications) to `transaction.on_commit`.

The portal (citizens) and the back office (officials, issue 6) call these functions;
nothing else writes the dossiers tables.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import documents
from dossiers import files as file_checks
from dossiers.constants import (
    ACTION_EVENTS,
    FINAL,
    PAUSED,
    Action,
    ActorRole,
    EventKind,
    FileKind,
    PaymentPurpose,
    PaymentStatus,
    ReturnMode,
    Status,
    Visibility,
)
from dossiers.declaration import declaration_errors
from dossiers.errors import DossierError
from dossiers.models import (
    HEAVY_PROCEDURE_FIELDS,
    Dossier,
    DossierDocument,
    DossierLog,
    DossierMessage,
    Payment,
    Rating,
    StoredFile,
)
from dossiers.outbox import emit
from dossiers.workflow import (
    OVERDUE_EXEMPT,
    TransitionNotAllowed,
    edge_for,
    ensure_allowed,
    needs_apology,
)
from identity.permissions import has_role
from procedures.calendar import WorkingCalendar
from procedures.constants import ChannelMethod, TimeUnit, VersionStatus

logger = logging.getLogger(__name__)

RATING_CRITERIA = ("overall", "staff_attitude", "timeliness", "guidance", "fee_transparency")
OFFICIAL_ROLES = (ActorRole.RECEPTIONIST, ActorRole.SPECIALIST, ActorRole.LEADER)


class DossierIncomplete(DossierError):
    """The draft cannot be submitted yet; `problems` says why."""

    def __init__(self, message, problems):
        super().__init__(message)
        self.problems = problems


# --- who acts ------------------------------------------------------------------------


def is_party(dossier: Dossier, user) -> bool:
    """The applicant, or a member of the business the dossier was filed for."""
    if user is None or not user.is_authenticated:
        return False
    if dossier.applicant_id == user.pk:
        return True
    return (
        dossier.business_id is not None and dossier.business.memberships.filter(user=user).exists()
    )


def _agency_for(dossier: Dossier, role: str):
    # The desk of the receiving point receives and returns; the competent agency decides.
    return dossier.receiving_agency if role == ActorRole.RECEPTIONIST else dossier.competent_agency


def acting_role(dossier: Dossier, user, roles, wanted: str | None = None) -> str:
    """The role in which `user` may act among `roles` on this dossier, or raise."""
    candidates = [wanted] if wanted else list(roles)
    for role in candidates:
        if role not in roles:
            continue
        if role == ActorRole.APPLICANT:
            if is_party(dossier, user):
                return role
        elif (
            role in OFFICIAL_ROLES
            and user is not None
            and user.is_authenticated
            and has_role(user, _agency_for(dossier, role).code, role)
        ):
            return role
    raise TransitionNotAllowed(f"{user} may not act on {dossier} as {wanted or sorted(roles)}")


# --- the log -------------------------------------------------------------------------


def dossier_log_record(
    *,
    dossier: Dossier,
    actor,
    role: str,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    visibility: str = Visibility.PUBLIC,
    data: dict | None = None,
) -> DossierLog:
    """Append one row to the dossier's hash chain. The caller holds the dossier's row
    lock (select_for_update), which serialises the chain."""
    last = DossierLog.objects.filter(dossier=dossier).order_by("-seq").first()
    entry = DossierLog(
        dossier=dossier,
        seq=(last.seq + 1) if last else 1,
        created_at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=str(actor) if actor is not None and actor.is_authenticated else "",
        actor_role=role,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        visibility=visibility,
        data=data or {},
        prev_hash=last.hash if last else DossierLog.GENESIS,
    )
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    return entry


def _notify(dossier: Dossier, action: str, actor, entry: DossierLog) -> None:
    # The outbox row is written in this transaction, so the event exists exactly when
    # the change commits; the dispatch waits for the commit (dossiers.outbox).
    kind = ACTION_EVENTS.get(action)
    if kind is not None:
        emit(
            kind,
            dossier=dossier,
            actor=actor,
            data={
                "action": action,
                "from": entry.from_status,
                "to": entry.to_status,
                "log": entry.pk,
            },
        )


def _lock(dossier_id: int) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("version__procedure", "receiving_agency", "competent_agency", "business")
        .defer(*HEAVY_PROCEDURE_FIELDS)
        .get(pk=dossier_id)
    )


def _transition(
    *,
    dossier_id: int,
    action: str,
    actor,
    role: str | None = None,
    note: str = "",
    visibility: str = Visibility.PUBLIC,
    data: dict | None = None,
    change=None,
    locked: Dossier | None = None,
) -> Dossier:
    """The one path of every state change. `change(dossier, now, data)` adjusts fields
    (dates, assignee) before the save; it may add to `data` for the log row. `locked`
    is the dossier when the caller already holds its row lock in this transaction (and
    changed nothing in the row since): one query fewer."""
    dossier = locked if locked is not None else _lock(dossier_id)
    previous = dossier.status
    edge = edge_for(previous, action)
    role = acting_role(dossier, actor, edge.roles, role)
    edge = ensure_allowed(previous, action, role)
    now = timezone.now()
    _check_not_overdue(dossier, action, now)
    data = dict(data or {})
    dossier.status = edge.target
    dossier.updated_at = now
    if change is not None:
        change(dossier, now, data)
    dossier.save()
    # The standard form this action issues (01-05), rendered before anything else is
    # written to the log so that a failure aborts the whole action.
    issued = documents.prepare(
        dossier=dossier, action=action, actor=actor, note=note, data=data, now=now
    )
    entry = dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=action,
        from_status=previous,
        to_status=dossier.status,
        note=note,
        visibility=visibility,
        data=data,
    )
    if issued is not None:
        documents.store(dossier=dossier, prepared=issued, entry=entry, now=now)
    _notify(dossier, action, actor, entry)
    if dossier.status in FINAL:
        # A finished dossier is shared with no one any more (issue 6, liên thông).
        from dossiers.consultation import consultations_close_for

        consultations_close_for(dossier)
    return dossier


def _check_not_overdue(dossier: Dossier, action: str, now) -> None:
    """An overdue dossier moves on only after the agency apologised and set a new
    appointment (form 04); the applicant may still withdraw. See workflow.needs_apology."""
    if action in OVERDUE_EXEMPT:
        return
    if needs_apology(
        due_at=dossier.due_at,
        paused=dossier.paused_at is not None,
        status=dossier.status,
        now=now,
        apologised_since=lambda due: dossier.log.filter(
            action=Action.APOLOGISE, created_at__gte=due
        ).exists(),
    ):
        raise DossierError(
            _(
                "This dossier is overdue. Apologise to the applicant and set a new "
                "appointment (form 04) before any other action."
            )
        )


# --- deadline ------------------------------------------------------------------------


def _pause(dossier: Dossier, now, data: dict) -> None:
    if dossier.due_at is not None and dossier.paused_at is None:
        dossier.paused_at = now
        data["clock"] = "paused"


def _resume(dossier: Dossier, now, data: dict) -> None:
    """Working days spent waiting for the applicant do not count (Decree 61/2018
    art. 17 cl. 2 a, the replaced text; see dossiers.workflow on citations): the
    appointment moves by as many working days."""
    if dossier.paused_at is None:
        return
    calendar = WorkingCalendar.load()
    start = timezone.localtime(dossier.paused_at).date()
    days = calendar.working_days_between(start, timezone.localtime(now).date())
    before = dossier.due_at
    if days and before is not None:
        local_due = timezone.localtime(before)
        new_day = calendar.add_working_days(local_due.date(), days)
        dossier.due_at = timezone.make_aware(dt.datetime.combine(new_day, local_due.time()))
    dossier.paused_days += days
    dossier.paused_at = None
    data.update(
        clock="resumed",
        paused_working_days=days,
        due_at_before=before.isoformat() if before else None,
        due_at=dossier.due_at.isoformat() if dossier.due_at else None,
    )


def compute_due_at(dossier: Dossier, received_at) -> dt.datetime | None:
    channel = (
        dossier.version.channels.filter(method=dossier.channel).first()
        or dossier.version.channels.first()
    )
    if channel is None or channel.processing_time is None or channel.unit == TimeUnit.UNSPECIFIED:
        return None
    return WorkingCalendar.load().due_at(received_at, channel.processing_time, channel.unit)


# --- filing (applicant) --------------------------------------------------------------


def receiving_agencies_for(procedure):
    """Where a procedure can be filed: its executing and competent agencies that have a
    one-stop desk (within the city any receiving point may take a dossier)."""
    from procedures.models import Agency

    return Agency.objects.filter(
        Q(pk__in=procedure.executing_agencies.values("pk"))
        | Q(pk__in=procedure.competent_agencies.values("pk")),
        is_active=True,
        is_receiving_point=True,
    ).order_by("name")


def _competent_for(procedure, receiving):
    competent = list(procedure.competent_agencies.all())
    if not competent or receiving in competent:
        return receiving
    return competent[0]


@transaction.atomic
def dossier_create_draft(*, applicant, version, case, receiving_agency, business=None) -> Dossier:
    """-> DRAFT. Starts a dossier against a published version; logs the creation."""
    if version.status != VersionStatus.PUBLISHED:
        raise DossierError(_("This procedure cannot be filed online at the moment."))
    if case.version_id != version.pk:
        raise DossierError(_("Choose one of the cases of this procedure."))
    procedure = version.procedure
    if not receiving_agencies_for(procedure).filter(pk=receiving_agency.pk).exists():
        raise DossierError(_("This agency does not receive dossiers for this procedure."))
    if business is not None and not business.memberships.filter(user=applicant).exists():
        raise PermissionDenied
    dossier = Dossier.objects.create(
        version=version,
        case=case,
        channel=ChannelMethod.ONLINE,
        applicant=applicant,
        business=business,
        receiving_agency=receiving_agency,
        competent_agency=_competent_for(procedure, receiving_agency),
    )
    dossier_log_record(
        dossier=dossier,
        actor=applicant,
        role=ActorRole.APPLICANT,
        action=Action.CREATE,
        to_status=Status.DRAFT,
    )
    return dossier


def _lock_draft(dossier_id: int, actor) -> Dossier:
    dossier = _lock(dossier_id)
    if dossier.status != Status.DRAFT:
        raise TransitionNotAllowed("only drafts can be edited")
    acting_role(dossier, actor, {ActorRole.APPLICANT})
    return dossier


def _declaration_saved_key(dossier_id: int) -> str:
    return f"declaration-saved:{dossier_id}"


@transaction.atomic
def dossier_save_declaration(
    *, dossier_id: int, actor, data: dict, autosave_received_at: float | None = None
) -> Dossier:
    """DRAFT -> DRAFT. Stores the declaration as typed (drafts may be incomplete; the
    submission validates it). No log row: a draft is the applicant's own business.

    An autosave (`autosave_received_at` = when its request arrived, time.time()) that
    reaches the row lock after a deliberate save (Save, Review) made since it arrived
    carries older form contents: it is dropped, or it would overwrite the fuller
    declaration the citizen is about to submit."""
    dossier = _lock_draft(dossier_id, actor)
    key = _declaration_saved_key(dossier.pk)
    if autosave_received_at is not None:
        saved = cache.get(key)
        if saved is not None and saved >= autosave_received_at:
            return dossier
    dossier.form_data = data
    dossier.updated_at = timezone.now()
    dossier.save(update_fields=["form_data", "updated_at"])
    if autosave_received_at is None:
        stamp = time.time()
        transaction.on_commit(lambda: cache.set(key, stamp, timeout=3600))
    return dossier


def _store(*, owner, upload, types=None, max_mb=None, kind=FileKind.UPLOAD) -> StoredFile:
    content, ext = file_checks.check_upload(upload, types=types, max_mb=max_mb)
    stored = StoredFile(
        owner=owner,
        name=file_checks.safe_name(upload.name),
        content_type=file_checks.MIME[ext],
        size=len(content),
        sha256=file_checks.sha256(content),
        kind=kind,
    )
    stored.file.save("upload", ContentFile(content), save=False)
    _NEW_FILES.get().append((stored.file.storage, stored.file.name))
    stored.save()
    return stored


_NEW_FILES: contextvars.ContextVar[list] = contextvars.ContextVar("motcua_new_files")


@contextlib.contextmanager
def _files_guard():
    """Files written inside are deleted again when the block fails, so a rolled-back
    write leaves no orphan on storage. (A rollback of an outer transaction after this
    block succeeded is left to the periodic orphan sweep.)"""
    created: list = []
    token = _NEW_FILES.set(created)
    try:
        yield
    except BaseException:
        for storage, name in created:
            storage.delete(name)
        raise
    finally:
        _NEW_FILES.reset(token)


def _checked_documents(dossier: Dossier, required_document_id):
    if required_document_id is None:
        return None
    doc = dossier.case.documents.filter(pk=required_document_id).first()
    if doc is None:
        raise DossierError(_("This document is not part of the dossier."))
    return doc


def dossier_attach_file(
    *, dossier_id: int, actor, required_document_id=None, upload=None, stored_file_id=None
) -> DossierDocument:
    """DRAFT -> DRAFT. Adds an uploaded file, or one from the applicant's document
    store, for one required document. Raises DossierError on a bad file."""
    with _files_guard(), transaction.atomic():
        dossier = _lock_draft(dossier_id, actor)
        doc = _checked_documents(dossier, required_document_id)
        count = dossier.documents.filter(required_document=doc).count()
        if count >= settings.DOSSIER_MAX_FILES_PER_DOCUMENT:
            raise DossierError(_("This document already has the most files allowed."))
        if stored_file_id is not None:
            stored = StoredFile.objects.filter(
                pk=stored_file_id, owner=actor, deleted_at__isnull=True
            ).first()
            if stored is None:
                raise DossierError(_("This file is not in your documents."))
            ext = next((k for k, v in file_checks.MIME.items() if v == stored.content_type), "")
            types = file_checks.accepted(doc.accepted_types if doc else None)
            if ext not in types:
                raise DossierError(_("This file is not of an accepted type for this document."))
        elif upload is not None:
            stored = _store(
                owner=actor,
                upload=upload,
                types=doc.accepted_types if doc else None,
                max_mb=doc.max_size_mb if doc else None,
            )
        else:
            raise DossierError(_("Choose a file."))
        attached = DossierDocument.objects.create(
            dossier=dossier, required_document=doc, file=stored
        )
    return attached


@transaction.atomic
def dossier_detach_file(*, dossier_id: int, actor, document_id: int) -> None:
    """DRAFT -> DRAFT. Removes a file from a draft (the file stays in My documents)."""
    dossier = _lock_draft(dossier_id, actor)
    # Rows of a draft are not evidence yet; the log starts to matter at submission.
    dossier.documents.filter(pk=document_id).delete()


@transaction.atomic
def stored_file_delete(*, file_id: int, actor) -> StoredFile:
    """Removes one of the applicant's own uploads from My documents. Refused while an
    open dossier (a draft included) uses it; results and the agency's files stay. The
    row and the file are kept as evidence for finished dossiers that used it; it is
    only hidden (`deleted_at`)."""
    stored = (
        StoredFile.objects.select_for_update()
        .filter(pk=file_id, owner=actor, deleted_at__isnull=True)
        .first()
    )
    if stored is None:
        raise DossierError(_("This file is not in your documents."))
    if stored.kind != FileKind.UPLOAD:
        raise DossierError(_("Results and documents from the agency cannot be deleted."))
    open_states = set(Status.values) - set(FINAL)
    in_use = (
        DossierDocument.objects.filter(file=stored, dossier__status__in=open_states).exists()
        or DossierMessage.objects.filter(
            attachment=stored, dossier__status__in=open_states
        ).exists()
    )
    if in_use:
        raise DossierError(
            _(
                "This file is used by a dossier that is still open; it can be deleted "
                "once that dossier is finished or the file is removed from the draft."
            )
        )
    stored.deleted_at = timezone.now()
    stored.save(update_fields=["deleted_at"])
    return stored


def submission_problems(dossier: Dossier) -> dict:
    """What stops a draft from being submitted: declaration errors and missing documents."""
    errors = declaration_errors(dossier.version, dossier.form_data)
    present = set(dossier.documents.values_list("required_document_id", flat=True))
    missing = [d for d in case_documents(dossier.case_id) if d.is_required and d.pk not in present]
    return {"declaration": errors, "missing": missing}


def case_documents(case_id: int) -> list:
    """The documents a case asks for, cached under the catalogue generation: a version's
    content is frozen once published (procedures.models.FrozenVersionContent) and
    every write to it renews the generation (procedures.signals)."""
    from procedures.models import RequiredDocument
    from procedures.selectors import cached_with_catalogue

    return cached_with_catalogue(
        f"case-documents:{case_id}", lambda: list(RequiredDocument.objects.filter(case_id=case_id))
    )


def _next_code(agency, moment) -> str:
    """`<agency code>-<yymmdd>-<NNNN>`: the counter row is upserted and stays locked
    until this transaction ends; a rollback returns the number (gap-free)."""
    day = timezone.localtime(moment).date()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dossiers_dossiercodecounter (agency_id, day, last) VALUES (%s, %s, 1)
            ON CONFLICT (agency_id, day)
            DO UPDATE SET last = dossiers_dossiercodecounter.last + 1
            RETURNING last
            """,
            [agency.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"


@transaction.atomic
def dossier_submit(*, dossier_id: int, actor) -> Dossier:
    """DRAFT -> SUBMITTED. Validates the declaration and the required documents, gives
    the dossier its code. Submitting twice is refused by the state check, so a double
    click or a resent form creates nothing more."""
    dossier = _lock(dossier_id)
    ensure_allowed(
        dossier.status, Action.SUBMIT, acting_role(dossier, actor, {ActorRole.APPLICANT})
    )
    problems = submission_problems(dossier)
    if problems["declaration"] or problems["missing"]:
        raise DossierIncomplete(_("The dossier is not complete yet."), problems)

    fee = version_fee(dossier)
    # Read while only this dossier is locked (which also holds its documents still):
    # from the code on, every submission to the agency that day waits for this one.
    documents = [
        {"name": x.file.name, "sha256": x.file.sha256}
        for x in dossier.documents.select_related("file")
    ]

    def change(d, now, data):
        d.code = _next_code(d.receiving_agency, now)
        d.submitted_at = now
        data["code"] = d.code
        data["documents"] = documents
        if fee:
            data["fee"] = fee

    dossier = _transition(
        dossier_id=dossier_id, action=Action.SUBMIT, actor=actor, change=change, locked=dossier
    )
    if fee:
        # The fee of the version filed under: payable online from now on; it does not
        # hold the dossier up (the agency may still require it before the result).
        payment_create(dossier=dossier, purpose=PaymentPurpose.FEE, amount=fee)
    return dossier


@transaction.atomic
def dossier_discard(*, dossier_id: int, actor) -> Dossier:
    """DRAFT -> DISCARDED."""
    return _transition(dossier_id=dossier_id, action=Action.DISCARD, actor=actor)


@transaction.atomic
def dossier_withdraw(*, dossier_id: int, actor, reason: str) -> Dossier:
    """{submitted .. awaiting payment} -> WITHDRAWN, with the applicant's reason."""
    if not reason.strip():
        raise DossierError(_("Give a reason for withdrawing the dossier."))

    def change(d, now, data):
        d.finished_at, d.paused_at = now, None

    return _transition(
        dossier_id=dossier_id,
        action=Action.WITHDRAW,
        actor=actor,
        note=reason.strip(),
        change=change,
    )


def dossier_supplement(*, dossier_id: int, actor, note: str = "", uploads=()) -> Dossier:
    """SUPPLEMENT_REQUESTED -> PROCESSING. Adds the requested files, resumes the clock
    (the appointment moves by the working days waited)."""
    with _files_guard(), transaction.atomic():
        dossier = _lock(dossier_id)
        ensure_allowed(
            dossier.status, Action.SUPPLEMENT, acting_role(dossier, actor, {ActorRole.APPLICANT})
        )
        if not uploads and not note.strip():
            raise DossierError(_("Attach the requested documents or write a note."))
        added = []
        for upload in uploads:
            stored = _store(owner=actor, upload=upload)
            DossierDocument.objects.create(dossier=dossier, file=stored)
            added.append({"name": stored.name, "sha256": stored.sha256})
        result = _transition(
            dossier_id=dossier_id,
            action=Action.SUPPLEMENT,
            actor=actor,
            note=note.strip(),
            data={"documents": added},
            change=_resume,
        )
    return result


@transaction.atomic
def dossier_rate(*, dossier_id: int, actor, scores: dict, comment: str = "") -> Rating:
    """RETURNED -> RETURNED. One rating per dossier, scores 1-5."""
    if set(scores) != set(RATING_CRITERIA) or not all(
        isinstance(v, int) and 1 <= v <= 5 for v in scores.values()
    ):
        raise DossierError(_("Give every score from 1 to 5."))
    if Rating.objects.filter(dossier_id=dossier_id).exists():
        raise TransitionNotAllowed("already rated")
    dossier = _transition(
        dossier_id=dossier_id,
        action=Action.RATE,
        actor=actor,
        data={"overall": scores["overall"]},
    )
    return Rating.objects.create(dossier=dossier, comment=comment.strip(), **scores)


def dossier_message_send(*, dossier_id: int, actor, body: str, upload=None) -> DossierMessage:
    with _files_guard(), transaction.atomic():
        return _message_send(dossier_id=dossier_id, actor=actor, body=body, upload=upload)


def _message_send(*, dossier_id: int, actor, body: str, upload=None) -> DossierMessage:
    """Any state after submission -> unchanged. A message between applicant and agency,
    in the log too (public)."""
    dossier = _lock(dossier_id)
    if dossier.status in (Status.DRAFT, Status.DISCARDED):
        raise TransitionNotAllowed("no messages on drafts")
    role = acting_role(dossier, actor, {ActorRole.APPLICANT, *OFFICIAL_ROLES})
    if not body.strip():
        raise DossierError(_("Write a message."))
    attachment = (
        _store(
            owner=dossier.applicant,
            upload=upload,
            kind=FileKind.OFFICIAL if role != ActorRole.APPLICANT else FileKind.UPLOAD,
        )
        if upload
        else None
    )
    message = DossierMessage.objects.create(
        dossier=dossier,
        author=actor,
        author_name=str(actor),
        from_agency=role != ActorRole.APPLICANT,
        body=body.strip(),
        attachment=attachment,
    )
    dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=Action.MESSAGE,
        note=body.strip(),
        data={"message": message.pk},
    )
    emit(
        EventKind.MESSAGE_SENT,
        dossier=dossier,
        actor=actor,
        data={"message": message.pk, "from_agency": message.from_agency},
    )
    return message


# --- back office (officials) ---------------------------------------------------------


@transaction.atomic
def dossier_receive(*, dossier_id: int, actor, note: str = "") -> Dossier:
    """SUBMITTED -> RECEIVED. Starts the clock: `due_at` from the working-day calendar
    and the channel's processing time. Form 01 follows (issue 6)."""

    def change(d, now, data):
        d.received_at = now
        d.due_at = compute_due_at(d, now)
        data["due_at"] = d.due_at.isoformat() if d.due_at else None

    return _transition(
        dossier_id=dossier_id, action=Action.RECEIVE, actor=actor, note=note, change=change
    )


@transaction.atomic
def dossier_refuse(*, dossier_id: int, actor, reason: str) -> Dossier:
    """SUBMITTED -> REFUSED, with the reasons (form 03)."""
    if not reason.strip():
        raise DossierError(_("Give the reasons for refusing the dossier."))

    def change(d, now, data):
        d.finished_at = now

    return _transition(
        dossier_id=dossier_id, action=Action.REFUSE, actor=actor, note=reason.strip(), change=change
    )


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
    return _transition(
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
    return _transition(
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
    return _transition(
        dossier_id=dossier_id,
        action=Action.PROPOSE,
        actor=actor,
        note=note,
        visibility=Visibility.INTERNAL,
    )


@transaction.atomic
def dossier_send_back(*, dossier_id: int, actor, note: str) -> Dossier:
    """AWAITING_APPROVAL -> PROCESSING (leader sends the draft back). Internal."""
    return _transition(
        dossier_id=dossier_id,
        action=Action.RETURN,
        actor=actor,
        note=note,
        visibility=Visibility.INTERNAL,
    )


def dossier_approve(*, dossier_id: int, actor, note: str = "", result_upload=None) -> Dossier:
    """AWAITING_APPROVAL -> RESULT_READY. The signed result, when given, is kept with the
    dossier and lands in the applicant's document store."""
    with _files_guard(), transaction.atomic():
        dossier = _transition(dossier_id=dossier_id, action=Action.APPROVE, actor=actor, note=note)
        if result_upload is not None:
            stored = _store(owner=dossier.applicant, upload=result_upload, kind=FileKind.RESULT)
            DossierDocument.objects.create(dossier=dossier, file=stored, is_result=True)
    return dossier


@transaction.atomic
def dossier_request_supplement(*, dossier_id: int, actor, note: str, role=None) -> Dossier:
    """PROCESSING -> SUPPLEMENT_REQUESTED, saying what is missing (form 02). Pauses the
    clock."""
    if not note.strip():
        raise DossierError(_("Say which documents are missing and why."))
    return _transition(
        dossier_id=dossier_id,
        action=Action.REQUEST_SUPPLEMENT,
        actor=actor,
        role=role,
        note=note.strip(),
        change=_pause,
    )


@transaction.atomic
def dossier_require_payment(
    *, dossier_id: int, actor, amount: int, reason: str, role=None
) -> Payment:
    """PROCESSING -> AWAITING_PAYMENT with a payment request. Pauses the clock."""
    if amount <= 0 or not reason.strip():
        raise DossierError(_("Give a positive amount and the reason."))
    dossier = _transition(
        dossier_id=dossier_id,
        action=Action.REQUIRE_PAYMENT,
        actor=actor,
        role=role,
        note=reason.strip(),
        data={"amount": amount},
        change=_pause,
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

    return _transition(
        dossier_id=dossier_id,
        action=Action.STOP,
        actor=actor,
        role=role,
        note=reason.strip(),
        change=change,
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

    return _transition(
        dossier_id=dossier_id, action=Action.RETURN_RESULT, actor=actor, note=note, change=change
    )


@transaction.atomic
def dossier_apologise(
    *, dossier_id: int, actor, reason: str, new_date: dt.date | None, role=None
) -> Dossier:
    """Overdue open dossier -> same state, with a new appointment on `new_date` (a
    working day in the future) and the written apology, form 04 (Decree 61/2018 art. 18
    cl. 3). Until this is logged an overdue dossier cannot move on."""
    dossier = _lock(dossier_id)
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

    return _transition(
        dossier_id=dossier_id,
        action=Action.APOLOGISE,
        actor=actor,
        role=role,
        note=reason,
        change=change,
    )


def dossier_record_result(*, dossier_id: int, actor, upload, note: str = "", role=None) -> Dossier:
    """RESULT_READY -> RESULT_READY. The signed result document (PDF or image, checked
    like every upload) is kept with the dossier under the applicant's name; a result
    attached before (the draft at approval) is marked replaced and hidden, and the log
    names both files."""
    if upload is None:
        raise DossierError(_("Choose the signed result document."))
    with _files_guard(), transaction.atomic():
        dossier = _lock(dossier_id)
        ensure_allowed(
            dossier.status,
            Action.RECORD_RESULT,
            acting_role(dossier, actor, {ActorRole.RECEPTIONIST, ActorRole.LEADER}, role),
        )
        stored = _store(
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
        result = _transition(
            dossier_id=dossier_id,
            action=Action.RECORD_RESULT,
            actor=actor,
            role=role,
            note=note.strip(),
            visibility=Visibility.INTERNAL,
            data={
                "result": {"name": stored.name, "sha256": stored.sha256},
                "replaced": [{"name": d.file.name, "sha256": d.file.sha256} for d in replaced],
            },
        )
    return result


@transaction.atomic
def dossier_note_add(*, dossier_id: int, actor, note: str) -> DossierLog:
    """An internal note by an official; the applicant never sees it."""
    dossier = _lock(dossier_id)
    role = acting_role(dossier, actor, set(OFFICIAL_ROLES))
    return dossier_log_record(
        dossier=dossier,
        actor=actor,
        role=role,
        action=Action.NOTE,
        note=note,
        visibility=Visibility.INTERNAL,
    )


# --- payments ------------------------------------------------------------------------


def version_fee(dossier: Dossier) -> int:
    """The fee in VND of the dossier's channel in its version (0 when free or when the
    amount is set by another regulation, which the agency then requires as a financial
    obligation). Cached under the catalogue generation, like `case_documents`."""
    from procedures.selectors import cached_with_catalogue

    version = dossier.version

    def build():
        channel = (
            version.channels.filter(method=dossier.channel).first() or version.channels.first()
        )
        if channel is None:
            return 0
        return sum(f.amount or 0 for f in channel.fees.all() if f.currency == "VND")

    return cached_with_catalogue(f"fee:{version.pk}:{dossier.channel}", build)


def payable(payment: Payment) -> bool:
    """A payment the applicant may pay now: pending, on a filed dossier still open."""
    return (
        payment.status == PaymentStatus.PENDING
        and payment.dossier.status not in FINAL
        and payment.dossier.status != Status.DRAFT
    )


def payment_start(*, payment_id: int, actor) -> Payment:
    """Checks that `actor` may pay this payment now; the portal then sends them to the
    gateway. Nothing is written: the gateway's verified callback records the payment."""
    payment = Payment.objects.select_related("dossier").get(pk=payment_id)
    acting_role(payment.dossier, actor, {ActorRole.APPLICANT})
    if not payable(payment):
        raise DossierError(_("This payment cannot be made now."))
    return payment


def payment_create(*, dossier: Dossier, purpose: str, amount: int, reason: str = "") -> Payment:
    return Payment.objects.create(
        dossier=dossier,
        purpose=purpose,
        amount=amount,
        reason=reason,
        reference=f"MC{timezone.now():%y%m%d}{secrets.token_hex(6).upper()}",
    )


@transaction.atomic
def payment_mark_paid(*, reference: str, amount: int, transaction_id: str, gateway: str) -> bool:
    """A verified gateway callback: PENDING -> PAID. A replayed callback (already paid)
    changes nothing and returns False. For a financial obligation the dossier moves
    AWAITING_PAYMENT -> PROCESSING and the clock resumes."""
    payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        raise DossierError(_("Unknown payment."))
    if payment.status != PaymentStatus.PENDING:
        return False
    if payment.amount != amount:
        raise DossierError(_("The amount paid does not match the amount due."))
    dossier = _lock(payment.dossier_id)
    payment.status, payment.paid_at = PaymentStatus.PAID, timezone.now()
    payment.transaction_id, payment.gateway = transaction_id[:100], gateway
    payment.save()
    data = {"payment": payment.reference, "amount": amount, "transaction": payment.transaction_id}
    if payment.purpose == PaymentPurpose.OBLIGATION and dossier.status == Status.AWAITING_PAYMENT:
        _transition(
            dossier_id=dossier.pk,
            action=Action.PAY,
            actor=dossier.applicant,
            data=data,
            change=_resume,
        )
    else:
        dossier_log_record(
            dossier=dossier,
            actor=None,
            role=ActorRole.SYSTEM,
            action=Action.PAYMENT_RECEIVED,
            data=data,
        )
        # A fee paid without a state change: the applicant still hears of it.
        emit(EventKind.PAID, dossier=dossier, data={"payment": payment.reference})
    return True


@transaction.atomic
def payment_mark_failed(
    *, reference: str, amount: int, transaction_id: str, gateway: str, cancelled: bool, code: str
) -> Payment | None:
    """A verified gateway result that is not a payment: PENDING -> CANCELLED (the citizen
    cancelled at the bank) or FAILED (the bank declined; `code` is its result code). The
    dossier and its clock do not change. While the dossier is open, a new PENDING
    attempt for the same amount is opened at once so the citizen can pay again (a
    gateway never accepts the same order reference twice). A replayed result (the
    payment is no longer pending) changes nothing and returns None; otherwise returns
    the new attempt, or the failed payment itself when the dossier is closed."""
    payment = Payment.objects.select_for_update().filter(reference=reference).first()
    if payment is None:
        raise DossierError(_("Unknown payment."))
    if payment.status != PaymentStatus.PENDING:
        return None
    if payment.amount != amount:
        raise DossierError(_("The amount paid does not match the amount due."))
    dossier = _lock(payment.dossier_id)
    payment.status = PaymentStatus.CANCELLED if cancelled else PaymentStatus.FAILED
    payment.transaction_id, payment.gateway = transaction_id[:100], gateway
    payment.save(update_fields=["status", "transaction_id", "gateway"])
    retry = None
    if dossier.status not in FINAL and dossier.status != Status.DRAFT:
        retry = payment_create(
            dossier=dossier, purpose=payment.purpose, amount=payment.amount, reason=payment.reason
        )
    dossier_log_record(
        dossier=dossier,
        actor=None,
        role=ActorRole.SYSTEM,
        action=Action.PAYMENT_CANCELLED if cancelled else Action.PAYMENT_FAILED,
        data={
            "payment": payment.reference,
            "amount": amount,
            "transaction": payment.transaction_id,
            "code": code,
            "new_attempt": retry.reference if retry else None,
        },
    )
    logger.info("payment %s %s (code %s)", payment.reference, payment.status, code)
    return retry or payment


def dossier_is_paused(dossier: Dossier) -> bool:
    return dossier.status in PAUSED
